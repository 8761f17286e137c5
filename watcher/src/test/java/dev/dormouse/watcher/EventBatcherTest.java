package dev.dormouse.watcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.testkit.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class EventBatcherTest {
    static ContainerEvent ev(String id, ContainerEvent.Action a) {
        return new ContainerEvent("local", id, "name-" + id, a, Instant.now(), Map.of());
    }

    static void await(String what, BooleanSupplier c) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            // Time of the test, not the code's: the deadline of a wait for a condition.
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
        }
    }

    private final ManualScheduler time = new ManualScheduler();

    @Test
    void aStormBecomesOneBatchPerWindowCoalescedPerContainer() {
        List<List<ContainerEvent>> got = new CopyOnWriteArrayList<>();
        try (EventBatcher b = new EventBatcher(new EventBatcher.Deps("test", Duration.ofMillis(300), time, got::add)).start()) {
            for (int i = 0; i < 1000; i++) b.accept(ev("c" + (i % 10), i % 2 == 0 ? ContainerEvent.Action.PAUSE : ContainerEvent.Action.UNPAUSE));
            assertEquals(1, time.pending(), "one window for the whole storm");
            time.advance(Duration.ofMillis(299));
            assertEquals(0, b.batches(), "nothing before the window is over");
            time.advance(Duration.ofMillis(1));
            await("the storm delivered", () -> got.size() == 1);
            assertEquals(1000, b.events());
            assertEquals(10, got.get(0).size(), "one event per container");
            ContainerEvent last = got.get(0).stream().filter(e -> e.containerId().equals("c9")).findFirst().orElseThrow();
            assertEquals(ContainerEvent.Action.UNPAUSE, last.action(), "the last event of a container wins");
        }
    }

    @Test
    void aStormOverASecondIsAtMostOneBatchPerWindowPlusOne() {
        List<List<ContainerEvent>> got = new CopyOnWriteArrayList<>();
        try (EventBatcher b = new EventBatcher(new EventBatcher.Deps("test", Duration.ofMillis(300), time, got::add)).start()) {
            long windows = 0;
            for (int i = 0; i < 1000; i++) {
                b.accept(ev("c" + (i % 10), ContainerEvent.Action.START));
                time.advance(Duration.ofMillis(1));
                if (time.pending() == 0) {
                    // A window is over: its batch is taken before the storm goes on, as it would be in the time
                    // the storm takes (a slow batcher thread would otherwise merge windows, which is fewer batches).
                    long w = ++windows;
                    await("window " + w + " taken", () -> b.batches() == w);
                }
            }
            time.advance(Duration.ofMillis(300));
            await("every window delivered", () -> b.batches() == got.size() && time.pending() == 0
                    && got.stream().mapToInt(List::size).sum() > 0 && got.get(got.size() - 1).stream().anyMatch(e -> e.containerId().equals("c9")));
            assertTrue(got.size() >= 3 && got.size() <= 1000 / 300 + 1, got.size() + " batches for 1000 events over 1000 ms");
            for (List<ContainerEvent> batch : got) assertTrue(batch.size() <= 10, "at most one event per container in a batch, got " + batch.size());
        }
    }

    @Test
    void eventsAfterABatchStartTheNextOneAndAFailingFlushDoesNotStopIt() {
        List<List<ContainerEvent>> got = new CopyOnWriteArrayList<>();
        try (EventBatcher b = new EventBatcher(new EventBatcher.Deps("test", Duration.ofMillis(20), time, batch -> {
            got.add(batch);
            if (got.size() == 1) throw new IllegalStateException("boom");
        })).start()) {
            b.accept(ev("a", ContainerEvent.Action.START));
            time.advance(Duration.ofMillis(20));
            await("first batch", () -> got.size() == 1);
            b.accept(ev("b", ContainerEvent.Action.STOP));
            time.advance(Duration.ofMillis(20));
            await("second batch", () -> got.size() == 2);
            assertEquals("b", got.get(1).get(0).containerId());
        }
    }

    @Test
    void depsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new EventBatcher.Deps("x", Duration.ZERO, time, b -> { }));
        assertThrows(NullPointerException.class, () -> new EventBatcher.Deps("x", Duration.ofMillis(1), time, null));
    }
}
