package dev.dormouse.rtmanager;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TickerTest {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.rtmanager.test");

    @Test
    void aFailingPassIsLoggedAndTheLoopGoesOnUntilClosed() {
        AtomicInteger passes = new AtomicInteger();
        Ticker t = new Ticker("test-ticker", Duration.ofMillis(5), () -> {
            if (passes.incrementAndGet() <= 2) throw new RuntimeManagerException("db locked");
        }, LOG);
        t.start();
        t.start();
        Await.until("passes after two failures", () -> passes.get() >= 5);
        long began = System.nanoTime();
        t.close();
        assertTrue(Duration.ofNanos(System.nanoTime() - began).compareTo(Ticker.CLOSE_BOUND) < 0, "close is bounded");
        assertFalse(t.running(), "the loop thread has ended: no pass after close");
        assertThrows(IllegalStateException.class, t::start);
    }

    @Test
    void closeInterruptsTheWait() {
        Ticker t = new Ticker("test-ticker", Duration.ofHours(1), () -> { }, LOG);
        t.start();
        Await.until("started", t::running);
        long began = System.nanoTime();
        t.close();
        assertFalse(t.running());
        assertTrue(Duration.ofNanos(System.nanoTime() - began).toMillis() < 1000, "an hour's wait ends at once");
        new Ticker("never-started", Duration.ofSeconds(1), () -> { }, LOG).close();
    }

    @Test
    void withPassAtStartTheFirstPassDoesNotWaitAnInterval() {
        AtomicInteger passes = new AtomicInteger();
        Ticker t = new Ticker("test-ticker", Duration.ofHours(1), passes::incrementAndGet, LOG, true);
        t.start();
        Await.until("the first pass", () -> passes.get() == 1);
        t.close();
        assertFalse(t.running());
        assertTrue(passes.get() == 1, "one pass, then the hour's wait, ended by close");
    }
}
