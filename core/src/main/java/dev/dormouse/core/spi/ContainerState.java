package dev.dormouse.core.spi;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * One observation of a container.
 *
 * @param id the provider's id (Docker: full container id); empty when missing
 * @param name the container's name without a leading slash
 * @param status running, paused, stopped or missing
 * @param health the container's own health check state
 * @param image image reference, empty when unknown
 * @param restartCount restarts done by the engine's restart policy
 * @param exitCode last exit code, 0 when never exited
 * @param startedAt when the container last started, if known
 * @param createdAt when the container was created (Docker: {@code Created}), if known; among label routes
 *        that claim the same host or listener the older container wins
 * @param labels the container's labels
 * @param address an address the container can be reached at (127.0.0.1 with host networking), empty when unknown
 * @param oomKilled whether the kernel killed the container's last run for lack of memory (Docker:
 *        {@code State.OOMKilled}); false while it runs and for providers that cannot tell
 */
public record ContainerState(String id, String name, ContainerStatus status, ContainerHealth health, String image,
        int restartCount, int exitCode, Optional<Instant> startedAt, Optional<Instant> createdAt, Map<String, String> labels,
        String address, boolean oomKilled) {

    public ContainerState {
        java.util.Objects.requireNonNull(startedAt, "startedAt");
        java.util.Objects.requireNonNull(createdAt, "createdAt");
        labels = Map.copyOf(labels);
    }

    /** A container state whose provider cannot tell an OOM kill. */
    public ContainerState(String id, String name, ContainerStatus status, ContainerHealth health, String image, int restartCount, int exitCode,
            Optional<Instant> startedAt, Optional<Instant> createdAt, Map<String, String> labels, String address) {
        this(id, name, status, health, image, restartCount, exitCode, startedAt, createdAt, labels, address, false);
    }

    public static ContainerState missing(String name) {
        return new ContainerState("", name, ContainerStatus.MISSING, ContainerHealth.NONE, "", 0, 0, Optional.empty(), Optional.empty(), Map.of(), "");
    }

    /** Running and not failing its own health check (a container without one counts as healthy). */
    public boolean runningHealthy() {
        return status == ContainerStatus.RUNNING && (health == ContainerHealth.NONE || health == ContainerHealth.HEALTHY);
    }
}
