package dev.dormouse.health;

import java.time.Instant;

/**
 * A monitor moved from one status to another.
 *
 * @param crashed the move is a crash (the container stopped without dormouse asking; {@code detail} says
 *     how), not the verdict of checks; its notification is {@code crashed}
 */
public record StatusChange(String route, HealthStatus from, HealthStatus to, String detail, long latencyMillis, Instant at, boolean crashed) {
    /** A move decided by checks. */
    public StatusChange(String route, HealthStatus from, HealthStatus to, String detail, long latencyMillis, Instant at) {
        this(route, from, to, detail, latencyMillis, at, false);
    }
}
