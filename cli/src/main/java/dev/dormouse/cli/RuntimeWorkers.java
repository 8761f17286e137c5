package dev.dormouse.cli;

import dev.dormouse.core.RuntimeConfig;
import dev.dormouse.core.Scheduler;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.rtmanager.CleanupWorker;
import dev.dormouse.rtmanager.EventsListener;
import dev.dormouse.rtmanager.HistoryPruner;
import dev.dormouse.rtmanager.InspectWorker;
import dev.dormouse.rtmanager.LifecycleService;
import dev.dormouse.rtmanager.Reconciler;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The runtime manager's workers and their order: the records are reconciled with the providers before
 * anything serves; then container events are followed (an event the listener cannot place asks for a
 * reconcile), running containers are inspected, records are reconciled every {@code reconcile_interval},
 * expired stopped containers that opted in are removed, and history older than {@code history_retention}
 * is pruned, each on its interval of {@code runtime:}. Closed in reverse; a worker that fails to close is
 * logged and the others still close.
 */
final class RuntimeWorkers implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.cli");

    private final List<AutoCloseable> started = new ArrayList<>();
    private Reconciler reconciler;
    private CleanupWorker cleanup;

    private RuntimeWorkers() {}

    /** Reconciles once, then starts every worker; when one cannot start, those started are closed. */
    static RuntimeWorkers start(LifecycleService lifecycle, Map<String, Provider> providers, RuntimeConfig rc, Scheduler scheduler) {
        RuntimeWorkers w = new RuntimeWorkers();
        try {
            Clock clock = Clock.systemUTC();
            w.reconciler = new Reconciler(new Reconciler.Deps(lifecycle, clock, scheduler, rc.reconcileInterval()));
            w.reconciler.tick();
            EventsListener events = new EventsListener(new EventsListener.Deps(lifecycle, w.reconciler::tick)).start();
            w.started.add(events);
            for (Map.Entry<String, Provider> e : providers.entrySet()) w.started.add(e.getValue().subscribe(events.forProvider(e.getKey())));
            w.started.add(new InspectWorker(new InspectWorker.Deps(lifecycle, clock, scheduler, rc.inspectInterval())).start());
            w.started.add(w.reconciler.start());
            w.cleanup = new CleanupWorker(new CleanupWorker.Deps(lifecycle, clock, scheduler, rc.cleanupInterval()));
            w.started.add(w.cleanup.start());
            w.started.add(new HistoryPruner(new HistoryPruner.Deps(lifecycle.store(), clock, scheduler, rc.historyRetention())).start());
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
        return w;
    }

    /** The reconciler; its {@code tick()} runs a pass now. */
    Reconciler reconciler() {
        return reconciler;
    }

    /** The TTL cleanup worker. */
    CleanupWorker cleanup() {
        return cleanup;
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "close runtime worker: {0}", e.getMessage());
            }
        }
        started.clear();
    }
}
