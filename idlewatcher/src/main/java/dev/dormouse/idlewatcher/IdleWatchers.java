package dev.dormouse.idlewatcher;

import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.Scheduler;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The idle watchers of all routes with a container, their timers on one scheduler, and the
 * provider event subscriptions that keep their states in step with what happens outside dormouse.
 */
public final class IdleWatchers implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.idlewatcher");
    private static final Duration STARTUP_BOUND = Duration.ofSeconds(30);

    /**
     * What the watchers need.
     *
     * @param routes every route; those with a container get a watcher
     * @param providers started providers by {@code kind + ":" + name}, e.g. {@code docker:local}; the watchers
     *     inspect containers and follow their events, and leave every action to {@code lifecycle}
     * @param lifecycle performs the container actions
     * @param probe readiness probe of waking routes
     * @param clock timestamps of wake events and incidents
     * @param scheduler idle timers, wake deadlines, readiness back-off and wake backoffs
     */
    public record Deps(List<RouteConfig> routes, Map<String, Provider> providers, Lifecycle lifecycle,
            ReadinessProbe probe, Clock clock, Scheduler scheduler) {
        public Deps {
            Objects.requireNonNull(routes, "routes");
            Objects.requireNonNull(providers, "providers");
            Objects.requireNonNull(lifecycle, "lifecycle");
            Objects.requireNonNull(probe, "probe");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(scheduler, "scheduler");
            routes = List.copyOf(routes);
            providers = Map.copyOf(providers);
        }
    }

    private final Deps deps;
    /** Immutable, swapped as a whole by {@link #update}; readers never lock. */
    private volatile Map<String, RouteWatcher> byRoute = Map.of();
    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    private final List<Consumer<RouteIncident>> incidentListeners = new CopyOnWriteArrayList<>();
    private boolean started;

    public IdleWatchers(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
        byRoute = build(deps.routes(), Map.of());
    }

    /** Watchers for {@code routes}: those of {@code keep} whose route is unchanged, new ones for the rest; dependencies wired. */
    private Map<String, RouteWatcher> build(List<RouteConfig> routes, Map<String, RouteWatcher> keep) {
        Map<String, RouteWatcher> next = new LinkedHashMap<>();
        for (RouteConfig r : routes) {
            if (r.container().isEmpty()) continue;
            RouteWatcher old = keep.get(r.name());
            if (old != null && old.config().equals(r)) {
                next.put(r.name(), old);
                continue;
            }
            String key = r.container().get().providerKey();
            Optional<Provider> p = Optional.ofNullable(deps.providers().get(key));
            String err = "provider '" + key + "' of route '" + r.name() + "' is not available";
            next.put(r.name(), new RouteWatcher(r, p, err, deps.lifecycle(), deps.probe(), deps.scheduler(), deps.clock(),
                    this::incident));
        }
        Map<RouteWatcher, List<RouteWatcher>> dependents = new java.util.HashMap<>();
        for (RouteWatcher w : next.values()) {
            List<RouteWatcher> deps = new ArrayList<>();
            for (String dep : w.config().idle().dependsOn()) {
                RouteWatcher d = next.get(dep);
                if (d != null) {
                    deps.add(d);
                    dependents.computeIfAbsent(d, k -> new ArrayList<>()).add(w);
                }
            }
            w.dependencies = List.copyOf(deps);
        }
        for (RouteWatcher w : next.values()) w.dependents = List.copyOf(dependents.getOrDefault(w, List.of()));
        return java.util.Collections.unmodifiableMap(next);
    }

    /** Reads every container's state (in parallel, bounded), arms idle timers of running ones, follows provider events. */
    public synchronized void start() {
        started = true;
        for (Map.Entry<String, Provider> e : deps.providers().entrySet()) {
            subscriptions.add(e.getValue().subscribe(ev -> onEvent(e.getKey(), ev)));
        }
        resyncAll(byRoute.values());
        for (RouteWatcher w : byRoute.values()) {
            LOG.log(Level.INFO, "route {0}: container {1} -> {2}", w.route(), w.config().container().get(), w.state().label());
        }
    }

    /**
     * Switches to a new route set. Watchers of unchanged routes are kept with their state, timers and open
     * connections; new and changed routes get new watchers, which read their containers as at start-up;
     * watchers of removed or changed routes stop (their containers are left as they are).
     *
     * @return the watchers that were replaced or removed
     */
    public synchronized List<IdleWatcher> update(List<RouteConfig> routes) {
        Map<String, RouteWatcher> before = byRoute;
        Map<String, RouteWatcher> next = build(routes, before);
        List<RouteWatcher> fresh = next.values().stream().filter(w -> !before.containsValue(w)).toList();
        List<IdleWatcher> gone = new ArrayList<>();
        for (RouteWatcher w : before.values()) {
            if (!next.containsValue(w)) gone.add(w);
        }
        byRoute = next;
        gone.forEach(w -> ((RouteWatcher) w).close());
        if (started) resyncAll(fresh);
        return gone;
    }

    private static void resyncAll(java.util.Collection<RouteWatcher> watchers) {
        List<Thread> threads = new ArrayList<>();
        for (RouteWatcher w : watchers) {
            threads.add(Thread.ofVirtual().name("startup-" + w.route()).start(() -> w.resync(true)));
        }
        long deadline = System.nanoTime() + STARTUP_BOUND.toNanos();
        for (Thread t : threads) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                    LOG.log(Level.WARNING, "reading container states took longer than {0}s; going on", STARTUP_BOUND.toSeconds());
                    break;
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
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

    /**
     * Every route's incidents (a crash, a failed wake, the end of such an episode), on the thread that saw
     * them; the listener must not block. Close the handle to unsubscribe.
     */
    public AutoCloseable subscribe(Consumer<RouteIncident> listener) {
        Objects.requireNonNull(listener, "listener");
        incidentListeners.add(listener);
        return () -> incidentListeners.remove(listener);
    }

    private void incident(RouteIncident i) {
        for (Consumer<RouteIncident> l : incidentListeners) {
            try {
                l.accept(i);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "route " + i.route() + ": incident listener failed", e);
            }
        }
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
    }
}
