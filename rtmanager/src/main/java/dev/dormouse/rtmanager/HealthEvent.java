package dev.dormouse.rtmanager;

import java.time.Instant;

/** One row of {@code health_events}; {@code details} is the closed JSON object of its type. */
public record HealthEvent(long id, String runtimeId, String containerId, HealthEventType type, Instant occurredAt, String details) {}
