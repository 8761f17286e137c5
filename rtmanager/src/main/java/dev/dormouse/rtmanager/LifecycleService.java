package dev.dormouse.rtmanager;

import dev.dormouse.core.DormouseException;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The only code that changes containers. Each action takes the runtime's lease (one action per runtime
 * at a time, in this process and any other on the same database), calls the provider, updates the record
 * and appends exactly one operation-log row, then releases the lease. The record's status is the fast
 * path: an action whose target state the record already shows is confirmed with one inspection and
 * logged as {@code replay_no_op}; otherwise the provider is called at once, so a wake costs no extra
 * round trip.
 */
public final class LifecycleService {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.rtmanager.lifecycle");
    /** A lease outlives the action's own bound by this much before another holder may take it over. */
    private static final Duration LEASE_MARGIN = Duration.ofSeconds(30);

    /**
     * @param store the database
     * @param providers started providers by {@code kind:name}
     * @param clock timestamps and lease expiry
     */
    public record Deps(RuntimeStore store, Map<String, Provider> providers, Clock clock) {
        public Deps {
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(providers, "providers");
            Objects.requireNonNull(clock, "clock");
            providers = Map.copyOf(providers);
        }
    }

    private final Deps deps;
    private final Map<String, RuntimeSpec> specs = new ConcurrentHashMap<>();
    /** Identifies this process; each acquisition adds a counter so two threads of it never share a lease. */
    private final String holderPrefix = ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final AtomicLong acquisitions = new AtomicLong();
    private final List<Consumer<Operation>> listeners = new CopyOnWriteArrayList<>();

    public LifecycleService(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
    }

    /** Registers (or updates) managed runtimes; each gets a record. */
    public void register(List<RuntimeSpec> runtimes) {
        Instant now = deps.clock().instant();
        for (RuntimeSpec s : runtimes) {
            deps.store().register(s, now);
            specs.put(s.runtimeId(), s);
        }
    }

    public Optional<RuntimeSpec> spec(String runtimeId) {
        return Optional.ofNullable(specs.get(runtimeId));
    }

    public Map<String, RuntimeSpec> specs() {
        return Map.copyOf(specs);
    }

    /** Operation-log rows as they are written (admin event stream, notifications); a failing listener is logged and skipped. */
    public AutoCloseable subscribe(Consumer<Operation> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /**
     * Performs {@code kind} on the runtime's container.
     *
     * @return the logged outcome: {@link Outcome#SUCCESS} or {@link Outcome#REPLAY_NO_OP}
     * @throws RuntimeConflictException when another action holds the lease (logged as {@code conflict})
     * @throws ProviderException when the provider fails (logged as {@code failure})
     */
    public Outcome perform(String runtimeId, OpKind kind, OpSource source) {
        RuntimeSpec spec = specs.get(runtimeId);
        if (spec == null) throw new RuntimeManagerException("lifecycle: no runtime '" + runtimeId + "' is registered");
        Provider p = deps.providers().get(spec.provider());
        if (p == null) throw new RuntimeManagerException("lifecycle: provider '" + spec.provider() + "' of runtime '" + runtimeId + "' is not available");
        Instant started = deps.clock().instant();
        String holder = holderPrefix + acquisitions.incrementAndGet();
        Instant expires = started.plus(spec.stopTimeout()).plus(LEASE_MARGIN);
        if (!deps.store().acquire(runtimeId, holder, started, expires)) {
            log(runtimeId, kind, source, Outcome.CONFLICT, "lease_held", "another action on this runtime is under way", started, "", Optional.empty());
            throw new RuntimeConflictException(kind.label() + " runtime '" + runtimeId + "': another action on it is under way");
        }
        try {
            RuntimeRecord rec = deps.store().record(runtimeId).orElseThrow();
            String cid = rec.containerId();
            Optional<RuntimeStatus> want = switch (kind) {
                case START, UNPAUSE -> Optional.of(RuntimeStatus.RUNNING);
                case STOP, KILL -> Optional.of(RuntimeStatus.STOPPED);
                case PAUSE -> Optional.of(RuntimeStatus.PAUSED);
                case REMOVE -> Optional.of(RuntimeStatus.REMOVED);
                case RECONCILE_ADOPT, RECONCILE_DISPOSE -> throw new RuntimeManagerException(kind.label() + " is the reconciler's");
            };
            if (kind == OpKind.REMOVE || rec.status() == want.get()) {
                ContainerState st = p.inspect(spec.container());
                if (!st.id().isEmpty()) cid = st.id();
                RuntimeStatus now = RuntimeStatus.of(st.status());
                if (now == want.get()) {
                    log(runtimeId, kind, source, Outcome.REPLAY_NO_OP, "", "", started, cid, want);
                    return Outcome.REPLAY_NO_OP;
                }
                if (kind == OpKind.REMOVE && now != RuntimeStatus.STOPPED) {
                    String msg = "remove container '" + spec.container() + "' of runtime '" + runtimeId + "': it is " + now.label()
                            + ", only a stopped container is removed";
                    log(runtimeId, kind, source, Outcome.FAILURE, "not_stopped", msg, started, cid, Optional.of(now));
                    throw new RuntimeManagerException(msg);
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
                    default -> throw new IllegalStateException(kind.toString());
                }
            } catch (ProviderException e) {
                log(runtimeId, kind, source, Outcome.FAILURE, e.reason().name().toLowerCase(Locale.ROOT), e.getMessage(), started, cid, Optional.empty());
                throw e;
            }
            log(runtimeId, kind, source, Outcome.SUCCESS, "", "", started, cid, want);
            return Outcome.SUCCESS;
        } catch (DormouseException e) {
            throw e;
        } finally {
            try {
                deps.store().release(runtimeId, holder);
            } catch (RuntimeManagerException e) {
                LOG.log(Level.WARNING, "runtime {0}: {1} (the lease expires by itself)", runtimeId, e.getMessage());
            }
        }
    }

    private void log(String runtimeId, OpKind kind, OpSource source, Outcome outcome, String code, String message, Instant started, String cid,
            Optional<RuntimeStatus> status) {
        Instant finished = deps.clock().instant();
        if (finished.isBefore(started)) finished = started;
        long id = deps.store().appendOperation(runtimeId, kind, source, outcome, code, message, started, finished, cid,
                outcome == Outcome.SUCCESS || outcome == Outcome.REPLAY_NO_OP ? status : Optional.empty());
        Operation op = new Operation(id, runtimeId, kind, source, outcome, code, message, started, finished, cid);
        for (Consumer<Operation> l : listeners) {
            try {
                l.accept(op);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "runtime " + runtimeId + ": operation listener failed", e);
            }
        }
    }
}
