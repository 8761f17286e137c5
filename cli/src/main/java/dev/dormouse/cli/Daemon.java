package dev.dormouse.cli;

import dev.dormouse.core.ConfigException;
import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.DormouseException;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ProviderStatus;
import dev.dormouse.watcher.ConfigFileWatcher;
import dev.dormouse.watcher.EventBatcher;
import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicLong;
import dev.dormouse.core.ConfigProblem;
import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.ProviderKinds;
import dev.dormouse.core.LogText;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.RouteSet;
import dev.dormouse.core.Scheduler;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderConfig;
import dev.dormouse.health.Checks;
import dev.dormouse.health.HealthMonitors;
import dev.dormouse.health.HealthStatus;
import dev.dormouse.health.StatusChange;
import dev.dormouse.rtmanager.HealthDetails;
import dev.dormouse.rtmanager.RuntimeRecord;
import dev.dormouse.health.Notifications;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.idlewatcher.IdleWatchers;
import dev.dormouse.idlewatcher.ReadinessProbe;
import dev.dormouse.core.RuntimeConfig;
import dev.dormouse.rtmanager.CleanupWorker;
import dev.dormouse.rtmanager.EventsListener;
import dev.dormouse.rtmanager.HistoryPruner;
import dev.dormouse.rtmanager.InspectWorker;
import dev.dormouse.rtmanager.LifecycleService;
import dev.dormouse.rtmanager.Reconciler;
import dev.dormouse.rtmanager.RuntimeSpec;
import dev.dormouse.rtmanager.RuntimeStore;
import dev.dormouse.idlewatcher.RouteIncident;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.admin.AdminBackend;
import dev.dormouse.admin.AdminEvents;
import dev.dormouse.admin.AdminServer;
import dev.dormouse.admin.AdminToken;
import dev.dormouse.proxy.HttpProxy;
import dev.dormouse.proxy.ProxyRoute;
import dev.dormouse.proxy.ProxySettings;
import dev.dormouse.proxy.StreamProxy;
import dev.dormouse.watcher.LabelRoutes;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The composition root of {@code dormouse serve}: builds every unit from the config with constructor
 * arguments, starts them in order and closes them in reverse. Nothing here is static.
 */
