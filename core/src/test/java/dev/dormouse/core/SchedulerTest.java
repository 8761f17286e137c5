package dev.dormouse.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.testkit.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    private final ManualScheduler time = new ManualScheduler();

    @Test
    void theSystemSchedulerRunsATaskOnceItsDelayHasPassedAndACancelledOneNever() throws Exception {
        Scheduler s = Scheduler.system();
        CountDownLatch ran = new CountDownLatch(1);
        AtomicInteger cancelled = new AtomicInteger();
        long t0 = s.nanoTime();
        s.schedule(ran::countDown, Duration.ofMillis(20));
        s.schedule(cancelled::incrementAndGet, Duration.ofMillis(5)).cancel();
        assertTrue(ran.await(10, TimeUnit.SECONDS));
        assertTrue(s.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(20), "not before its delay");
        assertEquals(0, cancelled.get());
        CountDownLatch afterAFailure = new CountDownLatch(1);
        s.schedule(() -> {
            throw new IllegalStateException("a task that fails is logged");
        }, Duration.ZERO);
        s.schedule(afterAFailure::countDown, Duration.ZERO);
        assertTrue(afterAFailure.await(10, TimeUnit.SECONDS), "the timer thread goes on after a task failed");
    }

    @Test
    void advancingRunsWhatFallsDueInOrderEachAtItsOwnTime() {
        List<String> ran = new CopyOnWriteArrayList<>();
        long t0 = time.nanoTime();
        time.schedule(() -> ran.add("b@" + (time.nanoTime() - t0) / 1_000_000), Duration.ofMillis(20));
        time.schedule(() -> {
            ran.add("a@" + (time.nanoTime() - t0) / 1_000_000);
            time.schedule(() -> ran.add("c@" + (time.nanoTime() - t0) / 1_000_000), Duration.ofMillis(15));
        }, Duration.ofMillis(10));
        time.schedule(() -> ran.add("late"), Duration.ofMillis(100));
        assertEquals(0, time.advance(Duration.ofMillis(9)));
        assertEquals(List.of(), ran, "nothing runs before it is due");
        assertEquals(3, time.advance(Duration.ofMillis(41)));
        assertEquals(List.of("a@10", "b@20", "c@25"), ran, "a task scheduled by a task sees its own due time as now");
        assertEquals(50, (time.nanoTime() - t0) / 1_000_000);
        assertEquals(1, time.pending());
    }

    @Test
    void readingsWrapAroundAndTheClockMovesWithThem() {
        long t0 = time.nanoTime();
        Instant c0 = time.clock().instant();
        time.advance(Duration.ofMinutes(2));
        assertTrue(time.nanoTime() < t0, "past Long.MAX_VALUE, as System.nanoTime() may wrap");
        assertEquals(Duration.ofMinutes(2).toNanos(), time.nanoTime() - t0);
        assertEquals(c0.plus(Duration.ofMinutes(2)), time.clock().instant());
    }

    @Test
    void repeatRunsEveryPeriodFromWhenItWasDueUntilCancelled() {
        AtomicInteger runs = new AtomicInteger();
        Scheduler.Scheduled r = time.repeat(runs::incrementAndGet, Duration.ZERO, Duration.ofSeconds(1));
        time.runDue();
        assertEquals(1, runs.get(), "the first run after the first delay");
        time.advance(Duration.ofMillis(999));
        assertEquals(1, runs.get());
        time.advance(Duration.ofSeconds(3).plusMillis(1));
        assertEquals(5, runs.get(), "one per period");
        r.cancel();
        time.advance(Duration.ofSeconds(10));
        assertEquals(5, runs.get());
        assertEquals(0, time.pending());
        assertThrows(IllegalArgumentException.class, () -> time.repeat(() -> { }, Duration.ZERO, Duration.ZERO));
    }

    @Test
    void repeatSkipsTurnsMissedByMoreThanAPeriod() {
        // a scheduler that runs every task at once, however late: like the timer thread of a machine that was suspended
        long[] now = {0};
        List<Runnable> queue = new CopyOnWriteArrayList<>();
        Scheduler late = new Scheduler() {
            @Override
            public long nanoTime() {
                return now[0];
            }

            @Override
            public Scheduled schedule(Runnable task, Duration delay) {
                queue.add(task);
                return () -> queue.remove(task);
            }
        };
        AtomicInteger runs = new AtomicInteger();
        late.repeat(runs::incrementAndGet, Duration.ZERO, Duration.ofSeconds(1));
        queue.remove(0).run();
        now[0] = Duration.ofSeconds(30).toNanos();
        queue.remove(0).run();
        assertEquals(2, runs.get());
        assertEquals(1, queue.size(), "one pending run, not 29 to catch up");
    }

    @Test
    void aSleeperWakesWhenTheTestAdvancesPastItsTime() throws Exception {
        CountDownLatch woke = new CountDownLatch(1);
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                time.sleep(Duration.ofSeconds(30));
                woke.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        time.awaitPending(1);
        time.advance(Duration.ofSeconds(29));
        assertFalse(woke.await(50, TimeUnit.MILLISECONDS), "not before its time");
        time.advance(Duration.ofSeconds(1));
        assertTrue(woke.await(10, TimeUnit.SECONDS));
        t.join();
    }

    @Test
    void flowingTimePassesByItselfAndCanBeSkippedAhead() throws Exception {
        try (ManualScheduler flowing = ManualScheduler.flowing()) {
            CountDownLatch soon = new CountDownLatch(1);
            CountDownLatch later = new CountDownLatch(1);
            flowing.schedule(soon::countDown, Duration.ofMillis(10));
            flowing.schedule(later::countDown, Duration.ofHours(1));
            assertTrue(soon.await(10, TimeUnit.SECONDS), "runs as real time passes");
            assertEquals(1, later.getCount());
            flowing.advance(Duration.ofHours(1));
            assertTrue(later.await(10, TimeUnit.SECONDS), "an hour skipped");
        }
    }
}
