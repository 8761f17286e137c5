package dev.dormouse.watcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dormouse.core.spi.ContainerEvent;
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
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            Thread.onSpinWait();
        }
    }

    @Test
    void aStormBecomesFewBatchesCoalescedPerContainer() {
        List<List<ContainerEvent>> got = new CopyOnWriteArrayList<>();
        try (EventBatcher b = new EventBatcher(new EventBatcher.Deps("test", Duration.ofMillis(300), got::add)).start()) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 1000; i++) b.accept(ev("c" + (i % 10), i % 2 == 0 ? ContainerEvent.Action.PAUSE : ContainerEvent.Action.UNPAUSE));
            await("the storm delivered", () -> got.stream().mapToInt(List::size).sum() > 0 && b.batches() == got.size()
                    && got.get(got.size() - 1).stream().anyMatch(e -> e.containerId().equals("c9")));
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(1000, b.events());
            assertTrue(got.size() <= elapsedMs / 300 + 1, got.size() + " batches in " + elapsedMs + " ms");
            for (List<ContainerEvent> batch : got) {
                assertTrue(batch.size() <= 10, "at most one event per container in a batch, got " + batch.size());
            }
            ContainerEvent last = got.stream().flatMap(List::stream).filter(e -> e.containerId().equals("c9")).reduce((x, y) -> y).orElseThrow();
            assertEquals(ContainerEvent.Action.UNPAUSE, last.action(), "the last event of a container wins");
        }
    }

    @Test
    void eventsAfterABatchStartTheNextOneAndAFailingFlushDoesNotStopIt() {
        List<List<ContainerEvent>> got = new CopyOnWriteArrayList<>();
        try (EventBatcher b = new EventBatcher(new EventBatcher.Deps("test", Duration.ofMillis(20), batch -> {
            got.add(batch);
            if (got.size() == 1) throw new IllegalStateException("boom");
        })).start()) {
            b.accept(ev("a", ContainerEvent.Action.START));
            await("first batch", () -> got.size() == 1);
            b.accept(ev("b", ContainerEvent.Action.STOP));
            await("second batch", () -> got.size() == 2);
            assertEquals("b", got.get(1).get(0).containerId());
        }
    }

    @Test
    void depsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new EventBatcher.Deps("x", Duration.ZERO, b -> { }));
        assertThrows(NullPointerException.class, () -> new EventBatcher.Deps("x", Duration.ofMillis(1), null));
    }
}
