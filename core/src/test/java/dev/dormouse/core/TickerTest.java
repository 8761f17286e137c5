package dev.dormouse.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.testkit.ManualScheduler;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TickerTest {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.core.test");
    private final ManualScheduler time = new ManualScheduler();

    /** Waits for what a pass did on its own thread, with a deadline. */
    private static void await(String what, java.util.function.BooleanSupplier c) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            // Time of the test, not the code's: the deadline of a wait for a condition.
            if (System.nanoTime() > deadline) org.junit.jupiter.api.Assertions.fail("timed out waiting for " + what);
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
        }
    }

    @Test
    void aPassRunsEveryIntervalAFailingOneIsLoggedAndTheLoopGoesOnUntilClosed() {
        AtomicInteger passes = new AtomicInteger();
        Ticker t = new Ticker("test-ticker", time, Duration.ofMinutes(5), () -> {
            if (passes.incrementAndGet() <= 2) throw new IllegalStateException("db locked");
        }, LOG, false);
        t.start();
        t.start();
        time.advance(Duration.ofMinutes(5).minusMillis(1));
        assertEquals(0, passes.get(), "without passAtStart the first pass comes an interval after the start");
        for (int i = 1; i <= 5; i++) {
            int expected = i;
            time.advance(i == 1 ? Duration.ofMillis(1) : Duration.ofMinutes(5));
            await("pass " + i, () -> passes.get() == expected);
        }
        assertEquals(1, time.pending(), "one pending turn");
        t.close();
        assertEquals(0, time.pending(), "closing cancels the next turn");
        time.advance(Duration.ofHours(1));
        assertEquals(5, passes.get(), "no pass after close");
        assertFalse(t.running());
        assertThrows(IllegalStateException.class, t::start);
        new Ticker("never-started", time, Duration.ofSeconds(1), () -> { }, LOG, false).close();
    }

    @Test
    void withPassAtStartTheFirstPassDoesNotWaitAnInterval() {
        AtomicInteger passes = new AtomicInteger();
        Ticker t = new Ticker("test-ticker", time, Duration.ofHours(1), passes::incrementAndGet, LOG, true);
        t.start();
        await("the first pass, with no time passed", () -> passes.get() == 1);
        time.advance(Duration.ofHours(1));
        await("the second, an interval later", () -> passes.get() == 2);
        t.close();
        assertFalse(t.running());
    }

    @Test
    void theTurnsThatComeDuringAPassMakeOneMorePassAfterIt() throws Exception {
        AtomicInteger passes = new AtomicInteger();
        CountDownLatch inPass = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Ticker t = new Ticker("test-ticker", time, Duration.ofSeconds(1), () -> {
            if (passes.incrementAndGet() == 1) {
                inPass.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, LOG, true);
        t.start();
        assertTrue(inPass.await(10, TimeUnit.SECONDS));
        time.advance(Duration.ofSeconds(5));
        assertEquals(1, passes.get(), "five turns came while the first pass ran: none ran alongside it");
        release.countDown();
        await("one more pass for the five turns", () -> passes.get() == 2);
        t.close();
        assertEquals(2, passes.get());
    }

    @Test
    void closeInterruptsAPassUnderWayAndIsBounded() throws Exception {
        CountDownLatch inPass = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        Ticker t = new Ticker("test-ticker", time, Duration.ofSeconds(1), () -> {
            inPass.countDown();
            try {
                new CountDownLatch(1).await(); // a pass that never ends on its own
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        }, LOG, true);
        t.start();
        assertTrue(inPass.await(10, TimeUnit.SECONDS));
        long began = System.nanoTime();
        t.close();
        assertTrue(interrupted.await(10, TimeUnit.SECONDS), "close interrupts the pass");
        assertTrue(Duration.ofNanos(System.nanoTime() - began).compareTo(Ticker.CLOSE_BOUND) < 0, "close is bounded");
    }
}
