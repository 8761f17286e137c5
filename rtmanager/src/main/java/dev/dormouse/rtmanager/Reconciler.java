package dev.dormouse.rtmanager;

import dev.dormouse.core.Scheduler;
import dev.dormouse.core.Ticker;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.core.spi.Provider;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Brings the records in line with what the providers report: once at start-up, before the daemon serves
 * (the composition root calls {@link #tick()}), then every {@code runtime.reconcile_interval}. The first
 * pass of an instance logs its corrections with {@code op_source} {@code startup}, later passes with
 * {@code reconcile}.
 *
 * <p>For each registered runtime it inspects the container and, when the record disagrees:
 * <ul>
 *   <li>the container is missing while the record says running, paused or stopped: status
 *       {@code removed} and {@code container_disappeared}, logged as {@code reconcile_dispose}; once,
 *       since the record then says removed (without the health event when the record never had a
 *       container id: a container never seen did not disappear);
 *   <li>the record says running or paused, the same container is stopped: status {@code stopped} and
 *       {@code container_exited} (an exit nobody reported), logged as {@code reconcile_adopt};
 *   <li>otherwise (other status, another container id after a recreate, a record that said removed,
 *       another image): the record takes the container's id, status and image, logged as
 *       {@code reconcile_adopt}.
 * </ul>
 * A record of a runtime that is no longer registered and not yet removed is marked {@code removed},
 * logged as {@code reconcile_dispose}; its container is not touched. Containers are never changed.
 *
 * <p>Each pass begins with {@link LifecycleService#recover()}: actions whose holder died (or whose lease
 * expired) while they were {@code pending} are resolved as {@code interrupted} from what the provider
 * reports, and their leases released, so that the pass that runs before the daemon serves is never held
 * up by a lease of the process that ran before it.
 *
 * <p>Each correction takes the runtime's lease, inspects again under it and writes its row, record change
 * and health event in one transaction. A runtime whose lease is held is left for the next pass (the
 * action holding it records the state itself); a runtime whose inspection fails is logged and skipped.
 */
public final class Reconciler implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.rtmanager.reconcile");

    /**
     * @param lifecycle registered runtimes, providers, the store and the event hub
     * @param clock timestamps and lease expiry
     * @param scheduler when passes run
     * @param interval time between passes ({@code runtime.reconcile_interval})
     */
    public record Deps(LifecycleService lifecycle, Clock clock, Scheduler scheduler, Duration interval) {
        public Deps {
            Objects.requireNonNull(lifecycle, "lifecycle");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(scheduler, "scheduler");
            if (interval == null || !interval.isPositive()) throw new IllegalArgumentException("interval must be > 0, got " + interval);
        }

        /** With {@link Scheduler#system()}. */
        public Deps(LifecycleService lifecycle, Clock clock, Duration interval) {
            this(lifecycle, clock, Scheduler.system(), interval);
        }
    }

    /** A record correction: the row's kind, the record's new state, and the health event it implies. */
    record Correction(OpKind kind, RuntimeStatus status, String containerId, String image, Optional<HealthDetails> health) {}

    private final Deps deps;
    private final Ticker ticker;
    private boolean firstPassDone;

    public Reconciler(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
        this.ticker = new Ticker("rtmanager-reconcile", deps.scheduler(), deps.interval(), this::tick, LOG, false);
    }

    /**
     * Runs a pass every {@code interval} on virtual threads named {@code rtmanager-reconcile}; the first one
     * {@code interval} from now, since the first pass runs before the daemon serves, on its own thread
     * ({@link #tick()}), so that nothing acts on a record left stale by the process that ran before.
     */
    public Reconciler start() {
        ticker.start();
        return this;
    }

    /**
     * One pass, on the caller's thread.
     *
     * @return the operation rows it wrote, in order: the interrupted actions it resolved first, then its corrections
     */
    public synchronized List<Operation> tick() {
        OpSource source = firstPassDone ? OpSource.RECONCILE : OpSource.STARTUP;
        firstPassDone = true;
        LifecycleService lc = deps.lifecycle();
        List<Operation> done = new ArrayList<>();
        try {
            done.addAll(lc.recover());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "recovering interrupted actions failed, next pass retries: {0}", e.getMessage());
        }
        Map<String, RuntimeSpec> specs = lc.specs();
        for (RuntimeRecord r : lc.store().records()) {
            if (Thread.currentThread().isInterrupted()) break;
            try {
                RuntimeSpec spec = specs.get(r.runtimeId());
                Optional<Operation> op = spec == null ? dispose(r, source) : reconcile(r, spec, source);
                op.ifPresent(done::add);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "runtime {0}: reconcile failed, next pass retries: {1}", r.runtimeId(), e.getMessage());
            }
        }
        return done;
    }

    private Optional<Operation> dispose(RuntimeRecord r, OpSource source) {
        if (r.status() == RuntimeStatus.REMOVED) return Optional.empty();
        Correction c = new Correction(OpKind.RECONCILE_DISPOSE, RuntimeStatus.REMOVED, "", "", Optional.empty());
        return apply(r.runtimeId(), source, LifecycleService.LEASE_MARGIN,
                locked -> locked.status() == RuntimeStatus.REMOVED || deps.lifecycle().spec(r.runtimeId()).isPresent()
                        ? Optional.empty() : Optional.of(c), "no longer configured");
    }

    private Optional<Operation> reconcile(RuntimeRecord r, RuntimeSpec spec, OpSource source) {
        Optional<Provider> p = deps.lifecycle().provider(spec.provider());
        if (p.isEmpty()) {
            LOG.log(Level.WARNING, "runtime {0}: reconcile skipped: provider ''{1}'' is not configured", r.runtimeId(), spec.provider());
            return Optional.empty();
        }
        if (decide(r, p.get().inspect(spec.container())).isEmpty()) return Optional.empty();
        Duration look = p.get().actionBound(Provider.Action.INSPECT, spec.stopTimeout()).plus(LifecycleService.LEASE_MARGIN);
        return apply(r.runtimeId(), source, look, locked -> decide(locked, p.get().inspect(spec.container())), "container '" + spec.container() + "'");
    }

    private interface Decision {
        Optional<Correction> under(RuntimeRecord locked);
    }

    /** Takes the lease, decides again on the record read under it, and writes the correction. */
    private Optional<Operation> apply(String runtimeId, OpSource source, Duration lease, Decision decision, String context) {
        LifecycleService lc = deps.lifecycle();
        Instant started = deps.clock().instant();
        String holder = lc.newHolder();
        Optional<RuntimeStore.Acquisition.Acquired> locked = lc.take(runtimeId, holder, lease, Optional.empty());
        if (locked.isEmpty()) {
            LOG.log(Level.DEBUG, "runtime {0}: an action holds the lease; reconciled next pass", runtimeId);
            return Optional.empty();
        }
        boolean finished = false;
        try {
            RuntimeRecord before = locked.get().record();
            Optional<Correction> c = decision.under(before);
            if (c.isEmpty()) return Optional.empty();
            Correction k = c.get();
            String cid = k.containerId().isEmpty() ? before.containerId() : k.containerId();
            RuntimeStore.Finish f = new RuntimeStore.Finish(runtimeId, holder, k.kind(), source, Outcome.SUCCESS, "", "", started,
                    deps.clock().instant(), cid, Optional.of(new RecordUpdate(k.status(), k.containerId(), k.image(), true)), k.health());
            finished = true;
            Optional<RuntimeStore.Written> w = lc.store().finish(f,
                    now -> now.status() == before.status() && now.containerId().equals(before.containerId()));
            w.ifPresent(lc::publish);
            w.ifPresent(x -> LOG.log(Level.INFO, "runtime {0}: {1} ({2}): record {3} {4} -> {5} {6}{7}", runtimeId, k.kind().label(), context,
                    before.status().label(), show(before.containerId()), k.status().label(), show(cid),
                    k.health().map(h -> ", " + h.type().label()).orElse("")));
            return w.map(RuntimeStore.Written::operation);
        } finally {
            if (!finished) lc.releaseQuietly(runtimeId, holder);
        }
    }

    private static String show(String containerId) {
        return containerId.isEmpty() ? "(no container id)" : containerId.substring(0, Math.min(12, containerId.length()));
    }

    /** What the record should become given what the provider reports; empty when they agree. */
    static Optional<Correction> decide(RuntimeRecord r, ContainerState st) {
        if (st.status() == ContainerStatus.MISSING) {
            if (r.status() == RuntimeStatus.REMOVED) return Optional.empty();
            // A container never observed (no id on record) cannot have disappeared; the record just learns it is absent.
            return Optional.of(new Correction(OpKind.RECONCILE_DISPOSE, RuntimeStatus.REMOVED, "", "",
                    r.containerId().isEmpty() ? Optional.empty() : Optional.of(new HealthDetails.Disappeared())));
        }
        RuntimeStatus seen = RuntimeStatus.of(st.status());
        boolean otherContainer = !st.id().isEmpty() && !st.id().equals(r.containerId());
        boolean otherImage = !st.image().isEmpty() && !st.image().equals(r.image());
        if (seen == r.status() && !otherContainer && !otherImage) return Optional.empty();
        boolean exited = seen == RuntimeStatus.STOPPED && Set.of(RuntimeStatus.RUNNING, RuntimeStatus.PAUSED).contains(r.status())
                && (r.containerId().isEmpty() || !otherContainer);
        return Optional.of(new Correction(OpKind.RECONCILE_ADOPT, seen, st.id(), st.image(),
                exited ? Optional.of(new HealthDetails.Exited(st.exitCode(), false)) : Optional.empty()));
    }

    @Override
    public void close() {
        ticker.close();
    }
}