public final class Daemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.cli");
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

    /** How long label events are collected before the routes are rebuilt once for all of them. */
    static final Duration EVENT_BATCH = Duration.ofMillis(300);
    /** How long the config file must stay unchanged after an edit before it is reloaded. */
    static final Duration FILE_QUIET = Duration.ofMillis(300);

    /** The running config: the one started with, or the last one reloaded successfully. */
    private volatile DormouseConfig config;
    private final ProviderKinds kinds;
    /** Time for every unit that waits. */
    private final Scheduler scheduler;
    private final Map<String, Provider> providers = new LinkedHashMap<>();
    /** The configs the running providers were made from (provider changes take effect at the next start). */
    private volatile List<ProviderConfig> started = List.of();
    private RuntimeStore store;
    private LifecycleService lifecycle;
    /** The runtime manager's workers, started in this order and closed in reverse. */
    private final List<AutoCloseable> workers = new ArrayList<>();
    private Reconciler reconciler;
    private IdleWatchers watchers;
    private HttpProxy proxy;
    /** The HTTPS front door (certificates, ACME), when {@code server.https} is set; else null. */
    private volatile TlsFront tls;
    private final TlsFront.Setup tlsSetup;
    private StreamProxy streams;
    private HealthMonitors monitors;
    private CleanupWorker cleanup;
    private AdminEvents adminEvents;
    /** The admin event hub's subscriptions to the runtime manager and the health monitors. */
    private final List<AutoCloseable> adminSubscriptions = new ArrayList<>();
    private AdminServer admin;
    private volatile Metrics metrics;
    private boolean closed;
    /** The config's routes plus those declared by container labels; swapped whole. */
    private volatile List<RouteConfig> routes = List.of();
    /** The label routes the last merge rejected, with the reason; they serve nothing. */
    private volatile List<RouteSet.Rejected> rejected = List.of();
    /** The last container listing of each provider with {@code labels: true}, by provider key. */
    private final Map<String, List<ContainerState>> labelled = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<AutoCloseable> labelSubscriptions = new ArrayList<>();
    private EventBatcher labelEvents;
    private ConfigFileWatcher fileWatcher;
    /** Serialises route-set changes (label batches, reloads); the request path never takes it. */
    private final Object applyLock = new Object();
    private final AtomicLong rebuilds = new AtomicLong();
    private final AtomicLong reloads = new AtomicLong();
    private volatile Optional<String> lastReloadError = Optional.empty();

    /** The provider kinds of this build ({@link #providerKinds()}), which {@code config} was loaded with. */
    public Daemon(DormouseConfig config) {
        this(config, providerKinds());
    }

    /** {@code config} was loaded with {@code kinds}; providers and reloads use them. */
    public Daemon(DormouseConfig config, ProviderKinds kinds) {
        this(config, kinds, Scheduler.system());
    }

    /** Every unit that waits (idle timers, health intervals, worker ticks, backoffs, batching) does so on {@code scheduler}. */
    public Daemon(DormouseConfig config, ProviderKinds kinds, Scheduler scheduler) {
        this(config, kinds, scheduler, TlsFront.Setup.standard());
    }

    /**
     * Every unit that waits (idle timers, health intervals, worker ticks, backoffs, batching) does so on
     * {@code scheduler}; TLS keeps the clock, intervals and ACME client of {@code tlsSetup}.
     */
    Daemon(DormouseConfig config, ProviderKinds kinds, Scheduler scheduler, TlsFront.Setup tlsSetup) {
        this.config = config;
        this.kinds = java.util.Objects.requireNonNull(kinds, "kinds");
        this.scheduler = java.util.Objects.requireNonNull(scheduler, "scheduler");
        this.tlsSetup = java.util.Objects.requireNonNull(tlsSetup, "tlsSetup");
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
            for (ProviderConfig p : config.providers()) {
                providers.put(p.key(), kinds.factory(p.kind()).orElseThrow(() -> new DormouseException(
                        "start provider " + p.key() + ": this build of dormouse has no " + p.kind() + " provider")).create(p));
            }
            started = List.copyOf(config.providers());
            for (ProviderConfig d : labelProviders(config)) listLabelled(d);
            RouteSet.Result merged = merge(config);
            routes = merged.accepted();
            rejected = merged.rejected();
            metrics = new Metrics(new Metrics.Sources(() -> watchers == null ? List.of() : watchers.all(),
                    () -> monitors == null ? List.of() : monitors.all(), this::providerStatus, this::certificates));
            store = RuntimeStore.open(config.server().dataDir());
            lifecycle = new LifecycleService(new LifecycleService.Deps(store, providers, Clock.systemUTC(), scheduler));
            lifecycle.register(runtimes(routes));
            metrics.follow(lifecycle::subscribe);
            startRuntimeWorkers();
            monitors = new HealthMonitors(Clock.systemUTC(), scheduler);
            Notifications notifications = new Notifications(config.notifications(), scheduler);
            monitors.subscribe(notifications);
            monitors.subscribe(this::recordProbe);
            watchers = new IdleWatchers(new IdleWatchers.Deps(routes, providers, lifecycle::act, ReadinessProbe.sockets(), Clock.systemUTC(),
                    scheduler));
            watchers.subscribe(i -> incident(i, notifications));
            metrics.track(watchers.all());
            watchers.start();
            TlsChecks.notes(config).forEach(n -> LOG.log(Level.WARNING, n));
            if (config.server().httpsAddress().isPresent()) {
                tls = TlsFront.open(config.tls(), config.server().dataDir(), this::certificateHosts, scheduler, tlsSetup);
            }
            proxy = new HttpProxy(new ProxySettings(config.server().http(), config.server().https(), 0, Duration.ofSeconds(5), SHUTDOWN_GRACE,
                    config.server().limits(), config.server().trustedProxies()), proxyRoutes(routes), metrics.proxy(),
                    Optional.ofNullable(tls).map(TlsFront::door));
            proxy.start();
            // After the listeners: the challenges of the first ACME orders are answered by them.
            if (tls != null) tls.start();
            // A stream listener that cannot bind is logged by name and port; the other routes still serve.
            streams = new StreamProxy(proxyRoutes(routes), metrics.proxy());
            streams.start();
            for (RouteConfig r : routes) addMonitor(r);
            monitors.start();
            followLabels();
            startAdmin();
            if (config.source() != null && Files.isRegularFile(config.source())) {
                fileWatcher = new ConfigFileWatcher(new ConfigFileWatcher.Deps(config.source(), FILE_QUIET, scheduler, () -> reload("file changed")));
                fileWatcher.start();
            }
        } catch (IOException e) {
            close();
            throw new DormouseException("watch config file " + config.source() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LOG.log(Level.INFO, "dormouse {0} serving http on {1}, https on {2} ({3} routes)", Main.version(),
                config.server().httpAddress().map(a -> a.withPort(proxy.httpPort()).toString()).orElse("(disabled)"),
                config.server().httpsAddress().map(a -> a.withPort(proxy.httpsPort()).toString()).orElse("(disabled)"),
                routes.size());
    }

    /** Every route with a container is a managed runtime with a record. */
    private static List<RuntimeSpec> runtimes(List<RouteConfig> rs) {
        List<RuntimeSpec> out = new ArrayList<>();
        for (RouteConfig r : rs) {
            r.container().ifPresent(c -> out.add(new RuntimeSpec(r.name(), c.providerKey(), c.id(), r.idle().stopSignal(),
                    r.idle().stopTimeout(), r.retention())));
        }
        return out;
    }

    /**
     * Reconciles the records with the providers before serving, then follows container events, inspects
     * running containers, reconciles periodically, removes expired stopped containers that opted in and
     * prunes the history older than {@code history_retention}.
     */
    private void startRuntimeWorkers() {
        RuntimeConfig rc = config.runtime();
        reconciler = new Reconciler(new Reconciler.Deps(lifecycle, Clock.systemUTC(), scheduler, rc.reconcileInterval()));
        reconciler.tick();
        EventsListener events = new EventsListener(new EventsListener.Deps(lifecycle, reconciler::tick)).start();
        workers.add(events);
        for (Map.Entry<String, Provider> e : providers.entrySet()) workers.add(e.getValue().subscribe(events.forProvider(e.getKey())));
        workers.add(new InspectWorker(new InspectWorker.Deps(lifecycle, Clock.systemUTC(), scheduler, rc.inspectInterval())).start());
        workers.add(reconciler.start());
        cleanup = new CleanupWorker(new CleanupWorker.Deps(lifecycle, Clock.systemUTC(), scheduler, rc.cleanupInterval()));
        workers.add(cleanup.start());
        workers.add(new HistoryPruner(new HistoryPruner.Deps(store, Clock.systemUTC(), scheduler, rc.historyRetention())).start());
    }

    /**
     * The admin API on {@code server.admin} (unless it is empty), with the token from (or new in)
     * {@code <data_dir>/admin.token} and an event hub fed by the watchers, the monitors and the runtime manager.
     */
    private void startAdmin() {
        String listen = config.server().admin();
        if (listen.isEmpty()) {
            LOG.log(Level.INFO, "admin api disabled");
            return;
        }
        AdminToken token = AdminToken.loadOrCreate(config.server().dataDir());
        adminEvents = new AdminEvents();
        adminSubscriptions.add(lifecycle.subscribe(adminEvents::runtime));
        adminSubscriptions.add(monitors.subscribe(adminEvents::health));
        adminEvents.follow(watchers.all());
        admin = new AdminServer(new AdminServer.Deps(listen, Main.version(), token, new DaemonAdmin(this), adminEvents));
        admin.start();
    }

    /** The runtime manager's reconciler (null before start); its {@code tick()} runs a pass now. */
    public Reconciler reconciler() {
        return reconciler;
    }

    /** The runtime manager's database (null before start). */
    public RuntimeStore store() {
        return store;
    }

    /** The providers whose containers declare routes with labels ({@link ProviderConfig#labels()}). */
    private static List<ProviderConfig> labelProviders(DormouseConfig c) {
        return c.providers().stream().filter(ProviderConfig::labels).toList();
    }

    /** Lists a labels provider's containers; on failure the last listing is kept and the error logged. */
    private void listLabelled(ProviderConfig d) {
        Provider p = providers.get(d.key());
        if (p == null) return;
        try {
            labelled.put(d.key(), p.list());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "labels: {0}", e.getMessage());
        }
    }

    /** Container events of labels providers, batched: each batch relists the providers it touched and rebuilds the routes once. */
    private void followLabels() {
        List<ProviderConfig> ds = labelProviders(config);
        if (ds.isEmpty()) return;
        labelEvents = new EventBatcher(new EventBatcher.Deps("labels", EVENT_BATCH, scheduler, batch -> {
            java.util.Set<String> touched = new java.util.TreeSet<>();
            batch.forEach(e -> touched.add(e.provider()));
            for (ProviderConfig d : labelProviders(config)) {
                if (touched.contains(d.name())) listLabelled(d);
            }
            rebuilds.incrementAndGet();
            apply("container events");
        })).start();
        for (ProviderConfig d : ds) labelSubscriptions.add(providers.get(d.key()).subscribe(labelEvents));
    }

    /**
     * Reloads the config file. The new file is validated completely first; an invalid one keeps the
     * running config and logs every problem with its line and column. Routes are applied: unchanged ones
     * keep their state, timers and connections. Server, TLS, provider, runtime and notification changes
     * take effect at the next start (a warning says so).
     *
     * @return whether the new config is in use
     */
    public boolean reload(String why) {
        return reloadChecked(why) instanceof AdminBackend.Reload.Done;
    }

    /**
     * Like {@link #reload}, but says how it ended: the route count, the first problem of an invalid file
     * (with file:line:column), or why there is nothing to reload.
     */
    AdminBackend.Reload reloadChecked(String why) {
        synchronized (applyLock) {
            if (closed) return new AdminBackend.Reload.Unavailable("dormouse is shutting down");
            if (config.source() == null) {
                LOG.log(Level.WARNING, "config reload ({0}): the config was not read from a file", why);
                return new AdminBackend.Reload.Unavailable("the config was not read from a file");
            }
            DormouseConfig next;
            try {
                next = ConfigLoader.load(config.source(), kinds);
                List<ConfigProblem> problems = buildProblems(next);
                if (!problems.isEmpty()) throw new ConfigException(problems);
            } catch (ConfigException e) {
                LOG.log(Level.ERROR, "config reload ({0}): {1} problem(s), still running the previous config", why, e.problems().size());
                e.problems().forEach(p -> LOG.log(Level.ERROR, "config reload: {0}", p));
                lastReloadError = Optional.of(e.problems().get(0).toString()
                        + (e.problems().size() > 1 ? " (and " + (e.problems().size() - 1) + " more)" : ""));
                if (fileWatcher != null) fileWatcher.loaded();
                return new AdminBackend.Reload.Refused(lastReloadError.get());
            }
            DormouseConfig before = config;
            TlsFront front = tls;
            if (front != null && !before.tls().certificates().equals(next.tls().certificates())) {
                // All or nothing: a file that turned bad since it was checked refuses the whole reload.
                try {
                    front.reconfigure(next.tls().certificates());
                } catch (DormouseException e) {
                    LOG.log(Level.ERROR, "config reload ({0}): {1}; still running the previous config", why, e.getMessage());
                    lastReloadError = Optional.of("tls.certificates: " + e.getMessage());
                    if (fileWatcher != null) fileWatcher.loaded();
                    return new AdminBackend.Reload.Refused(lastReloadError.get());
                }
            }
            restartNeeded("server", before.server(), next.server());
            restartNeeded("tls (other than tls.certificates)", withoutFiles(before.tls()), withoutFiles(next.tls()));
            restartNeeded("providers", before.providers(), next.providers());
            restartNeeded("runtime", before.runtime(), next.runtime());
            restartNeeded("notifications", before.notifications(), next.notifications());
            config = next;
            if (fileWatcher != null) fileWatcher.loaded();
            LOG.log(Level.INFO, "config reload ({0}): {1} is valid", why, next.source());
            apply("config reload (" + why + ")");
            reloads.incrementAndGet();
            lastReloadError = Optional.empty();
            return new AdminBackend.Reload.Done(routes.size());
        }
    }

    private static dev.dormouse.core.TlsConfig withoutFiles(dev.dormouse.core.TlsConfig t) {
        return new dev.dormouse.core.TlsConfig(List.of(), t.acme(), t.redirectHttp(), t.minVersion());
    }

    private static void restartNeeded(String section, Object before, Object after) {
        if (!before.equals(after)) LOG.log(Level.WARNING, "config reload: {0} changed; that takes effect when dormouse restarts", section);
    }

    /**
     * Switches every unit to the routes of the running config merged with the last container listings;
     * routes equal to their running version are left untouched.
     */
    private void apply(String why) {
        synchronized (applyLock) {
            if (closed) return;
            RouteSet.Result merged = merge(config);
            rejected = merged.rejected();
            List<RouteConfig> next = merged.accepted();
            Map<String, RouteConfig> old = new LinkedHashMap<>();
            routes.forEach(r -> old.put(r.name(), r));
            List<String> added = new ArrayList<>();
            List<String> changed = new ArrayList<>();
            List<RouteConfig> fresh = new ArrayList<>();
            for (RouteConfig r : next) {
                RouteConfig o = old.remove(r.name());
                if (o == null) added.add(r.name());
                else if (!o.equals(r)) changed.add(r.name());
                else continue;
                fresh.add(r);
            }
            if (added.isEmpty() && changed.isEmpty() && old.isEmpty()) return;
            lifecycle.register(runtimes(fresh));
            lifecycle.unregister(old.keySet());
            watchers.update(next);
            if (adminEvents != null) adminEvents.follow(watchers.all());
            metrics.track(watchers.all());
            List<ProxyRoute> pr = proxyRoutes(next);
            proxy.update(pr);
            streams.update(pr);
            old.keySet().forEach(monitors::remove);
            changed.forEach(monitors::remove);
            fresh.forEach(this::addMonitor);
            routes = List.copyOf(next);
            LOG.log(Level.INFO, "{0}: {1} routes (added: {2}; changed: {3}; removed: {4})", why, next.size(),
                    added.isEmpty() ? "none" : String.join(", ", added), changed.isEmpty() ? "none" : String.join(", ", changed),
                    old.isEmpty() ? "none" : String.join(", ", old.keySet()));
        }
    }

    /**
     * The config's routes merged ({@link RouteSet#merge}) with those that containers declare with labels
     * (providers with {@code labels: true}), from the last listing. A container with a bad label is skipped
     * and a label route that may not have what it claims is rejected; each is logged with a warning.
     */
    private RouteSet.Result merge(DormouseConfig c) {
        List<RouteSet.Label> found = new ArrayList<>();
        Map<String, String> problems = new LinkedHashMap<>();
        List<ProviderConfig> labelling = labelProviders(c);
        for (ProviderConfig d : labelling) {
            // The first provider with labels names routes after their containers; the others add -<provider>.
            LabelRoutes.Result r = LabelRoutes.build(labelled.getOrDefault(d.key(), List.of()), d, d == labelling.get(0), c.defaultIdle(),
                    c.defaultHealthcheck());
            r.problems().forEach(p -> problems.put(p, "labels: " + p));
            found.addAll(r.routes());
        }
        RouteSet.Result merged = RouteSet.merge(c.routes(), found);
        for (RouteSet.Rejected x : merged.rejected()) {
            RouteSet.Label l = x.label();
            problems.put(l.provider() + "/" + l.container() + "/" + l.route().name(), "labels: route '" + l.route().name() + "' of container '"
                    + LogText.escape(l.container()) + "' (" + l.provider() + ") rejected: " + x.reason());
        }
        warnOnce(problems);
        return merged;
    }

    /** The label problems of the last merge, by key; only those are remembered, so the map stays as small as the problems are. */
    private Map<String, String> warned = Map.of();

    /** Label problems are found again on every rebuild: each is logged when it appears and again when its text changes. */
    private void warnOnce(Map<String, String> now) {
        synchronized (applyLock) {
            now.forEach((key, message) -> {
                if (!message.equals(warned.get(key))) LOG.log(Level.WARNING, message);
            });
            warned = Map.copyOf(now);
        }
    }

    /**
     * What the idle watchers report goes where the operator hears of it: a crash makes the route's monitor
     * down at once (and so the {@code crashed} notification); a failed wake is the {@code wake_failed}
     * notification; a route ready again has its monitor check now, for a prompt {@code up}.
     */
    private void incident(RouteIncident i, Notifications notifications) {
        switch (i.kind()) {
            case CRASHED -> monitors.crashed(i.route(), i.reason());
            case WAKE_FAILED -> notifications.wakeFailed(i.route(), i.reason(), i.at());
            case RECOVERED -> monitors.recovered(i.route());
        }
    }

    /**
     * A route's probe going down ({@code probe_failed}) or coming back ({@code probe_recovered}) is a
     * health event of its runtime, when the route has a container.
     */
    private void recordProbe(StatusChange c) {
        boolean failed = c.to().isDown() && !c.from().isDown();
        boolean recovered = c.from().isDown() && c.to() == HealthStatus.HEALTHY;
        if (!failed && !recovered || lifecycle.spec(c.route()).isEmpty()) return;
        try {
            String cid = store.record(c.route()).map(RuntimeRecord::containerId).orElse("");
            lifecycle.recordHealth(c.route(), cid, failed ? new HealthDetails.ProbeFailed(c.detail()) : new HealthDetails.ProbeRecovered());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "route {0}: health event {1} not recorded: {2}", c.route(), failed ? "probe_failed" : "probe_recovered",
                    e.getMessage());
        }
    }

    /** A route's health monitor (unless disabled); a sleeping route's monitor reports napping and wakes nothing. */
    private void addMonitor(RouteConfig r) {
        if (r.healthcheck().disable()) return;
        Optional<IdleWatcher> w = watchers.get(r.name());
        Optional<Provider> p = r.container().map(c -> providers.get(c.providerKey()));
        monitors.add(r.name(), r.healthcheck(), Checks.forRoute(r, w.isPresent() ? w.get()::target : r::target, p),
                () -> w.isPresent() && w.get().state() != RouteState.READY);
    }

    private List<ProxyRoute> proxyRoutes(List<RouteConfig> rs) {
        List<ProxyRoute> proxyRoutes = new ArrayList<>();
        for (RouteConfig r : rs) proxyRoutes.add(new ProxyRoute(r, watchers.get(r.name())));
        return proxyRoutes;
    }

    /** The routes in use: the config's and those from container labels. */
    public List<RouteConfig> routes() {
        return routes;
    }

    /** The hosts ACME serves: every HTTP route's, label routes included, without wildcards (they need DNS-01). */
    private java.util.Set<String> certificateHosts() {
        java.util.Set<String> hosts = new java.util.TreeSet<>();
        for (RouteConfig r : routes) {
            if (r.isStream()) continue;
            for (String h : r.hosts()) if (!dev.dormouse.core.Hosts.isWildcard(h)) hosts.add(h);
        }
        return hosts;
    }

    /** Every certificate name's record (files, then ACME hosts); empty without the HTTPS listener. */
    List<dev.dormouse.tls.HostCertificate> certificates() {
        TlsFront t = tls;
        return t == null ? List.of() : t.status();
    }

    /** The certificate of a route host; empty without the HTTPS listener or when only the fallback answers for it. */
    Optional<dev.dormouse.tls.HostCertificate> certificate(String host) {
        TlsFront t = tls;
        return t == null ? Optional.empty() : t.status(host);
    }

    /** The HTTPS front door (null before start or without {@code server.https}); tests tick its workers. */
    TlsFront tls() {
        return tls;
    }

    /** The label routes not in use, each with why: they claimed what another route has. */
    public List<RouteSet.Rejected> rejectedRoutes() {
        return rejected;
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
        Map<String, ProviderStatus> out = new LinkedHashMap<>();
        providers.forEach((k, p) -> out.put(k, p.status()));
        return out;
    }

    /** The running providers, in config order: each one's config and connection state, and how many routes in use it serves. */
    public List<AdminBackend.Provider> providerViews() {
        List<AdminBackend.Provider> out = new ArrayList<>();
        List<RouteConfig> rs = routes;
        for (ProviderConfig c : started) {
            Provider p = providers.get(c.key());
            if (p == null) continue;
            int n = (int) rs.stream().filter(r -> r.container().map(x -> x.providerKey().equals(c.key())).orElse(false)).count();
            out.add(new AdminBackend.Provider(c.key(), c.kind(), c.name(), c.endpoint(), n, p.status()));
        }
        return out;
    }

    /** Route-set rebuilds caused by container events so far. */
    public long labelRebuilds() {
        return rebuilds.get();
    }

    /** Container events of labels providers received so far. */
    public long labelEvents() {
        return labelEvents == null ? 0 : labelEvents.events();
    }

    /** Successful config reloads so far. */
    public long reloads() {
        return reloads.get();
    }

    /** Why the last reload was refused, empty when it succeeded or none was tried. */
    public Optional<String> lastReloadError() {
        return lastReloadError;
    }

    /** The admin API's bound port, -1 before start or when disabled. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    /** The TTL cleanup worker (null before start). */
    CleanupWorker cleanup() {
        return cleanup;
    }

    public int httpPort() {
        return proxy == null ? -1 : proxy.httpPort();
    }

    /** The HTTPS listener's bound port, -1 before start or when disabled. */
    public int httpsPort() {
        return proxy == null ? -1 : proxy.httpsPort();
    }

    public StreamProxy streams() {
        return streams;
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
        synchronized (applyLock) {
            if (closed) return;
            closed = true;
        }
        if (admin != null) admin.close();
        for (AutoCloseable a : adminSubscriptions) {
            try {
                a.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "close admin events: {0}", e.getMessage());
            }
        }
        if (adminEvents != null) adminEvents.close();
        if (fileWatcher != null) fileWatcher.close();
        for (AutoCloseable a : labelSubscriptions) {
            try {
                a.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "close label events: {0}", e.getMessage());
            }
        }
        if (labelEvents != null) labelEvents.close();
        for (int i = workers.size() - 1; i >= 0; i--) {
            try {
                workers.get(i).close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "close runtime worker: {0}", e.getMessage());
            }
        }
        if (monitors != null) monitors.close();
        if (streams != null) streams.close();
        if (proxy != null) proxy.close();
        if (tls != null) tls.close();
        if (watchers != null) watchers.close();
        if (metrics != null) metrics.close();
        for (Provider p : providers.values()) {
            try {
                p.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "close provider {0}: {1}", p.name(), e.getMessage());
            }
        }
    }
}
