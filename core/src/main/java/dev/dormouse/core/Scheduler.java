package dev.dormouse.core;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Time for everything that waits: idle timers, health intervals, worker ticks, backoffs, event batching,
 * the config file's quiet period, readiness probing. One monotonic reading ({@link #nanoTime()}, read like
 * {@link System#nanoTime()}: only differences mean anything) and one way to run something later, so that a
 * test advances time instead of waiting for it (core's test kit has a {@code ManualScheduler}).
 *
 * <p>Tasks run on the scheduler's thread, one at a time, and must not block: they decide, and hand any slow
 * work to a virtual thread. {@link #system()} is the real one.
 */
public interface Scheduler {
    /** Monotonic time in nanoseconds; only the difference between two readings means anything. */
    long nanoTime();

    /**
     * Runs {@code task} once {@code delay} has passed (at once for a delay of zero or less).
     *
     * @return the handle that cancels it
     */
    Scheduled schedule(Runnable task, Duration delay);

    /** A task that was scheduled. */
    @FunctionalInterface
    interface Scheduled {
        /** The task will not run (again); a run already under way finishes. Idempotent. */
        void cancel();
    }

    /**
     * Runs {@code task} after {@code first}, then every {@code period} measured from when each run was due
     * (not from when it ended), until cancelled. A run that is due while the previous one has not returned
     * waits for it; turns missed by more than a period (a suspended machine) are skipped, not caught up.
     */
    default Scheduled repeat(Runnable task, Duration first, Duration period) {
        return Repeating.start(this, task, first, period);
    }

    /** Blocks the calling thread until {@code d} of this scheduler's time has passed. */
    default void sleep(Duration d) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        Scheduled s = schedule(done::countDown, d);
        try {
            done.await();
        } finally {
            s.cancel();
        }
    }

    /** The real scheduler: {@link System#nanoTime()} and one daemon timer thread shared by the whole process. */
    static Scheduler system() {
        return SystemScheduler.INSTANCE;
    }
}
