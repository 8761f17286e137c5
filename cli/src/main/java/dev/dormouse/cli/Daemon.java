package dev.dormouse.cli;

import dev.dormouse.admin.AdminBackend;
import dev.dormouse.core.ConfigException;
import dev.dormouse.core.ConfigProblem;
import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.DormouseException;
import dev.dormouse.core.ProviderKinds;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.RouteSet;
import dev.dormouse.core.Scheduler;
import dev.dormouse.core.spi.ProviderStatus;
import dev.dormouse.health.HealthMonitors;
import dev.dormouse.health.Notifications;
import dev.dormouse.idlewatcher.IdleWatchers;
import dev.dormouse.idlewatcher.IncidentReports;
import dev.dormouse.idlewatcher.ReadinessProbe;
import dev.dormouse.proxy.StreamProxy;
import dev.dormouse.rtmanager.LifecycleService;
import dev.dormouse.rtmanager.ProbeEvents;
import dev.dormouse.rtmanager.Reconciler;
import dev.dormouse.rtmanager.RuntimeStore;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The composition root of {@code dormouse serve}: builds every unit from the config with constructor
 * arguments, starts them in order and closes them in reverse. Nothing here is static, and nothing here
 * decides: which routes are in use and how a change reaches the units is {@link RouteTable}'s, what a
 * reload takes is {@link Reloader}'s, the providers are {@link Providers}, the runtime manager's workers
 * {@link RuntimeWorkers}, the listeners {@link Listeners} and the admin API {@link AdminFront}.
 */
