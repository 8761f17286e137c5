package dev.dormouse.rtmanager;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One row of {@code runtime_records}: the last known state of a managed container.
 *
 * @param runtimeId the route name
 * @param provider the provider key, {@code kind:name}
 * @param containerRef the provider-local name or id the config gives
 * @param containerId the container's id as last observed, empty until observed
 * @param image the container's image as last observed, empty until observed
 * @param lastOpAt when the last successful (or replayed) operation finished
 * @param retention opt-in TTL removal of the stopped container
 * @param replicas for a provider that sleeps by scaling ({@code swarm}): the replica count its last scale to
 *     0 found, which a wake scales back to; 0 when not known (a wake then scales to 1) or not a service
 */
public record RuntimeRecord(String runtimeId, String provider, String containerRef, String containerId, String image,
        RuntimeStatus status, Optional<Instant> startedAt, Optional<Instant> stoppedAt, Optional<Instant> removedAt,
        Optional<Instant> lastOpAt, Instant createdAt, Optional<Duration> retention, int replicas) {

    public RuntimeRecord {
        if (replicas < 0) throw new IllegalArgumentException("replicas must be >= 0, got " + replicas);
    }

    /** A record of a container that is no scaled service. */
    public RuntimeRecord(String runtimeId, String provider, String containerRef, String containerId, String image,
            RuntimeStatus status, Optional<Instant> startedAt, Optional<Instant> stoppedAt, Optional<Instant> removedAt,
            Optional<Instant> lastOpAt, Instant createdAt, Optional<Duration> retention) {
        this(runtimeId, provider, containerRef, containerId, image, status, startedAt, stoppedAt, removedAt, lastOpAt, createdAt, retention, 0);
    }

    /**
     * Since when the container has been left alone: the later of {@code last_op_at} and {@code stopped_at}
     * (a container stopped from outside counts from its stop), else {@code created_at}. TTL removal counts
     * retention from here.
     */
    public Instant idleSince() {
        Instant t = createdAt;
        boolean seen = false;
        for (Optional<Instant> o : java.util.List.of(lastOpAt, stoppedAt)) {
            if (o.isPresent() && (!seen || o.get().isAfter(t))) {
                t = o.get();
                seen = true;
            }
        }
        return t;
    }
}
