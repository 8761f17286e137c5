package dev.dormouse.core;

import java.time.Duration;

/**
 * The {@code runtime:} block.
 *
 * @param inspectInterval how often running containers are inspected; optional, default {@code 30s}
 * @param reconcileInterval how often records are reconciled with the providers; optional, default {@code 5m}
 * @param cleanupInterval how often expired stopped containers are looked for; optional, default {@code 1h}
 * @param historyRetention {@code operation_log} and {@code health_events} rows older than this are pruned;
 *     optional, default {@code 30d}
 */
public record RuntimeConfig(Duration inspectInterval, Duration reconcileInterval, Duration cleanupInterval, Duration historyRetention) {
    public static final Duration DEFAULT_HISTORY_RETENTION = Duration.ofDays(30);
}
