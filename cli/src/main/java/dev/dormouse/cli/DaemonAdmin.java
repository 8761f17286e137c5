package dev.dormouse.cli;

import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.RouteSet;
import dev.dormouse.health.HealthMonitor;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.admin.AdminBackend;
import dev.dormouse.rtmanager.HealthEvent;
import dev.dormouse.rtmanager.Operation;
import dev.dormouse.rtmanager.RuntimeRecord;
import dev.dormouse.tls.HostCertificate;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/** The daemon as the admin API sees it. */
final class DaemonAdmin implements AdminBackend {
    private final Daemon daemon;

    DaemonAdmin(Daemon daemon) {
        this.daemon = daemon;
    }

    @Override
    public List<RouteConfig> routes() {
        return daemon.routes();
    }

    @Override
    public List<RouteSet.Rejected> rejectedRoutes() {
        return daemon.rejectedRoutes();
    }

    @Override
    public List<AdminBackend.Provider> providers() {
        return daemon.providerViews();
    }

    @Override
    public Optional<IdleWatcher> watcher(String route) {
        return daemon.watchers().get(route);
    }

    @Override
    public Optional<HealthMonitor.Snapshot> health(String route) {
        return daemon.monitors().get(route).map(HealthMonitor::snapshot);
    }

    @Override
    public Optional<HostCertificate> certificate(String host) {
        return daemon.certificate(host);
    }

    @Override
    public List<RuntimeRecord> runtimes() {
        return daemon.store().records();
    }

    @Override
    public List<Operation> operations(Optional<String> runtime, int limit) {
        return daemon.store().operations(runtime, limit);
    }

    @Override
    public List<HealthEvent> healthEvents(Optional<String> runtime, int limit) {
        return daemon.store().healthEvents(runtime, limit);
    }

    @Override
    public List<RuntimeRecord> cleanupPlan() {
        return daemon.cleanup().plan();
    }

    @Override
    public List<Operation> cleanup() {
        return daemon.cleanup().tick();
    }

    @Override
    public Reload reload() {
        return daemon.reloadChecked("admin api");
    }

    @Override
    public void writeMetrics(OutputStream out) throws java.io.IOException {
        daemon.writeMetrics(out);
    }
}
