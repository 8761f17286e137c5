package dev.dormouse.health;

import java.time.Duration;

/**
 * One check's outcome.
 *
 * @param healthy whether the target passed
 * @param error true when the check could not get an answer at all (refused, timeout, TLS failure),
 *     false when it got one that failed (a wrong status)
 * @param latency how long the check took
 * @param detail what was seen, e.g. {@code HTTP 503} or {@code connection refused}
 */
public record CheckResult(boolean healthy, boolean error, Duration latency, String detail) {
    static CheckResult pass(long startNanos, String detail) {
        return new CheckResult(true, false, Duration.ofNanos(System.nanoTime() - startNanos), detail);
    }

    static CheckResult fail(long startNanos, String detail) {
        return new CheckResult(false, false, Duration.ofNanos(System.nanoTime() - startNanos), detail);
    }

    static CheckResult error(long startNanos, String detail) {
        return new CheckResult(false, true, Duration.ofNanos(System.nanoTime() - startNanos), detail);
    }
}
