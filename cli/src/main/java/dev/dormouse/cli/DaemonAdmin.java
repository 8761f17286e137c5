package dev.dormouse.cli;

import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.RouteSet;
import dev.dormouse.health.HealthMonitor;
import dev.dormouse.health.HealthMonitors;
import dev.dormouse.idlewatcher.IdleWatchers;
import dev.dormouse.rtmanager.RuntimeStore;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.admin.AdminBackend;
import dev.dormouse.rtmanager.HealthEvent;
import dev.dormouse.rtmanager.Operation;
import dev.dormouse.rtmanager.RuntimeRecord;
import dev.dormouse.tls.HostCertificate;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The running units as the admin API sees them: routes from the {@link RouteTable}, providers, watchers,
 * health, certificates from the {@link Listeners}' HTTPS front door, the runtime manager's records and
 * cleanup, reloads by the {@link Reloader} and the metrics.
 */
final class DaemonAdmin implements AdminBackend {
    /** Every unit is started before the admin API is. */
    record Units(RouteTable table, Providers providers, IdleWatchers watchers, HealthMonitors monitors, Listeners listeners,
            RuntimeStore store, RuntimeWorkers runtime, Reloader reloader, Metrics metrics) {
        Units {
            Objects.requireNonNull(table, "table");
            Objects.requireNonNull(providers, "providers");
            Objects.requireNonNull(watchers, "watchers");
            Objects.requireNonNull(monitors, "monitors");
            Objects.requireNonNull(listeners, "listeners");
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(runtime, "runtime");
            Objects.requireNonNull(reloader, "reloader");
            Objects.requireNonNull(metrics, "metrics");
        }
    }

    private final Units u;

    DaemonAdmin(Units units) {
        this.u = Objects.requireNonNull(units, "units");
    }

    @Override
    public List<RouteConfig> routes() {
        return u.table().routes();
    }

    @Override
    public List<RouteSet.Rejected> rejectedRoutes() {
        return u.table().rejected();
    }

    @Override
    public List<AdminBackend.Provider> providers() {
        return u.providers().views(u.table().routes());
    }

    @Override
    public Optional<IdleWatcher> watcher(String route) {
        return u.watchers().get(route);
    }

    @Override
    public Optional<HealthMonitor.Snapshot> health(String route) {
        return u.monitors().get(route).map(HealthMonitor::snapshot);
    }

    @Override
    public Optional<HostCertificate> certificate(String host) {
        return u.listeners().tls().flatMap(t -> t.status(host));
    }

    @Override
    public List<RuntimeRecord> runtimes() {
        return u.store().records();
    }

    @Override
    public List<Operation> operations(Optional<String> runtime, int limit) {
        return u.store().operations(runtime, limit);
    }

    @Override
    public List<HealthEvent> healthEvents(Optional<String> runtime, int limit) {
        return u.store().healthEvents(runtime, limit);
    }

    @Override
    public List<RuntimeRecord> cleanupPlan() {
        return u.runtime().cleanup().plan();
    }

    @Override
    public List<Operation> cleanup() {
        return u.runtime().cleanup().tick();
    }

    @Override
    public Reload reload() {
        return u.reloader().reload("admin api");
    }

    @Override
    public void writeMetrics(OutputStream out) throws java.io.IOException {
        u.metrics().write(out);
    }
}