public final class Daemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.cli");

    /** How long label events are collected before the routes are rebuilt once for all of them. */
    static final Duration EVENT_BATCH = Duration.ofMillis(300);
    /** How long the config file must stay unchanged after an edit before it is reloaded. */
    static final Duration FILE_QUIET = Duration.ofMillis(300);

    /** The config started with; the running one is the {@link RouteTable}'s. */
    private final DormouseConfig config;
    private final ProviderKinds kinds;
    /** Time for every unit that waits. */
    private final Scheduler scheduler;
    private final TlsFront.Setup tlsSetup;
    private volatile Providers providers;
    private volatile RouteTable table;
    private volatile Reloader reloader;
    private volatile RuntimeStore store;
    private volatile RuntimeWorkers runtime;
    private volatile IdleWatchers watchers;
    /** The HTTP, HTTPS and stream listeners, with the HTTPS front door. */
    private volatile Listeners listeners;
    private volatile HealthMonitors monitors;
    private volatile AdminFront admin;
    private volatile Metrics metrics;
    private boolean closed;

    /** The provider kinds of this build ({@link #providerKinds()}), which {@code config} was loaded with, on the system's time. */
    public Daemon(DormouseConfig config) {
        this(config, providerKinds(), Scheduler.system());
    }

    /**
     * {@code config} was loaded with {@code kinds} (providers and reloads use them); every unit that waits (idle
     * timers, health intervals, worker ticks, backoffs, batching) does so on {@code scheduler}.
     */
    public Daemon(DormouseConfig config, ProviderKinds kinds, Scheduler scheduler) {
        this(config, kinds, scheduler, TlsFront.Setup.standard());
    }

    /**
     * Every unit that waits (idle timers, health intervals, worker ticks, backoffs, batching) does so on
     * {@code scheduler}; TLS keeps the clock, intervals and ACME client of {@code tlsSetup}.
     */
    Daemon(DormouseConfig config, ProviderKinds kinds, Scheduler scheduler, TlsFront.Setup tlsSetup) {
        this.config = config;
        this.kinds = Objects.requireNonNull(kinds, "kinds");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.tlsSetup = Objects.requireNonNull(tlsSetup, "tlsSetup");
    }

    /** The provider factories on the module path (or class path), by kind. */
    static ProviderKinds providerKinds() {
        return ProviderKinds.installed();
    }

    /**
     * Problems the config loader cannot see because they are in other files: the {@code tls:} block's
     * certificates, keys and {@code acme.ca_file} ({@link TlsChecks}).
     */
    static List<ConfigProblem> buildProblems(DormouseConfig config) {
        return TlsChecks.problems(config);
    }

    /** Starts providers, idle watchers and the proxy; on failure everything already started is closed. */
    public synchronized void start() {
        List<ConfigProblem> problems = buildProblems(config);
        if (!problems.isEmpty()) throw new ConfigException(problems);
        try {
            providers = Providers.open(config.providers(), kinds);
            table = new RouteTable(config, providers.byKey(), EVENT_BATCH, scheduler);
            List<RouteConfig> routes = table.routes();
            metrics = new Metrics(new Metrics.Sources(() -> watchers == null ? List.of() : watchers.all(),
                    () -> monitors == null ? List.of() : monitors.all(), this::providerStatus, this::certificates));
            store = RuntimeStore.open(config.server().dataDir());
            LifecycleService lifecycle = new LifecycleService(new LifecycleService.Deps(store, providers.byKey(), Clock.systemUTC(), scheduler));
            lifecycle.register(RouteTable.runtimes(routes));
            metrics.follow(lifecycle::subscribe);
            runtime = RuntimeWorkers.start(lifecycle, providers.byKey(), config.runtime(), scheduler);
            monitors = new HealthMonitors(Clock.systemUTC(), scheduler);
            Notifications notifications = new Notifications(config.notifications(), scheduler);
            monitors.subscribe(notifications);
            monitors.subscribe(new ProbeEvents(lifecycle));
            watchers = new IdleWatchers(new IdleWatchers.Deps(routes, providers.byKey(), lifecycle::act, ReadinessProbe.sockets(),
                    Clock.systemUTC(), scheduler));
            watchers.subscribe(new IncidentReports(monitors, notifications::wakeFailed));
            metrics.track(watchers.all());
            watchers.start();
            TlsChecks.notes(config).forEach(n -> LOG.log(Level.WARNING, n));
            listeners = Listeners.start(config, RouteTable.proxyRoutes(routes, watchers), metrics.proxy(), table::routes, scheduler, tlsSetup);
            table.attach(new RouteTable.Units(lifecycle, watchers, listeners, monitors, ws -> {
                metrics.track(ws);
                AdminFront a = admin;
                if (a != null) a.follow(ws);
            }));
            monitors.start();
            table.follow();
            reloader = new Reloader(new Reloader.Deps(kinds, table, listeners.tls(), FILE_QUIET, scheduler));
            DaemonAdmin backend = new DaemonAdmin(new DaemonAdmin.Units(table, providers, watchers, monitors, listeners, store, runtime, reloader,
                    metrics));
            admin = AdminFront.start(config.server(), Main.version(), backend, lifecycle, monitors, watchers.all());
            reloader.watchFile();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LOG.log(Level.INFO, "dormouse {0} serving {1} ({2} routes)", Main.version(), listeners, table.routes().size());
    }

    /** The runtime manager's reconciler (null before start); its {@code tick()} runs a pass now. */
    public Reconciler reconciler() {
        return runtime == null ? null : runtime.reconciler();
    }

    /** The runtime manager's database (null before start). */
    public RuntimeStore store() {
        return store;
    }

    /**
     * Reloads the config file ({@link Reloader}): an invalid one keeps the running config; routes are applied,
     * unchanged ones keeping their state, timers and connections.
     *
     * @return whether the new config is in use
     */
    public boolean reload(String why) {
        Reloader r = reloader;
        return r != null && r.reload(why) instanceof AdminBackend.Reload.Done;
    }

    /** The routes in use: the config's and those from container labels. */
    public List<RouteConfig> routes() {
        RouteTable t = table;
        return t == null ? List.of() : t.routes();
    }

    /** Every certificate name's record (files, then ACME hosts); empty without the HTTPS listener. */
    List<dev.dormouse.tls.HostCertificate> certificates() {
        Listeners l = listeners;
        return l == null ? List.of() : l.tls().map(TlsFront::status).orElse(List.of());
    }

    /** The label routes not in use, each with why: they claimed what another route has. */
    public List<RouteSet.Rejected> rejectedRoutes() {
        RouteTable t = table;
        return t == null ? List.of() : t.rejected();
    }

    /** The content type of {@link #writeMetrics}: the Prometheus text format 0.0.4. */
    public static final String METRICS_CONTENT_TYPE = Metrics.CONTENT_TYPE;

    /**
     * Writes every metric (requests, latencies, wakes, sleeps, route states, health, providers, JVM) in the
     * Prometheus text format 0.0.4, for {@code GET /metrics}.
     *
     * @throws DormouseException before {@link #start()}
     */
    public void writeMetrics(java.io.OutputStream out) throws IOException {
        Metrics m = metrics;
        if (m == null) throw new DormouseException("write metrics: dormouse is not started");
        m.write(out);
    }

    /** Each provider's connection state, by {@code kind:name}. */
    public Map<String, ProviderStatus> providerStatus() {
        Providers p = providers;
        return p == null ? Map.of() : p.status();
    }

    /** The running providers, in config order: each one's config and connection state, and how many routes in use it serves. */
    public List<AdminBackend.Provider> providerViews() {
        Providers p = providers;
        return p == null ? List.of() : p.views(routes());
    }

    /** Route-set rebuilds caused by container events so far. */
    public long labelRebuilds() {
        RouteTable t = table;
        return t == null ? 0 : t.sources().rebuilds();
    }

    /** Container events of labels providers received so far. */
    public long labelEvents() {
        RouteTable t = table;
        return t == null ? 0 : t.sources().events();
    }

    /** Successful config reloads so far. */
    public long reloads() {
        Reloader r = reloader;
        return r == null ? 0 : r.reloads();
    }

    /** Why the last reload was refused, empty when it succeeded or none was tried. */
    public Optional<String> lastReloadError() {
        Reloader r = reloader;
        return r == null ? Optional.empty() : r.lastError();
    }

    /** The admin API's bound port, -1 before start or when disabled. */
    public int adminPort() {
        AdminFront a = admin;
        return a == null ? -1 : a.port();
    }

    public int httpPort() {
        Listeners l = listeners;
        return l == null ? -1 : l.httpPort();
    }

    /** The HTTPS listener's bound port, -1 before start or when disabled. */
    public int httpsPort() {
        Listeners l = listeners;
        return l == null ? -1 : l.httpsPort();
    }

    public StreamProxy streams() {
        Listeners l = listeners;
        return l == null ? null : l.streams();
    }

    public HealthMonitors monitors() {
        return monitors;
    }

    public IdleWatchers watchers() {
        return watchers;
    }

    /** Stops in reverse order: the proxy first (in-flight requests finish within the grace), then watchers, then providers. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        // First: no route change is applied any more, and label events stop.
        if (table != null) table.close();
        if (admin != null) admin.close();
        if (reloader != null) reloader.close();
        if (runtime != null) runtime.close();
        if (monitors != null) monitors.close();
        if (listeners != null) listeners.close();
        if (watchers != null) watchers.close();
        if (metrics != null) metrics.close();
        if (providers != null) providers.close();
    }
}
