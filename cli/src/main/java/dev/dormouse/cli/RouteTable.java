package dev.dormouse.cli;

import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.RouteChanges;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.RouteSet;
import dev.dormouse.core.Scheduler;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.health.Checks;
import dev.dormouse.health.HealthMonitors;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.idlewatcher.IdleWatchers;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.proxy.ProxyRoute;
import dev.dormouse.rtmanager.LifecycleService;
import dev.dormouse.rtmanager.RuntimeSpec;
import dev.dormouse.watcher.RouteSources;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The routes in use and how a new set of them reaches the units that serve it. The set is the running
 * config's routes merged with those the containers of labels providers declare ({@link RouteSources}); it is
 * built again after each batch of container events and on each reload ({@link #use}). What changes is
 * decided by {@link RouteChanges}: a route equal to its running version is left untouched (its watcher keeps
 * its state, timers and connections); a new or changed one is registered as a runtime and given a health
 * monitor; a removed one is unregistered; the watchers and the listeners get the whole new
 * set. Changes are serialised by one lock that the request path never takes; the set is swapped whole.
 */
final class RouteTable implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.cli");

    /**
     * The units a change of the route set is applied to.
     *
     * @param watchersChanged told the watchers after each change (metrics and admin events follow them)
     */
    record Units(LifecycleService lifecycle, IdleWatchers watchers, Listeners listeners, HealthMonitors monitors,
            Consumer<List<IdleWatcher>> watchersChanged) {
        Units {
            Objects.requireNonNull(lifecycle, "lifecycle");
            Objects.requireNonNull(watchers, "watchers");
            Objects.requireNonNull(listeners, "listeners");
            Objects.requireNonNull(monitors, "monitors");
            Objects.requireNonNull(watchersChanged, "watchersChanged");
        }
    }

    private final Map<String, Provider> providers;
    private final RouteSources sources;
    /** Serialises route-set changes (label batches, reloads) and guards {@link #units} and {@link #closed}. */
    private final Object lock = new Object();
    /** The running config: the one started with, or the last one reloaded successfully. */
    private volatile DormouseConfig config;
    private volatile List<RouteConfig> routes;
    /** The label routes the last merge rejected, with the reason; they serve nothing. */
    private volatile List<RouteSet.Rejected> rejected;
    private Units units;
    private boolean closed;

    /**
     * Lists the labels providers' containers now and merges their routes with {@code config}'s.
     *
     * @param providers the running providers by key
     * @param window how long container events are collected before the routes are rebuilt once for all of them
     * @param scheduler the event batches' windows
     */
    RouteTable(DormouseConfig config, Map<String, Provider> providers, Duration window, Scheduler scheduler) {
        this.config = Objects.requireNonNull(config, "config");
        this.providers = Map.copyOf(providers);
        this.sources = new RouteSources(new RouteSources.Deps(config.providers(), providers, window, scheduler,
                () -> apply("container events"))).list();
        RouteSet.Result merged = sources.merge(config);
        routes = merged.accepted();
        rejected = merged.rejected();
    }

    /** The routes in use: the config's and those from container labels. */
    List<RouteConfig> routes() {
        return routes;
    }

    /** The label routes not in use, each with why: they claimed what another route has. */
    List<RouteSet.Rejected> rejected() {
        return rejected;
    }

    /** The running config. */
    DormouseConfig config() {
        return config;
    }

    /** Where the label routes come from (listings, event counts). */
    RouteSources sources() {
        return sources;
    }

    /** From now on changes reach {@code u}; each route in use gets its health monitor. */
    void attach(Units u) {
        synchronized (lock) {
            units = Objects.requireNonNull(u, "units");
            routes.forEach(this::addMonitor);
        }
    }

    /** Follows the labels providers' container events; each batch applies the routes again. */
    void follow() {
        sources.follow();
    }

    /** Whether {@link #close()} was called: no change is applied any more. */
    boolean closed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** Makes {@code next} the running config and applies its routes; nothing after close. */
    void use(DormouseConfig next, String why) {
        synchronized (lock) {
            if (closed) return;
            config = Objects.requireNonNull(next, "next");
            apply(why);
        }
    }

    /**
     * Switches every unit to the routes of the running config merged with the last container listings;
     * routes equal to their running version are left untouched.
     */
    private void apply(String why) {
        synchronized (lock) {
            if (closed || units == null) return;
            RouteSet.Result merged = sources.merge(config);
            rejected = merged.rejected();
            List<RouteConfig> next = merged.accepted();
            RouteChanges c = RouteChanges.between(routes, next);
            if (c.none()) return;
            units.lifecycle().register(runtimes(c.fresh()));
            units.lifecycle().unregister(c.removed());
            units.watchers().update(next);
            units.watchersChanged().accept(units.watchers().all());
            units.listeners().update(proxyRoutes(next, units.watchers()));
            c.replaced().forEach(units.monitors()::remove);
            c.fresh().forEach(this::addMonitor);
            routes = List.copyOf(next);
            LOG.log(Level.INFO, "{0}: {1} routes ({2})", why, next.size(), c);
        }
    }

    /** A route's health monitor (unless disabled); a sleeping route's monitor reports napping and wakes nothing. */
    private void addMonitor(RouteConfig r) {
        if (r.healthcheck().disable()) return;
        Optional<IdleWatcher> w = units.watchers().get(r.name());
        Optional<Provider> p = r.container().map(c -> providers.get(c.providerKey()));
        units.monitors().add(r.name(), r.healthcheck(), Checks.forRoute(r, w.isPresent() ? w.get()::target : r::target, p),
                () -> w.isPresent() && w.get().state() != RouteState.READY);
    }

    /** Every route with a container is a managed runtime with a record. */
    static List<RuntimeSpec> runtimes(List<RouteConfig> rs) {
        List<RuntimeSpec> out = new ArrayList<>();
        for (RouteConfig r : rs) {
            r.container().ifPresent(c -> out.add(new RuntimeSpec(r.name(), c.providerKey(), c.id(), r.idle().stopSignal(),
                    r.idle().stopTimeout(), r.retention())));
        }
        return out;
    }

    /** The proxy's view of {@code rs}: each route with its idle watcher, when it has one. */
    static List<ProxyRoute> proxyRoutes(List<RouteConfig> rs, IdleWatchers watchers) {
        List<ProxyRoute> out = new ArrayList<>();
        for (RouteConfig r : rs) out.add(new ProxyRoute(r, watchers.get(r.name())));
        return out;
    }

    /** Applies nothing more and stops following container events; the routes in use stay as they are. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        // Outside the lock: a batch being applied waits for it, and closing the batcher waits for the batch.
        sources.close();
    }
}
