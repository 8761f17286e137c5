package dev.dormouse.watcher;

import dev.dormouse.core.Scheduler;
import dev.dormouse.core.spi.ContainerEvent;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Collects container events and hands them on in batches: the first event of a batch starts a window
 * (300 ms by default, on the injected scheduler); events that arrive meanwhile join it, coalesced to the
 * last one per container. Batches are delivered one at a time on a virtual thread, so a storm of N events
 * over T causes at most about T / window + 1 deliveries, however large N is. {@link #accept} never blocks.
 */
public final class EventBatcher implements Consumer<ContainerEvent>, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.watcher.events");

    /**
     * @param name what the batches are for, in log lines
     * @param window how long a batch collects events
     * @param scheduler the windows
     * @param flush receives each batch (never empty); may block, runs on the batcher's own thread
     */
    public record Deps(String name, Duration window, Scheduler scheduler, Consumer<List<ContainerEvent>> flush) {
        public Deps {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(scheduler, "scheduler");
            Objects.requireNonNull(flush, "flush");
            if (window == null || !window.isPositive()) throw new IllegalArgumentException("window must be > 0, got " + window);
        }
    }

    private final Deps deps;
    private final Object lock = new Object();
    /** The open batch, keyed by provider and container; guarded by {@link #lock}, like the two flags. */
    private Map<String, ContainerEvent> pending = new LinkedHashMap<>();
    /** The open batch's window is scheduled; it is over. */
    private boolean windowOpen;
    private boolean windowOver;
    /** A batch is being handed on. */
    private boolean delivering;
    private boolean closed;
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final Thread worker;

    public EventBatcher(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
        this.worker = Thread.ofVirtual().name("events-" + deps.name()).unstarted(this::loop);
    }

    public EventBatcher start() {
        worker.start();
        return this;
    }

    @Override
    public void accept(ContainerEvent e) {
        events.incrementAndGet();
        String key = e.provider() + "/" + (e.action() == ContainerEvent.Action.RESYNC ? "*resync*"
                : e.containerId().isEmpty() ? e.containerName() : e.containerId());
        synchronized (lock) {
            if (closed) return;
            pending.remove(key); // keep arrival order of the last event per container
            pending.put(key, e);
            if (!windowOpen) {
                windowOpen = true;
                deps.scheduler().schedule(this::windowOver, deps.window());
            }
        }
    }

    /** On the scheduler's thread: the batch is complete. */
    private void windowOver() {
        synchronized (lock) {
            windowOver = true;
            lock.notifyAll();
        }
    }

    private void loop() {
        while (true) {
            List<ContainerEvent> batch;
            try {
                synchronized (lock) {
                    while (!windowOver && !closed) lock.wait();
                    if (closed) return;
                    batch = new ArrayList<>(pending.values());
                    pending = new LinkedHashMap<>();
                    windowOpen = false;
                    windowOver = false;
                    delivering = true;
                }
            } catch (InterruptedException e) {
                return;
            }
            batches.incrementAndGet();
            try {
                deps.flush().accept(List.copyOf(batch));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, deps.name() + ": handling " + batch.size() + " events failed; going on", e);
            } finally {
                synchronized (lock) {
                    delivering = false;
                }
            }
        }
    }

    /** Whether nothing waits: no batch collecting events, none being handed on. */
    public boolean idle() {
        synchronized (lock) {
            return pending.isEmpty() && !windowOpen && !delivering;
        }
    }

    /** Events received so far. */
    public long events() {
        return events.get();
    }

    /** Batches delivered so far. */
    public long batches() {
        return batches.get();
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        worker.interrupt();
    }
}
