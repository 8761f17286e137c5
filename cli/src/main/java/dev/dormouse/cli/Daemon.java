package dev.dormouse.cli;

import dev.dormouse.core.ConfigException;
import dev.dormouse.core.ConfigProblem;
import dev.dormouse.core.DockerProviderConfig;
import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.ProviderConfig;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderFactory;
import dev.dormouse.health.Checks;
import dev.dormouse.health.HealthMonitors;
import dev.dormouse.health.Notifications;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.idlewatcher.IdleWatchers;
import dev.dormouse.idlewatcher.RouteState;
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
import java.util.ServiceLoader;

/**
 * The composition root of {@code dormouse serve}: builds every unit from the config with constructor
 * arguments, starts them in order and closes them in reverse. Nothing here is static.
 */
public final class Daemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.cli");
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

    private final DormouseConfig config;
    private final Map<String, Provider> providers = new LinkedHashMap<>();
    private IdleWatchers watchers;
    private HttpProxy proxy;
    private StreamProxy streams;
    private HealthMonitors monitors;
    private boolean closed;
    /** The config's routes plus those declared by container labels. */
    private List<RouteConfig> routes;

    public Daemon(DormouseConfig config) {
        this.config = config;
    }

    /** Provider factories by kind, as found on the module path (or class path). */
    static Map<String, ProviderFactory> factories() {
        Map<String, ProviderFactory> byKind = new LinkedHashMap<>();
        for (ProviderFactory f : ServiceLoader.load(ProviderFactory.class)) byKind.putIfAbsent(f.kind(), f);
        return byKind;
    }

    /** Problems that only this build can see: configured provider kinds it has no factory for. */
    static List<ConfigProblem> buildProblems(DormouseConfig config) {
        Map<String, ProviderFactory> f = factories();
        List<ConfigProblem> problems = new ArrayList<>();
        String file = config.source() == null ? "" : config.source().toString();
        for (ProviderConfig p : config.providers()) {
            if (!f.containsKey(p.kind())) {
                problems.add(new ConfigProblem(file, 0, 0, "providers." + p.kind(),
                        "provider '" + p.name() + "': this build of dormouse has no " + p.kind() + " provider (available: "
                                + String.join(", ", f.keySet()) + ")"));
            }
        }
        if (!config.server().https().isEmpty()) {
            problems.add(new ConfigProblem(file, 0, 0, "server.https", "the HTTPS listener is not supported by this version yet"));
        }
        return problems;
    }

    /** Starts providers, idle watchers and the proxy; on failure everything already started is closed. */
    public synchronized void start() {
        List<ConfigProblem> problems = buildProblems(config);
        if (!problems.isEmpty()) throw new ConfigException(problems);
        try {
            Map<String, ProviderFactory> f = factories();
            for (ProviderConfig p : config.providers()) {
                providers.put(p.kind() + ":" + p.name(), f.get(p.kind()).create(p));
            }
            routes = withLabelRoutes();
            watchers = new IdleWatchers(routes, providers);
            watchers.start();
            proxy = new HttpProxy(new ProxySettings(config.server().http(), 0, Duration.ofSeconds(5), SHUTDOWN_GRACE), proxyRoutes());
            proxy.start();
            // A stream listener that cannot bind is logged by name and port; the other routes still serve.
            streams = new StreamProxy(proxyRoutes());
            streams.start();
            monitors = startMonitors();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LOG.log(Level.INFO, "dormouse {0} serving http on {1} ({2} routes)", Main.version(),
                config.server().http().isEmpty() ? "(disabled)" : config.server().http().replaceFirst(":0$", ":" + proxy.httpPort()),
                routes.size());
    }

    /**
     * Adds the routes that containers declare with labels (providers with {@code labels: true}), read at
     * start-up. A label route whose name or host a config route already has is skipped with a warning: the
     * file wins. A container with a bad label is skipped with a warning naming it.
     */
    private List<RouteConfig> withLabelRoutes() {
        List<RouteConfig> all = new ArrayList<>(config.routes());
        java.util.Set<String> names = new java.util.HashSet<>();
        java.util.Set<String> hosts = new java.util.HashSet<>();
        config.routes().forEach(r -> {
            names.add(r.name());
            hosts.addAll(r.hosts());
        });
        for (ProviderConfig pc : config.providers()) {
            if (!(pc instanceof DockerProviderConfig d) || !d.labels()) continue;
            List<dev.dormouse.core.spi.ContainerState> containers;
            try {
                containers = providers.get("docker:" + d.name()).list();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "labels: {0}", e.getMessage());
                continue;
            }
            LabelRoutes.Result found = LabelRoutes.build(containers, d, config.defaultIdle(), config.defaultHealthcheck());
            found.problems().forEach(p -> LOG.log(Level.WARNING, "labels: {0}", p));
            for (RouteConfig r : found.routes()) {
                String clash = names.contains(r.name()) ? "route name '" + r.name() + "'"
                        : r.hosts().stream().filter(hosts::contains).findFirst().map(h -> "host '" + h + "'").orElse(null);
                if (clash != null) {
                    LOG.log(Level.WARNING, "labels: container ''{0}'' skipped: {1} is already configured in {2}",
                            r.container().orElseThrow().id(), clash, config.source());
                    continue;
                }
                names.add(r.name());
                hosts.addAll(r.hosts());
                all.add(r);
                LOG.log(Level.INFO, "labels: route {0} from container {1}", r.name(), r.container().orElseThrow().id());
            }
        }
        return all;
    }

    /** One monitor per route (unless disabled); a sleeping route's monitor reports napping and wakes nothing. */
    private HealthMonitors startMonitors() {
        HealthMonitors m = new HealthMonitors(Clock.systemUTC());
        m.subscribe(new Notifications(config.notifications()));
        for (RouteConfig r : routes) {
            if (r.healthcheck().disable()) continue;
            Optional<IdleWatcher> w = watchers.get(r.name());
            Optional<Provider> p = r.container().map(c -> providers.get(c.kind() + ":" + c.provider()));
            m.add(r.name(), r.healthcheck(), Checks.forRoute(r, w.isPresent() ? w.get()::target : r::target, p), () -> w.isPresent() && w.get().state() != RouteState.READY);
        }
        m.start();
        return m;
    }

    private List<ProxyRoute> proxyRoutes() {
        List<ProxyRoute> proxyRoutes = new ArrayList<>();
        for (RouteConfig r : routes) proxyRoutes.add(new ProxyRoute(r, watchers.get(r.name())));
        return proxyRoutes;
    }

    public int httpPort() {
        return proxy == null ? -1 : proxy.httpPort();
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
        if (closed) return;
        closed = true;
        if (monitors != null) monitors.close();
        if (streams != null) streams.close();
        if (proxy != null) proxy.close();
        if (watchers != null) watchers.close();
        for (Provider p : providers.values()) {
            try {
                p.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "close provider {0}: {1}", p.name(), e.getMessage());
            }
        }
    }
}
