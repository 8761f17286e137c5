package dev.dormouse.rtmanager;

import dev.dormouse.core.Scheduler;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The only code that changes containers, and the hub of the runtime manager: it knows the registered
 * runtimes and the providers, and publishes every committed operation and health event to subscribers.
 *
 * <p>{@link #perform} takes the runtime's lease and, in the same transaction, writes the action's
 * operation-log row with outcome {@code pending}, so the action is on record before the provider is
 * called; then it calls the provider, completes that row in place, updates the record and releases the
 * lease (the last three in one transaction). For a provider that sleeps by scaling (Swarm services), a
 * start is logged and done as {@code scale_up} (back to the replica count the last {@code scale_down}
 * found and the record keeps, else 1) and a stop or kill as {@code scale_down}. The lease is a row in
 * {@code leases} written in a {@code BEGIN IMMEDIATE} transaction, so it excludes actions of other processes on the same database
 * (the CLI) as well as other threads of this one: each acquisition has its own holder id
 * ({@code pid-random-counter}), so two threads of one process also meet as two holders. No database
 * transaction stays open while the provider works.
 *
 * <p>A lease lasts as long as its action may: the provider's own bound on the call
 * ({@link Provider#actionBound}: a Proxmox task's wait, a stop's {@code stop_timeout}) plus
 * {@link #LEASE_MARGIN}, so no second actor acts while the call may still change the container. A lease
 * names its holder's process (boot id, pid namespace, pid, start time; see {@link ProcessIdentity}), so a
 * holder that died on this host is recognised at once: its lease is taken over, and its pending row is
 * first resolved as {@code interrupted} from what the provider reports then ({@link #recover} does the
 * same for every runtime at start-up). A holder on another host is respected until its lease expires.
 *
 * <p>The record's status is the fast path: when it differs from the action's target state the provider
 * is called at once (a wake of a stopped container costs exactly one provider call and no inspection);
 * when it already shows the target state the container is inspected once, and if it really is in that
 * state the action is logged as {@code replay_no_op} without acting. A removal always inspects first and
 * refuses a container that is not stopped. After a start the container id and image are not looked up
 * (that would add an inspection to every wake); the events listener and the reconciler fill them in.
 */
public final class LifecycleService implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.rtmanager.lifecycle");
    /** A lease outlives the action's own bound by this much, and lasts at least this long. */
    static final Duration LEASE_MARGIN = Duration.ofSeconds(30);
    private static final Duration UNREGISTERED_STOP_TIMEOUT = Duration.ofSeconds(10);

    /** How long {@link #act} waits for another action on the same runtime (a reconcile, a cleanup) to finish. */
    public static final Duration CONFLICT_PATIENCE = Duration.ofSeconds(3);
    private static final Duration FIRST_CONFLICT_PAUSE = Duration.ofMillis(20);
    private static final Duration CONFLICT_PAUSE_CAP = Duration.ofMillis(500);

    /**
     * @param store the database
     * @param providers started providers by key, {@code kind:name} (the {@link RuntimeSpec#provider()} values)
     * @param clock timestamps and lease expiry
     * @param scheduler the pauses of {@link #act} between attempts
     */
    public record Deps(RuntimeStore store, Map<String, Provider> providers, Clock clock, Scheduler scheduler) {
        public Deps {
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(providers, "providers");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(scheduler, "scheduler");
            providers = Map.copyOf(providers);
        }

        /** With {@link Scheduler#system()}. */
        public Deps(RuntimeStore store, Map<String, Provider> providers, Clock clock) {
            this(store, providers, clock, Scheduler.system());
        }
    }

    private final Deps deps;
    private final Map<String, RuntimeSpec> specs = new ConcurrentHashMap<>();
    private final ProcessIdentity self = ProcessIdentity.current();
    private final String holderPrefix = self.pid() + "-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final AtomicLong acquisitions = new AtomicLong();
    private final RuntimeEvents events = new RuntimeEvents();

    public LifecycleService(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
    }

    /**
     * Registers or updates managed runtimes: each gets a record (inserted if absent; provider, container
     * and retention updated if changed; history kept). Runtimes registered before and not named here stay
     * registered; see {@link #unregister}.
     */
    public void register(List<RuntimeSpec> runtimes) {
        Instant now = deps.clock().instant();
        for (RuntimeSpec s : runtimes) {
            deps.store().register(s, now);
            specs.put(s.runtimeId(), s);
        }
    }

    /**
     * Forgets runtimes no longer configured. Their records stay; the reconciler's next pass disposes of
     * them ({@code reconcile_dispose}, status {@code removed}) without touching their containers.
     */
    public void unregister(Collection<String> runtimeIds) {
        runtimeIds.forEach(specs::remove);
    }

    public Optional<RuntimeSpec> spec(String runtimeId) {
        return Optional.ofNullable(specs.get(runtimeId));
    }

    /** The registered runtimes by id. */
    public Map<String, RuntimeSpec> specs() {
        return Map.copyOf(specs);
    }

    public RuntimeStore store() {
        return deps.store();
    }

    /** The provider of a key ({@code kind:name}). */
    public Optional<Provider> provider(String key) {
        return Optional.ofNullable(deps.providers().get(key));
    }

    Map<String, Provider> providers() {
        return deps.providers();
    }

    /**
     * Delivers every operation-log row and health event this process writes, after it is committed, to
     * {@code listener} on its own virtual thread until the returned handle is closed. Rows are delivered
     * in the order they were committed one after another (rows committed at the same moment by
     * different threads may arrive in either order); rows written by another process (the CLI) are not
     * delivered. A listener that throws is logged and keeps its subscription; one that falls
     * {@value RuntimeEvents#QUEUE} events behind loses events (logged). Neither ever delays an action.
     */
    public AutoCloseable subscribe(Consumer<? super RuntimeEvent> listener) {
        return events.subscribe(listener);
    }

    void publish(RuntimeEvent e) {
        events.publish(e);
    }

    void publish(RuntimeStore.Written w) {
        events.publish(w.operation());
        w.health().ifPresent(events::publish);
    }

    /** A fresh lease holder id: this process, plus a counter so two acquisitions never share one. */
    String newHolder() {
        return holderPrefix + acquisitions.incrementAndGet();
    }

    /**
     * Stores and publishes a health event observed outside this module, e.g. {@code probe_failed} and
     * {@code probe_recovered} from the route's health monitor.
     *
     * @param containerId the container it concerns, {@code ""} when unknown
     */
    public HealthEvent recordHealth(String runtimeId, String containerId, HealthDetails details) {
        HealthEvent e = deps.store().appendHealthEvent(runtimeId, containerId, details, deps.clock().instant());
        events.publish(e);
        return e;
    }

    /**
     * Performs {@code kind} on the runtime's container and logs it.
     *
     * @return the logged row, outcome {@link Outcome#SUCCESS} or {@link Outcome#REPLAY_NO_OP}
     * @throws RuntimeConflictException when another action holds the lease (logged as {@code conflict})
     * @throws ProviderException when the provider fails (logged as {@code failure}, then rethrown)
     * @throws RuntimeManagerException when the action is refused (a removal of a container that is not
     *     stopped; logged as {@code failure}), the runtime or its provider is unknown (not logged), or the
     *     database fails
     */
    public Operation perform(String runtimeId, OpKind kind, OpSource source) {
        Attempt a = run(runtimeId, kind, source);
        if (a.error().isPresent()) throw a.error().get();
        return a.operation();
    }

    /**
     * Performs a container action for a caller that must not fail because another actor holds the runtime's
     * lease for a moment (a wake while the reconciler looks at the container): each attempt that meets the
     * lease is logged as {@code conflict} and tried again after a pause growing from 20 ms to 500 ms, for up
     * to {@link #CONFLICT_PATIENCE}; then the conflict is thrown. This is the idle watcher's
     * {@code Lifecycle}: {@code START}, {@code UNPAUSE}, {@code STOP}, {@code PAUSE}, {@code KILL} (or
     * {@code REMOVE}); {@code INSPECT} is no action.
     *
     * @throws RuntimeConflictException when the lease stayed held for the whole patience, or the thread was interrupted
     * @see #perform
     */
    public Operation act(String runtimeId, Provider.Action action, OpSource source) {
        OpKind kind = kind(action);
        Scheduler time = deps.scheduler();
        long deadline = time.nanoTime() + CONFLICT_PATIENCE.toNanos();
        Duration pause = FIRST_CONFLICT_PAUSE;
        while (true) {
            try {
                return perform(runtimeId, kind, source);
            } catch (RuntimeConflictException e) {
                if (deadline - time.nanoTime() < pause.toNanos()) throw e;
                try {
                    time.sleep(pause);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                pause = pause.multipliedBy(2).compareTo(CONFLICT_PAUSE_CAP) > 0 ? CONFLICT_PAUSE_CAP : pause.multipliedBy(2);
            }
        }
    }

    /**
     * Like {@link #perform}, but a failure or conflict is returned as its logged row instead of thrown; for
     * callers that act on many runtimes and report each outcome (TTL cleanup).
     *
     * @throws RuntimeManagerException when the runtime or its provider is unknown, or the database fails
     */
    public Operation attempt(String runtimeId, OpKind kind, OpSource source) {
        return run(runtimeId, kind, source).operation();
    }

    private record Attempt(Operation operation, Optional<RuntimeException> error) {}

    /**
     * What {@code asked} is for the provider: for one that sleeps by scaling ({@link Provider#scales()}),
     * a start is a {@code scale_up} and a stop or kill a {@code scale_down}; anything else as asked. The
     * scale kinds are refused for a provider that does not scale.
     */
    static OpKind acted(OpKind asked, Provider p, String runtimeId) {
        if (p.scales()) {
            return switch (asked) {
                case START -> OpKind.SCALE_UP;
                case STOP, KILL -> OpKind.SCALE_DOWN;
                default -> asked;
            };
        }
        if (asked == OpKind.SCALE_UP || asked == OpKind.SCALE_DOWN) {
            throw new RuntimeManagerException(asked.label() + " runtime '" + runtimeId + "': provider " + p.kind() + ":" + p.name()
                    + " does not scale; its containers start and stop");
        }
        return asked;
    }

    private Attempt run(String runtimeId, OpKind asked, OpSource source) {
        Objects.requireNonNull(asked, "kind");
        Objects.requireNonNull(source, "source");
        if (asked == OpKind.RECONCILE_ADOPT || asked == OpKind.RECONCILE_DISPOSE) {
            throw new IllegalArgumentException(asked.label() + " is the reconciler's, not a container action");
        }
        RuntimeSpec spec = target(runtimeId);
        Provider p = provider(spec.provider()).orElseThrow(() -> new RuntimeManagerException(
                asked.label() + " runtime '" + runtimeId + "': provider '" + spec.provider() + "' is not configured"));
        OpKind kind = acted(asked, p, runtimeId);
        RuntimeStatus want = switch (kind) {
            case START, UNPAUSE, SCALE_UP -> RuntimeStatus.RUNNING;
            case STOP, KILL, SCALE_DOWN -> RuntimeStatus.STOPPED;
            case PAUSE -> RuntimeStatus.PAUSED;
            default -> RuntimeStatus.REMOVED;
        };
        Instant started = deps.clock().instant();
        String holder = newHolder();
        Duration bound = p.actionBound(action(kind), spec.stopTimeout());
        Duration look = p.actionBound(Provider.Action.INSPECT, spec.stopTimeout());
        Optional<RuntimeStore.Acquisition.Acquired> locked = take(runtimeId, holder, (bound.compareTo(look) >= 0 ? bound : look).plus(LEASE_MARGIN),
                Optional.of(new RuntimeStore.Intent(kind, source)));
        if (locked.isEmpty()) {
            String msg = kind.label() + " runtime '" + runtimeId + "': another action on it is under way";
            Operation op = finish(new RuntimeStore.Finish(runtimeId, "", kind, source, Outcome.CONFLICT, "lease_held", msg, started,
                    deps.clock().instant(), "", Optional.empty(), Optional.empty()));
            return new Attempt(op, Optional.of(new RuntimeConflictException(msg, op)));
        }
        long opId = locked.get().operationId();
        boolean finished = false;
        try {
            RuntimeRecord rec = locked.get().record();
            String cid = rec.containerId();
            String image = "";
            if (kind == OpKind.REMOVE || rec.status() == want) {
                ContainerState st;
                try {
                    st = p.inspect(spec.container());
                } catch (RuntimeException e) {
                    finished = true;
                    return failed(runtimeId, holder, opId, kind, source, started, cid, e);
                }
                if (!st.id().isEmpty()) cid = st.id();
                image = st.image();
                RuntimeStatus now = RuntimeStatus.of(st.status());
                if (now == want) {
                    finished = true;
                    Operation op = finish(new RuntimeStore.Finish(runtimeId, holder, opId, kind, source, Outcome.REPLAY_NO_OP, "", "", started,
                            deps.clock().instant(), cid, Optional.of(new RecordUpdate(want, cid, image, true)), Optional.empty()));
                    return new Attempt(op, Optional.empty());
                }
                if (kind == OpKind.REMOVE && now != RuntimeStatus.STOPPED) {
                    String msg = "remove runtime '" + runtimeId + "': container '" + spec.container() + "' is " + now.label()
                            + "; only a stopped container is removed";
                    finished = true;
                    Operation op = finish(new RuntimeStore.Finish(runtimeId, holder, opId, kind, source, Outcome.FAILURE, "not_stopped", msg,
                            started, deps.clock().instant(), cid, Optional.empty(), Optional.empty()));
                    return new Attempt(op, Optional.of(new RuntimeManagerException(msg)));
                }
                // The look took part of the lease; the action gets its whole bound from now.
                if (!deps.store().extend(runtimeId, holder, deps.clock().instant().plus(bound).plus(LEASE_MARGIN))) {
                    finished = true;
                    return new Attempt(deps.store().operation(opId).orElseThrow(), Optional.of(new RuntimeManagerException(
                            kind.label() + " runtime '" + runtimeId + "': its lease was taken over while the container was inspected; not acting")));
                }
            }
            try {
                switch (kind) {
                    case START -> p.start(spec.container());
                    case UNPAUSE -> p.unpause(spec.container());
                    case STOP -> p.stop(spec.container(), spec.stopSignal(), spec.stopTimeout());
                    case KILL -> p.kill(spec.container(), spec.stopSignal());
                    case PAUSE -> p.pause(spec.container());
                    case REMOVE -> p.remove(spec.container());
                    case SCALE_UP -> p.scale(spec.container(), rec.replicas() > 0 ? rec.replicas() : 1, spec.stopTimeout());
                    case SCALE_DOWN -> {
                        int before = p.scale(spec.container(), 0, asked == OpKind.KILL ? Duration.ZERO : spec.stopTimeout());
                        if (before > 0) deps.store().rememberReplicas(runtimeId, before);
                    }
                    default -> throw new IllegalStateException(kind.label());
                }
            } catch (RuntimeException e) {
                finished = true;
                return failed(runtimeId, holder, opId, kind, source, started, cid, e);
            }
            finished = true;
            Operation op = finish(new RuntimeStore.Finish(runtimeId, holder, opId, kind, source, Outcome.SUCCESS, "", "", started,
                    deps.clock().instant(), cid, Optional.of(new RecordUpdate(want, cid, image, true)), Optional.empty()));
            LOG.log(Level.DEBUG, "runtime {0}: {1} ({2}) done", runtimeId, kind.label(), source.label());
            return new Attempt(op, Optional.empty());
        } finally {
            if (!finished) releaseQuietly(runtimeId, holder);
        }
    }

    /** Logs a provider failure; anything but a {@link ProviderException} is a provider defect, logged as {@code failed}. */
    private Attempt failed(String runtimeId, String holder, long opId, OpKind kind, OpSource source, Instant started, String cid,
            RuntimeException e) {
        String code = e instanceof ProviderException pe ? pe.reason().name().toLowerCase(Locale.ROOT) : "failed";
        String msg = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        LOG.log(Level.WARNING, "runtime {0}: {1} ({2}) failed: {3}", runtimeId, kind.label(), source.label(), msg);
        Operation op = finish(new RuntimeStore.Finish(runtimeId, holder, opId, kind, source, Outcome.FAILURE, code, msg, started,
                deps.clock().instant(), cid, Optional.empty(), Optional.empty()));
        return new Attempt(op, Optional.of(e));
    }

    private static OpKind kind(Provider.Action action) {
        return switch (action) {
            case START -> OpKind.START;
            case STOP -> OpKind.STOP;
            case KILL -> OpKind.KILL;
            case PAUSE -> OpKind.PAUSE;
            case UNPAUSE -> OpKind.UNPAUSE;
            case REMOVE -> OpKind.REMOVE;
            case INSPECT -> throw new IllegalArgumentException("inspect is no container action");
        };
    }

    private static Provider.Action action(OpKind kind) {
        return switch (kind) {
            case START -> Provider.Action.START;
            case STOP -> Provider.Action.STOP;
            case KILL -> Provider.Action.KILL;
            case PAUSE -> Provider.Action.PAUSE;
            case UNPAUSE -> Provider.Action.UNPAUSE;
            case REMOVE -> Provider.Action.REMOVE;
            case SCALE_UP -> Provider.Action.START;
            case SCALE_DOWN -> Provider.Action.STOP;
            default -> throw new IllegalArgumentException(kind.label() + " is not a container action");
        };
    }

    // ---------------------------------------------------------------- leases and recovery

    /**
     * Whether a lease no longer stands at {@code now}: it expired, or its holder is a process of this host
     * that no longer exists.
     */
    boolean abandoned(RuntimeStore.Lease l, Instant now) {
        return !l.expiresAt().isAfter(now) || self.judge(l.identity()) == ProcessIdentity.Liveness.DEAD;
    }

    /** Whether an action (of this process or another one) holds the runtime's lease now. */
    boolean actionUnderWay(String runtimeId) {
        Instant now = deps.clock().instant();
        return deps.store().lease(runtimeId).filter(l -> !abandoned(l, now)).isPresent();
    }

    /**
     * Takes the runtime's lease for {@code length} (with the intent's pending row); a lease left by a dead
     * holder, or expired, is taken over once the row it covered is resolved.
     *
     * @return empty when another holder's lease stands
     */
    Optional<RuntimeStore.Acquisition.Acquired> take(String runtimeId, String holder, Duration length, Optional<RuntimeStore.Intent> intent) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Instant now = deps.clock().instant();
            switch (deps.store().acquire(runtimeId, holder, self, now, now.plus(length), intent, l -> abandoned(l, now))) {
                case RuntimeStore.Acquisition.Acquired a -> {
                    return Optional.of(a);
                }
                case RuntimeStore.Acquisition.Held h -> {
                    return Optional.empty();
                }
                case RuntimeStore.Acquisition.Abandoned a -> resolve(a.lease(), now);
            }
        }
        return Optional.empty();
    }

    /**
     * Resolves what dead or expired holders left behind, before anything acts (the reconciler's pass runs
     * this first, once before the daemon serves): every {@code pending} row whose lease no longer stands
     * becomes {@code interrupted}, finished now, its message saying what the provider reports of the
     * container now, which the record takes; its lease is released. A pending row that no lease names (its
     * holder failed to complete it) is resolved the same way. Leases of dead holders that cover no action
     * are released first. Rows of actions still under way are left alone.
     *
     * @return the rows resolved
     */
    public List<Operation> recover() {
        Instant now = deps.clock().instant();
        List<Operation> done = new java.util.ArrayList<>();
        for (RuntimeStore.Lease l : deps.store().leases()) {
            if (l.operationId() == 0 && abandoned(l, now)) releaseQuietly(l.runtimeId(), l.holder());
        }
        for (RuntimeStore.Pending p : deps.store().pending()) {
            Optional<RuntimeStore.Lease> l = p.lease();
            if (l.isPresent()) {
                if (abandoned(l.get(), now)) resolve(l.get(), now).ifPresent(done::add);
                continue;
            }
            Observation o = observe(p.operation().runtimeId());
            deps.store().interrupt(p.operation().id(), Optional.empty(), "lease_lost", "interrupted: the action's lease was gone; " + o.found(),
                    o.at(), o.containerId(), o.update()).ifPresent(w -> done.add(resolved(w)));
        }
        return done;
    }

    /** Resolves the pending row of an abandoned lease and releases the lease. */
    private Optional<Operation> resolve(RuntimeStore.Lease l, Instant now) {
        boolean dead = self.judge(l.identity()) == ProcessIdentity.Liveness.DEAD;
        Observation o = observe(l.runtimeId());
        String why = dead ? "dormouse stopped during the action" : "the action outlived its lease (which expired at " + l.expiresAt() + ")";
        Optional<RuntimeStore.Written> w = deps.store().interrupt(l.operationId(), Optional.of(l.holder()), dead ? "holder_died" : "lease_expired",
                "interrupted: " + why + "; " + o.found(), o.at(), o.containerId(), o.update());
        if (w.isEmpty()) {
            // Completed or resolved meanwhile; a lease that still names a finished row is just stale.
            if (l.operationId() > 0) deps.store().lease(l.runtimeId()).filter(x -> x.holder().equals(l.holder()))
                    .ifPresent(x -> releaseQuietly(x.runtimeId(), x.holder()));
            return Optional.empty();
        }
        return Optional.of(resolved(w.get()));
    }

    private Operation resolved(RuntimeStore.Written w) {
        Operation op = w.operation();
        LOG.log(Level.WARNING, "runtime {0}: {1} ({2}) started {3} {4}", op.runtimeId(), op.kind().label(), op.source().label(), op.startedAt(),
                op.errorMessage());
        publish(w);
        return op;
    }

    /** What the provider reports of a runtime's container now, for resolving an interrupted action. */
    private record Observation(Instant at, String found, String containerId, Optional<RecordUpdate> update) {}

    private Observation observe(String runtimeId) {
        Instant at = deps.clock().instant();
        try {
            RuntimeSpec spec = target(runtimeId);
            Provider p = provider(spec.provider()).orElseThrow(() -> new RuntimeManagerException("provider '" + spec.provider() + "' is not configured"));
            ContainerState st = p.inspect(spec.container());
            RuntimeStatus status = RuntimeStatus.of(st.status());
            String found = st.status() == dev.dormouse.core.spi.ContainerStatus.MISSING ? "the container was not found"
                    : "the container was found " + status.label();
            return new Observation(at, found, st.id(), Optional.of(new RecordUpdate(status, st.id(), st.image(), true)));
        } catch (RuntimeException e) {
            return new Observation(at, "the container could not be inspected: " + e.getMessage(), "", Optional.empty());
        }
    }

    /** The registered spec, or for a runtime this process did not register, one made from its record. */
    private RuntimeSpec target(String runtimeId) {
        RuntimeSpec spec = specs.get(runtimeId);
        if (spec != null) return spec;
        RuntimeRecord r = deps.store().record(runtimeId)
                .orElseThrow(() -> new RuntimeManagerException("runtime '" + runtimeId + "': no such runtime is registered or recorded"));
        return new RuntimeSpec(r.runtimeId(), r.provider(), r.containerRef(), "SIGTERM", UNREGISTERED_STOP_TIMEOUT, r.retention());
    }

    private Operation finish(RuntimeStore.Finish f) {
        try {
            RuntimeStore.Written w = deps.store().finish(f);
            publish(w);
            return w.operation();
        } catch (RuntimeManagerException e) {
            releaseQuietly(f.runtimeId(), f.holder());
            throw e;
        }
    }

    void releaseQuietly(String runtimeId, String holder) {
        if (holder.isEmpty()) return;
        try {
            deps.store().release(runtimeId, holder);
        } catch (RuntimeManagerException e) {
            LOG.log(Level.WARNING, "runtime {0}: {1} (the lease expires by itself)", runtimeId, e.getMessage());
        }
    }

    /** Stops delivering to subscribers. */
    @Override
    public void close() {
        events.close();
    }
}
