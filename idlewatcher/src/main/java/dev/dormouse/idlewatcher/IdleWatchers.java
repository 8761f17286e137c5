package dev.dormouse.idlewatcher;

import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.spi.Provider;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The idle watchers of all routes with a container, one shared timer thread for all of them, and the
 * provider event subscriptions that keep their states in step with what happens outside dormouse.
 */
public final class IdleWatchers implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.idlewatcher");
    private static final Duration STARTUP_BOUND = Duration.ofSeconds(30);

    /**
     * What the watchers need.
     *
     * @param routes every route; those with a container get a watcher
     * @param providers started providers by {@code kind + ":" + name}, e.g. {@code docker:local}
     * @param lifecycle performs the container actions
     * @param probe readiness probe of waking routes
     * @param clock timestamps of wake events
     */
    public record Deps(List<RouteConfig> routes, Map<String, Provider> providers, Lifecycle lifecycle,
            ReadinessProbe probe, Clock clock) {
        public Deps {
            Objects.requireNonNull(routes, "routes");
            Objects.requireNonNull(providers, "providers");
            Objects.requireNonNull(lifecycle, "lifecycle");
            Objects.requireNonNull(probe, "probe");
            Objects.requireNonNull(clock, "clock");
            routes = List.copyOf(routes);
            providers = Map.copyOf(providers);
        }
    }

    private final Deps deps;
    private final ScheduledThreadPoolExecutor timers;
    private final Map<String, RouteWatcher> byRoute = new LinkedHashMap<>();
    private final List<AutoCloseable> subscriptions = new ArrayList<>();

    /** Watchers that act on the providers directly and probe over sockets. */
    public IdleWatchers(List<RouteConfig> routes, Map<String, Provider> providers) {
        this(new Deps(routes, providers, Lifecycle.direct(), ReadinessProbe.sockets(), Clock.systemUTC()));
    }

    public IdleWatchers(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
        this.timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "dormouse-idle-timers");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true);
        for (RouteConfig r : deps.routes()) {
            if (r.container().isEmpty()) continue;
            String key = r.container().get().kind() + ":" + r.container().get().provider();
            Optional<Provider> p = Optional.ofNullable(deps.providers().get(key));
            String err = "provider '" + key + "' of route '" + r.name() + "' is not available";
            byRoute.put(r.name(), new RouteWatcher(r, p, err, deps.lifecycle(), deps.probe(), timers, deps.clock()));
        }
        for (RouteWatcher w : byRoute.values()) {
            for (String dep : w.config().idle().dependsOn()) {
                RouteWatcher d = byRoute.get(dep);
                if (d != null) {
                    w.dependencies.add(d);
                    d.dependents.add(w);
                }
            }
        }
    }

    /** Reads every container's state (in parallel, bounded), arms idle timers of running ones, follows provider events. */
    public void start() {
        for (Map.Entry<String, Provider> e : deps.providers().entrySet()) {
            if (byRoute.values().stream().anyMatch(w -> w.providerKey().equals(e.getKey()))) {
                subscriptions.add(e.getValue().subscribe(ev -> onEvent(e.getKey(), ev)));
            }
        }
        List<Thread> threads = new ArrayList<>();
        for (RouteWatcher w : byRoute.values()) {
            threads.add(Thread.ofVirtual().name("startup-" + w.route()).start(() -> w.resync(true)));
        }
        long deadline = System.nanoTime() + STARTUP_BOUND.toNanos();
        for (Thread t : threads) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                    LOG.log(Level.WARNING, "start-up: reading container states took longer than {0}s; going on", STARTUP_BOUND.toSeconds());
                    break;
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        for (RouteWatcher w : byRoute.values()) {
            LOG.log(Level.INFO, "route {0}: container {1} -> {2}", w.route(), w.config().container().get(), w.state().label());
        }
    }

    private void onEvent(String providerKey, ContainerEvent ev) {
        List<RouteWatcher> hit = new ArrayList<>();
        for (RouteWatcher w : byRoute.values()) {
            if (!w.providerKey().equals(providerKey)) continue;
            if (ev.action() == ContainerEvent.Action.RESYNC || matches(w, ev)) hit.add(w);
        }
        for (RouteWatcher w : hit) {
            // Level-triggered: whatever the event, re-read the container and follow its real state.
            Thread.ofVirtual().name("resync-" + w.route()).start(() -> w.resync(false));
        }
    }

    private static boolean matches(RouteWatcher w, ContainerEvent ev) {
        String ref = w.containerRef();
        if (ref.equals(ev.containerName())) return true;
        String id = ev.containerId();
        if (id == null || id.isEmpty()) return false;
        return id.equals(w.containerId()) || (ref.length() >= 12 && id.startsWith(ref));
    }

    public Optional<IdleWatcher> get(String route) {
        return Optional.ofNullable(byRoute.get(route));
    }

    public List<IdleWatcher> all() {
        return List.copyOf(byRoute.values());
    }

    /** Stops timers and event subscriptions; containers are left as they are. */
    @Override
    public void close() {
        for (AutoCloseable s : subscriptions) {
            try {
                s.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "close event subscription: " + e.getMessage());
            }
        }
        byRoute.values().forEach(RouteWatcher::close);
        timers.shutdownNow();
        try {
            timers.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
