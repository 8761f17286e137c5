package dev.dormouse.health;

import java.time.Instant;

/** A monitor moved from one status to another. */
public record StatusChange(String route, HealthStatus from, HealthStatus to, String detail, long latencyMillis, Instant at) {}
