package dev.dormouse.watcher;

import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.LogText;
import dev.dormouse.core.RouteSet;
import dev.dormouse.core.Scheduler;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderConfig;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the routes in use come from: the config file's routes, and those that the containers of the
 * providers with {@code labels: true} declare ({@link LabelRoutes}), merged by {@link RouteSet#merge}.
 * Each labels provider's containers are listed at start ({@link #list()}) and again after each batch of its
 * container events ({@link #follow()}, batched by an {@link EventBatcher}), which then asks for the routes to
 * be applied; a listing that fails keeps the last one. A container with a bad label, and a label route that
 * may not have what it claims, are logged with a warning when they first appear (and when their text
 * changes), not on every merge.
 */
public final class RouteSources implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.watcher.labels");

    /**
     * @param providers the config's providers; those with {@link ProviderConfig#labels()} are listed
     * @param started the started providers by key ({@code kind:name})
     * @param window how long container events are collected before the routes are rebuilt once for all of them
     * @param scheduler the batches' windows
     * @param changed runs after each batch relisted its providers, on the batcher's thread: apply the routes again
     */
    public record Deps(List<ProviderConfig> providers, Map<String, Provider> started, Duration window, Scheduler scheduler, Runnable changed) {
        public Deps {
            providers = providers.stream().filter(ProviderConfig::labels).toList();
            started = Map.copyOf(started);
            Objects.requireNonNull(window, "window");
            Objects.requireNonNull(scheduler, "scheduler");
            Objects.requireNonNull(changed, "changed");
        }
    }

    private final Deps deps;
    /** The last listing of each labels provider, by provider key. */
    private final Map<String, List<ContainerState>> listings = new ConcurrentHashMap<>();
    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    private final AtomicLong rebuilds = new AtomicLong();
    private EventBatcher events;
    /** The problems of the last merge, by key; guarded by this object's lock, and only as large as the problems are. */
    private Map<String, String> warned = Map.of();

    public RouteSources(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
    }

    /** Lists every labels provider's containers now, on the caller's thread. */
    public RouteSources list() {
        deps.providers().forEach(this::list);
        return this;
    }

    private void list(ProviderConfig p) {
        Provider provider = deps.started().get(p.key());
        if (provider == null) return;
        try {
            listings.put(p.key(), provider.list());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "labels: {0}", e.getMessage());
        }
    }

    /** Follows the labels providers' container events: each batch relists the providers it touched, then runs {@code changed}. */
    public synchronized RouteSources follow() {
        if (deps.providers().isEmpty() || events != null) return this;
        events = new EventBatcher(new EventBatcher.Deps("labels", deps.window(), deps.scheduler(), batch -> {
            Set<String> touched = new TreeSet<>();
            batch.forEach(e -> touched.add(e.provider()));
            for (ProviderConfig p : deps.providers()) {
                if (touched.contains(p.name())) list(p);
            }
            rebuilds.incrementAndGet();
            deps.changed().run();
        })).start();
        for (ProviderConfig p : deps.providers()) {
            Provider provider = deps.started().get(p.key());
            if (provider != null) subscriptions.add(provider.subscribe(events));
        }
        return this;
    }

    /**
     * The config's routes merged with those the last listings declare ({@code config}'s defaults apply to
     * label routes; the first labels provider is the primary one of {@link LabelRoutes#build(List,
     * ProviderConfig, boolean, dev.dormouse.core.IdleConfig, dev.dormouse.core.HealthcheckConfig)}). Problems
     * are logged once.
     */
    public synchronized RouteSet.Result merge(DormouseConfig config) {
        List<RouteSet.Label> found = new ArrayList<>();
        Map<String, String> problems = new LinkedHashMap<>();
        for (ProviderConfig p : deps.providers()) {
            // The first provider with labels names routes after their containers; the others add -<provider>.
            boolean primary = p == deps.providers().get(0);
            LabelRoutes.Result r = LabelRoutes.build(listings.getOrDefault(p.key(), List.of()), p, primary, config.defaultIdle(),
                    config.defaultHealthcheck());
            r.problems().forEach(x -> problems.put(x, "labels: " + x));
            found.addAll(r.routes());
        }
        RouteSet.Result merged = RouteSet.merge(config.routes(), found);
        for (RouteSet.Rejected x : merged.rejected()) {
            RouteSet.Label l = x.label();
            problems.put(l.provider() + "/" + l.container() + "/" + l.route().name(), "labels: route '" + l.route().name() + "' of container '"
                    + LogText.escape(l.container()) + "' (" + l.provider() + ") rejected: " + x.reason());
        }
        problems.forEach((key, message) -> {
            if (!message.equals(warned.get(key))) LOG.log(Level.WARNING, message);
        });
        warned = Map.copyOf(problems);
        return merged;
    }

    /** Container events of labels providers received so far. */
    public long events() {
        EventBatcher e;
        synchronized (this) {
            e = events;
        }
        return e == null ? 0 : e.events();
    }

    /** Route-set rebuilds caused by container events so far. */
    public long rebuilds() {
        return rebuilds.get();
    }

    /** Whether no container event waits to be batched or applied: what was received has been applied. */
    public boolean settled() {
        EventBatcher e;
        synchronized (this) {
            e = events;
        }
        return e == null || e.idle();
    }

    /** Stops following events; the last listings stay. */
    @Override
    public void close() {
        List<AutoCloseable> subs;
        EventBatcher e;
        synchronized (this) {
            subs = List.copyOf(subscriptions);
            subscriptions.clear();
            e = events;
        }
        for (AutoCloseable s : subs) {
            try {
                s.close();
            } catch (Exception ex) {
                LOG.log(Level.WARNING, "labels: close event subscription: {0}", ex.getMessage());
            }
        }
        if (e != null) e.close();
    }
}
