package dev.dormouse.rtmanager;

import dev.dormouse.core.Scheduler;
import dev.dormouse.core.Ticker;
import dev.dormouse.core.Durations;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Keeps the history bounded: deletes {@code operation_log} rows that started, and {@code health_events}
 * that occurred, longer than {@code runtime.history_retention} ago (measured with the injected clock), so
 * no request rate fills the disk. A pass runs when the worker starts and then every {@code interval}.
 *
 * <p>Rows go in batches of {@code batch}, each one {@code DELETE} in its own short transaction found
 * through a timestamp index, until a batch comes back short; so a pass after a flood takes the write lock
 * many times for a few milliseconds each instead of once for seconds, and the daemon's writers never wait
 * long. Freed pages stay in the file and are reused by later rows: the file grows to the largest history
 * it held and no further. A {@code pending} operation row is never deleted.
 */
public final class HistoryPruner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.rtmanager.prune");
    /** Rows per statement: a few milliseconds of work under the lock. */
    public static final int BATCH = 1_000;
    /** The longest wait between passes, whatever the retention. */
    public static final Duration MAX_INTERVAL = Duration.ofHours(1);

    /**
     * @param store the database
     * @param clock "now" for the age of rows
     * @param scheduler when passes run
     * @param retention rows older than this are deleted ({@code runtime.history_retention})
     * @param interval time between passes
     * @param batch rows deleted per statement and transaction
     */
    public record Deps(RuntimeStore store, Clock clock, Scheduler scheduler, Duration retention, Duration interval, int batch) {
        public Deps {
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(scheduler, "scheduler");
            if (retention == null || !retention.isPositive()) throw new IllegalArgumentException("retention must be > 0, got " + retention);
            if (interval == null || !interval.isPositive()) throw new IllegalArgumentException("interval must be > 0, got " + interval);
            if (batch <= 0) throw new IllegalArgumentException("batch must be > 0, got " + batch);
        }

        /** A pass every {@code retention}, but at least every {@link #MAX_INTERVAL}; batches of {@link #BATCH}. */
        public Deps(RuntimeStore store, Clock clock, Scheduler scheduler, Duration retention) {
            this(store, clock, scheduler, retention, retention == null || retention.compareTo(MAX_INTERVAL) > 0 ? MAX_INTERVAL : retention, BATCH);
        }

        /** With {@link Scheduler#system()}. */
        public Deps(RuntimeStore store, Clock clock, Duration retention) {
            this(store, clock, Scheduler.system(), retention);
        }
    }

    /**
     * What a pass deleted.
     *
     * @param operations operation-log rows
     * @param healthEvents health events
     * @param statements {@code DELETE} statements run, each its own transaction
     */
    public record Pruned(long operations, long healthEvents, int statements) {}

    private final Deps deps;
    private final Ticker ticker;

    public HistoryPruner(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
        this.ticker = new Ticker("rtmanager-prune", deps.scheduler(), deps.interval(), this::tick, LOG, true);
    }

    /** Runs a pass now and then every {@code interval}, on virtual threads named {@code rtmanager-prune}. */
    public HistoryPruner start() {
        ticker.start();
        return this;
    }

    /** One pass, on the caller's thread; an interrupt ({@link #close()}) ends it between batches. */
    public synchronized Pruned tick() {
        Instant before = deps.clock().instant().minus(deps.retention());
        int statements = 0;
        long operations = 0;
        long healthEvents = 0;
        for (int n = deps.batch(); n == deps.batch() && !Thread.currentThread().isInterrupted(); statements++) {
            n = deps.store().pruneOperations(before, deps.batch());
            operations += n;
        }
        for (int n = deps.batch(); n == deps.batch() && !Thread.currentThread().isInterrupted(); statements++) {
            n = deps.store().pruneHealthEvents(before, deps.batch());
            healthEvents += n;
        }
        if (operations + healthEvents > 0) {
            LOG.log(Level.INFO, "history: deleted {0} operation_log and {1} health_events rows from before {2} (history_retention {3}, {4} batches)",
                    Long.toString(operations), Long.toString(healthEvents), RuntimeStore.ts(before), Durations.format(deps.retention()),
                    Integer.toString(statements));
        }
        return new Pruned(operations, healthEvents, statements);
    }

    @Override
    public void close() {
        ticker.close();
    }
}
