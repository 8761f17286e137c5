package dev.dormouse.rtmanager;

import dev.dormouse.core.Ticker;
import dev.dormouse.core.spi.ContainerEvent;
import java.lang.System.Logger.Level;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * Follows provider events into the records and health events. {@link #accept} only queues the event (it
 * never blocks the provider's event thread); a virtual thread ({@code rtmanager-events}) applies the queue
 * in order. The composition root subscribes it to each provider:
 * {@code provider.subscribe(listener.forProvider("docker:local"))} (or {@code provider.subscribe(listener)},
 * which matches records by the provider's name alone).
 *
 * <p>An event concerns the records of that provider whose container it is: same container id, or same
 * name (or id) as the record's container reference. Events of containers no record refers to are
 * ignored. Per action:
 * <ul>
 *   <li>{@code start}: record {@code running}, taking the event's container id (this is how a container
 *       recreated under the same name is adopted); {@code container_started}.
 *   <li>{@code die}: record {@code stopped}; {@code container_exited} with the exit code (attribute
 *       {@code exitCode}) and whether an {@code oom} event of that container came first.
 *   <li>{@code oom}: {@code container_oom}. {@code stop}, {@code pause}, {@code unpause}: the record's
 *       status follows.
 *   <li>{@code destroy}: record {@code removed} and {@code container_disappeared}, only when the record
 *       still refers to that container and says running or paused, or says stopped while no action holds
 *       its lease (a removal by the lifecycle service is not a disappearance). A destroy of an older
 *       container after a recreate is ignored. The conditional update makes this happen at most once,
 *       also against the reconciler.
 *   <li>{@code resync} (the provider reconnected and may have missed events): runs {@code resync}
 *       (normally {@link Reconciler#tick()}).
 * </ul>
 * Events of another container id than the record's (except {@code start}) are ignored. A status change is
 * applied only when no operation on the runtime finished after the event happened (the action that
 * finished later recorded a newer state); the health event is recorded regardless.
 */
public final class EventsListener implements Consumer<ContainerEvent>, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.rtmanager.events");
    static final int QUEUE = 10_000;
    private static final Set<ContainerEvent.Action> FOLLOWED = EnumSet.of(ContainerEvent.Action.START, ContainerEvent.Action.DIE,
            ContainerEvent.Action.OOM, ContainerEvent.Action.STOP, ContainerEvent.Action.PAUSE, ContainerEvent.Action.UNPAUSE,
            ContainerEvent.Action.DESTROY);
    private static final Set<RuntimeStatus> LIVE = EnumSet.of(RuntimeStatus.RUNNING, RuntimeStatus.PAUSED);
    private static final Set<RuntimeStatus> NOT_REMOVED = EnumSet.of(RuntimeStatus.RUNNING, RuntimeStatus.PAUSED, RuntimeStatus.STOPPED);

    /**
     * @param lifecycle the store and the event hub; it also tells whether an action holds a runtime's lease
     *     (by its clock and the holder's liveness)
     * @param resync run on the listener's thread after a provider's {@code resync} event or a queue
     *     overflow; typically the reconciler's {@code tick}
     */
    public record Deps(LifecycleService lifecycle, Runnable resync) {
        public Deps {
            Objects.requireNonNull(lifecycle, "lifecycle");
            Objects.requireNonNull(resync, "resync");
        }

        /** Without a resync action. */
        public Deps(LifecycleService lifecycle) {
            this(lifecycle, () -> { });
        }
    }

    private record Queued(String providerKey, ContainerEvent event) {}

    private final Deps deps;
    private final BlockingQueue<Queued> queue = new LinkedBlockingQueue<>(QUEUE);
    /** Containers whose {@code oom} came before their {@code die}; touched only under this object's lock. */
    private final Set<String> oomKilled = new HashSet<>();
    private volatile boolean overflowed;
    private volatile boolean closed;
    private final Object threadLock = new Object();
    private Thread thread;

    public EventsListener(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
    }

    /** Queues an event; records are matched by the event's provider name. Never blocks. */
    @Override
    public void accept(ContainerEvent event) {
        enqueue(new Queued("", event));
    }

    /** A listener for one provider's event stream; records are matched by the provider key {@code kind:name}. */
    public Consumer<ContainerEvent> forProvider(String providerKey) {
        Objects.requireNonNull(providerKey, "providerKey");
        return e -> enqueue(new Queued(providerKey, e));
    }

    private void enqueue(Queued q) {
        if (closed) return;
        if (!queue.offer(q)) {
            if (!overflowed) LOG.log(Level.WARNING, "events: {0} events queued; dropping until the next resync", QUEUE);
            overflowed = true;
        }
    }

    /** Applies queued events on the virtual thread {@code rtmanager-events}. */
    public EventsListener start() {
        synchronized (threadLock) {
            if (closed) throw new IllegalStateException("events listener: closed");
            if (thread == null) thread = Thread.ofVirtual().name("rtmanager-events").start(this::loop);
        }
        return this;
    }

    private void loop() {
        while (!closed) {
            Queued q;
            try {
                q = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            apply(q);
        }
    }

    /** Applies every queued event now, on the caller's thread; for tests of a listener that was not started. */
    public void tick() {
        for (Queued q; (q = queue.poll()) != null; ) apply(q);
    }

    private synchronized void apply(Queued q) {
        ContainerEvent e = q.event();
        try {
            if (e.action() == ContainerEvent.Action.RESYNC || overflowed) {
                overflowed = false;
                deps.resync().run();
                if (e.action() == ContainerEvent.Action.RESYNC) return;
            }
            if (!FOLLOWED.contains(e.action())) return;
            List<RuntimeRecord> records = deps.lifecycle().store().records();
            for (RuntimeRecord r : records) {
                if (concerns(q.providerKey(), e, r)) apply(e, r);
            }
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "events: " + e.provider() + " " + e.action() + " of container '" + name(e) + "' not applied: " + ex.getMessage(),
                    ex);
        }
    }

    static boolean concerns(String providerKey, ContainerEvent e, RuntimeRecord r) {
        boolean provider = providerKey.isEmpty() ? r.provider().equals(e.provider()) || r.provider().endsWith(":" + e.provider())
                : r.provider().equals(providerKey);
        if (!provider) return false;
        boolean byId = !e.containerId().isEmpty() && e.containerId().equals(r.containerId());
        return byId || byName(e, r);
    }

    private static boolean byName(ContainerEvent e, RuntimeRecord r) {
        String ref = r.containerRef();
        return ref.equals(e.containerName()) || ref.equals(e.containerId())
                || (ref.length() >= 12 && !e.containerId().isEmpty() && e.containerId().startsWith(ref));
    }

    /** Whether the event is about the container the record refers to (or the record has not seen one yet). */
    private static boolean sameContainer(ContainerEvent e, RuntimeRecord r) {
        return r.containerId().isEmpty() || e.containerId().isEmpty() || r.containerId().equals(e.containerId());
    }

    private void apply(ContainerEvent e, RuntimeRecord r) {
        RuntimeStore store = deps.lifecycle().store();
        String id = r.runtimeId();
        String cid = e.containerId().isEmpty() ? r.containerId() : e.containerId();
        if (e.action() != ContainerEvent.Action.START && !sameContainer(e, r)) {
            LOG.log(Level.DEBUG, "runtime {0}: {1} of container {2} ignored: the record refers to {3}", id, e.action(), e.containerId(),
                    r.containerId());
            return;
        }
        switch (e.action()) {
            case START -> {
                store.observe(id, RecordUpdate.observed(RuntimeStatus.RUNNING, cid), e.time(), EnumSet.allOf(RuntimeStatus.class), "", true,
                        Optional.empty());
                health(id, cid, new HealthDetails.Started(), e);
            }
            case DIE -> {
                boolean oom = oomKilled.remove(cid) || "true".equalsIgnoreCase(e.attributes().get("oomKilled"));
                store.observe(id, RecordUpdate.observed(RuntimeStatus.STOPPED, cid), e.time(), NOT_REMOVED, cid, true, Optional.empty());
                health(id, cid, new HealthDetails.Exited(exitCode(e), oom), e);
            }
            case OOM -> {
                if (!cid.isEmpty()) oomKilled.add(cid);
                health(id, cid, new HealthDetails.Oom(), e);
            }
            case STOP -> store.observe(id, RecordUpdate.observed(RuntimeStatus.STOPPED, cid), e.time(), NOT_REMOVED, cid, true, Optional.empty());
            case PAUSE -> store.observe(id, RecordUpdate.observed(RuntimeStatus.PAUSED, cid), e.time(), LIVE, cid, true, Optional.empty());
            case UNPAUSE -> store.observe(id, RecordUpdate.observed(RuntimeStatus.RUNNING, cid), e.time(), LIVE, cid, true, Optional.empty());
            case DESTROY -> {
                oomKilled.remove(cid);
                Set<RuntimeStatus> from = EnumSet.copyOf(LIVE);
                if (!deps.lifecycle().actionUnderWay(id)) from.add(RuntimeStatus.STOPPED);
                store.observe(id, RecordUpdate.observed(RuntimeStatus.REMOVED, cid), e.time(), from, cid, false,
                        Optional.of(new HealthDetails.Disappeared())).event().ifPresent(ev -> {
                            deps.lifecycle().publish(ev);
                            LOG.log(Level.INFO, "runtime {0}: container ''{1}'' disappeared", id, name(e));
                        });
            }
            default -> { }
        }
    }

    private void health(String runtimeId, String cid, HealthDetails d, ContainerEvent e) {
        HealthEvent ev = deps.lifecycle().store().appendHealthEvent(runtimeId, cid, d, e.time());
        deps.lifecycle().publish(ev);
        LOG.log(d instanceof HealthDetails.Started ? Level.DEBUG : Level.INFO, "runtime {0}: container ''{1}'' {2} {3}", runtimeId, name(e),
                d.type().label(), d.json());
    }

    private static int exitCode(ContainerEvent e) {
        String s = e.attributes().get("exitCode");
        if (s == null) return -1;
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException x) {
            return -1;
        }
    }

    private static String name(ContainerEvent e) {
        return e.containerName().isEmpty() ? e.containerId() : e.containerName();
    }

    /** Stops applying events; returns once the thread has ended or a few seconds have passed. */
    @Override
    public void close() {
        Thread t;
        synchronized (threadLock) {
            closed = true;
            t = thread;
        }
        if (t == null || t == Thread.currentThread()) return;
        t.interrupt();
        try {
            t.join(Ticker.CLOSE_BOUND);
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
        }
    }
}
