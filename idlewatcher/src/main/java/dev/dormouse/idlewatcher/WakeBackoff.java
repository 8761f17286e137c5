package dev.dormouse.idlewatcher;

import dev.dormouse.core.Durations;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * How long a route refuses wake requests after failed wakes: {@link #FIRST_NANOS} after the first failure,
 * doubling per consecutive failure up to {@link #CAP_NANOS}; a success or an admin wake starts the count
 * over. Measured as elapsed scheduler time, so any reading of it works (they may wrap around). The request
 * path reads one volatile field.
 */
final class WakeBackoff {
    static final long FIRST_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long CAP_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** Consecutive failed wakes, when the last one failed, how long it refuses, and its error. */
    private record Step(int failures, long failedAt, long lengthNanos, String error) {
        static final Step NONE = new Step(0, 0, 0, "");

        long leftNanos(long now) {
            if (failures == 0) return 0;
            long elapsed = now - failedAt;
            return elapsed < 0 || elapsed >= lengthNanos ? 0 : lengthNanos - elapsed;
        }
    }

    private volatile Step step = Step.NONE;

    /** One more failed wake at {@code now}: returns how long wakes are refused from now. */
    synchronized Duration failed(long now, String message) {
        int n = step.failures() + 1;
        long length = n > 7 ? CAP_NANOS : Math.min(CAP_NANOS, FIRST_NANOS << (n - 1));
        step = new Step(n, now, length, message);
        return Duration.ofNanos(length);
    }

    /** A success or an admin wake: nothing is refused, and the next failure is the first again. */
    void reset() {
        step = Step.NONE;
    }

    /** Why {@code route} refuses a new wake at {@code now}, with the time left; empty when it may go ahead. */
    Optional<WakeFailedException> refusal(String route, long now) {
        Step s = step;
        long left = s.leftNanos(now);
        if (left <= 0) return Optional.empty();
        return Optional.of(new WakeFailedException("wake of route '" + route + "' not tried: backing off for " + Durations.format(roundUp(left))
                + " after " + s.failures() + (s.failures() == 1 ? " failed wake: " : " failed wakes in a row: ") + s.error(),
                Duration.ofNanos(left)));
    }

    private static Duration roundUp(long nanos) {
        return Duration.ofSeconds(Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L));
    }
}
