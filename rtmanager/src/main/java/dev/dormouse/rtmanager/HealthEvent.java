package dev.dormouse.rtmanager;

import java.time.Instant;

/**
 * One row of {@code health_events}.
 *
 * @param containerId the container it concerns, empty when unknown
 * @param details the closed JSON object of its type (see {@link HealthDetails})
 */
public record HealthEvent(long id, String runtimeId, String containerId, HealthEventType type, Instant occurredAt, String details)
        implements RuntimeEvent {
    @Override
    public Instant at() {
        return occurredAt;
    }
}
