package dev.dormouse.rtmanager;

import dev.dormouse.core.Scheduler;
import dev.dormouse.core.Ticker;
import dev.dormouse.core.spi.OpSource;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * TTL removal of stopped containers that opted in with a {@code retention}, when the worker starts and
 * then every {@code runtime.cleanup_interval}. A record is due when its status is {@code stopped}, it has a
 * retention, and it has been idle ({@link RuntimeRecord#idleSince()}: the later of its last operation and
 * its stop) for longer than that retention, measured with the injected clock. Each due container is
 * removed through {@link LifecycleService} with {@code op_source} {@code auto_ttl}, which takes the lease,
 * inspects the container first and refuses one that is not stopped, logs the row and marks the record
 * {@code removed}. One runtime's failure or conflict is logged and never ends the pass; records without a
 * retention and running containers are never removed.
 */
public final class CleanupWorker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.rtmanager.cleanup");

    /**
     * @param lifecycle removes the containers
     * @param clock "now" for the retention check
     * @param scheduler when passes run
     * @param interval time between passes ({@code runtime.cleanup_interval})
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

    private final Deps deps;
    private final Ticker ticker;

    public CleanupWorker(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
        this.ticker = new Ticker("rtmanager-cleanup", deps.scheduler(), deps.interval(), this::tick, LOG, true);
    }

    /**
     * Runs a pass now and then every {@code interval}, on virtual threads named {@code rtmanager-cleanup}:
     * what expired while dormouse was down goes at start, not an interval later.
     */
    public CleanupWorker start() {
        ticker.start();
        return this;
    }

    /** The records a pass would remove now, by runtime id; nothing is changed ({@code cleanup --dry-run}). */
    public List<RuntimeRecord> plan() {
        Instant now = deps.clock().instant();
        return deps.lifecycle().store().records().stream()
                .filter(r -> r.status() == RuntimeStatus.STOPPED && r.retention().isPresent())
                .filter(r -> r.idleSince().plus(r.retention().get()).isBefore(now))
                .toList();
    }

    /**
     * One pass, on the caller's thread: removes what {@link #plan()} lists.
     *
     * @return the row logged for each due runtime, in order: {@code success}, {@code replay_no_op}
     *     (already gone), {@code failure} or {@code conflict}
     */
    public synchronized List<Operation> tick() {
        List<Operation> out = new ArrayList<>();
        for (RuntimeRecord r : plan()) {
            if (Thread.currentThread().isInterrupted()) break;
            try {
                Operation op = deps.lifecycle().attempt(r.runtimeId(), OpKind.REMOVE, OpSource.AUTO_TTL);
                out.add(op);
                switch (op.outcome()) {
                    case SUCCESS, REPLAY_NO_OP -> LOG.log(Level.INFO, "runtime {0}: removed container ''{1}'', stopped since {2} (retention {3})",
                            r.runtimeId(), r.containerRef(), r.idleSince(), r.retention().orElseThrow());
                    case CONFLICT -> LOG.log(Level.INFO, "runtime {0}: TTL removal skipped: {1}", r.runtimeId(), op.errorMessage());
                    case FAILURE -> LOG.log(Level.WARNING, "runtime {0}: TTL removal failed ({1}): {2}", r.runtimeId(), op.errorCode(),
                            op.errorMessage());
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "runtime {0}: TTL removal failed: {1}", r.runtimeId(), e.getMessage());
            }
        }
        return out;
    }

    @Override
    public void close() {
        ticker.close();
    }
}
