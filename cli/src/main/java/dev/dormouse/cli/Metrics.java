package dev.dormouse.cli;

import dev.dormouse.core.spi.ProviderStatus;
import dev.dormouse.health.HealthMonitor;
import dev.dormouse.health.HealthStatus;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.idlewatcher.WakeEvent;
import dev.dormouse.proxy.ProxyMetrics;
import dev.dormouse.rtmanager.OpKind;
import dev.dormouse.rtmanager.Operation;
import dev.dormouse.rtmanager.Outcome;
import dev.dormouse.rtmanager.RuntimeEvent;
import dev.dormouse.tls.HostCertificate;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The daemon's Prometheus metrics in one registry: the proxy's request-path instruments, wakes and sleeps
 * (from wake events and the operation log), gauges read at scrape time (route states, health, providers)
 * and the JVM's basics. Series of routes that are gone are removed when the route set changes.
 */
final class Metrics implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.cli.metrics");
    /** What {@link #write} produces: the Prometheus text format 0.0.4. */
    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;
    /** Wake buckets in seconds: an unpause takes tens of milliseconds, a cold start of a big app a minute. */
    static final double[] WAKE_BUCKETS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};

    /**
     * Where the scrape-time gauges read from; each is called on the scraping thread and must not block.
     *
     * @param watchers the idle watchers in use
     * @param monitors the health monitors in use
     * @param providers each provider's connection state by {@code kind:name}
     * @param certificates every certificate name's record (empty without the HTTPS listener)
     */
    record Sources(Supplier<? extends Collection<IdleWatcher>> watchers, Supplier<? extends Collection<HealthMonitor>> monitors,
            Supplier<Map<String, ProviderStatus>> providers, Supplier<? extends Collection<HostCertificate>> certificates) {
        Sources {
            Objects.requireNonNull(watchers, "watchers");
            Objects.requireNonNull(monitors, "monitors");
            Objects.requireNonNull(providers, "providers");
            Objects.requireNonNull(certificates, "certificates");
        }

        /** Sources without certificates. */
        Sources(Supplier<? extends Collection<IdleWatcher>> watchers, Supplier<? extends Collection<HealthMonitor>> monitors,
                Supplier<Map<String, ProviderStatus>> providers) {
            this(watchers, monitors, providers, List::of);
        }
    }

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final ProxyMetrics proxy;
    private final Counter wakes;
    private final Counter wakeFailures;
    private final Histogram wakeDuration;
    private final Counter sleeps;
    /** The wake-event subscription of each watcher in use, by identity; guarded by {@code this}. */
    private final Map<IdleWatcher, WakeCounter> watched = new IdentityHashMap<>();
    /** Routes with a watcher; operations of other runtimes (removed routes) are not counted. */
    private volatile Set<String> sleepable = Set.of();
    private AutoCloseable operations;
    private boolean closed;
    private boolean jvmRegistered;

    Metrics(Sources sources) {
        Objects.requireNonNull(sources, "sources");
        proxy = new ProxyMetrics(registry);
        wakes = Counter.builder().name("dormouse_wakes_total")
                .help("Wakes begun for a route (also a container started elsewhere being checked).")
                .labelNames("route").withoutExemplars().register(registry);
        wakeFailures = Counter.builder().name("dormouse_wake_failures_total")
                .help("Wakes that failed or timed out.").labelNames("route").withoutExemplars().register(registry);
        wakeDuration = Histogram.builder().name("dormouse_wake_duration_seconds")
                .help("Time from the start of a wake until the route was ready (dependencies included).")
                .labelNames("route").classicOnly().classicUpperBounds(WAKE_BUCKETS).withoutExemplars().register(registry);
        sleeps = Counter.builder().name("dormouse_sleeps_total")
                .help("Containers put to sleep, by the route's stop method.").labelNames("route", "method").withoutExemplars().register(registry);
        GaugeWithCallback.builder().name("dormouse_route_state")
                .help("1 for the route's current state (napping, waking, ready, error, missing), 0 for the others.")
                .labelNames("route", "state").callback(cb -> {
                    for (IdleWatcher w : sources.watchers().get()) {
                        RouteState now = w.state();
                        for (RouteState s : RouteState.values()) cb.call(s == now ? 1 : 0, w.route(), s.label());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("dormouse_route_health")
                .help("1 for the route's current health status (unknown, starting, healthy, unhealthy, error, napping), 0 for the others.")
                .labelNames("route", "status").callback(cb -> {
                    for (HealthMonitor m : sources.monitors().get()) {
                        HealthStatus now = m.status();
                        for (HealthStatus s : HealthStatus.values()) cb.call(s == now ? 1 : 0, m.route(), s.label());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("dormouse_health_check_latency_seconds")
                .help("Latency of the route's last health check.").labelNames("route").callback(cb -> {
                    for (HealthMonitor m : sources.monitors().get()) cb.call(m.snapshot().latency().toNanos() * 1e-9, m.route());
                }).register(registry);
        GaugeWithCallback.builder().name("dormouse_provider_connected")
                .help("1 while the provider reaches its backend (Docker event stream, Proxmox poll), else 0.")
                .labelNames("provider").callback(cb -> sources.providers().get()
                        .forEach((name, status) -> cb.call(status.connected() ? 1 : 0, name))).register(registry);
        GaugeWithCallback.builder().name("dormouse_tls_certificate_expiry_seconds")
                .help("When the certificate served for a host expires, as Unix time in seconds (file certificates by their names, ACME hosts once issued).")
                .labelNames("host").callback(cb -> {
                    for (HostCertificate c : sources.certificates().get()) {
                        OptionalLong at = c.expirySeconds();
                        if (at.isPresent()) cb.call(at.getAsLong(), c.host());
                    }
                }).register(registry);
    }

    /** The JVM collectors cost tens of milliseconds of MXBean set-up, so they join at the first scrape, not at start-up. */
    private synchronized void registerJvm() {
        if (jvmRegistered) return;
        JvmMemoryMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmThreadsMetrics.builder().register(registry);
        JvmRuntimeInfoMetric.builder().register(registry);
        ProcessMetrics.builder().register(registry);
        jvmRegistered = true;
    }

    /** The instruments the HTTP and stream proxies count in. */
    ProxyMetrics proxy() {
        return proxy;
    }

    /**
     * Follows the watchers now in use: new ones are subscribed to (their wake history so far is counted),
     * replaced and removed ones are let go, and the wake and sleep series of routes without a watcher are
     * removed.
     */
    synchronized void track(Collection<IdleWatcher> watchers) {
        if (closed) return;
        Set<IdleWatcher> now = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        now.addAll(watchers);
        Set<String> names = new HashSet<>();
        for (IdleWatcher w : watchers) names.add(w.route());
        for (var it = watched.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (now.contains(e.getKey())) continue;
            e.getValue().close();
            it.remove();
        }
        for (String gone : sleepable) {
            if (names.contains(gone)) continue;
            wakes.remove(gone);
            wakeFailures.remove(gone);
            wakeDuration.remove(gone);
            sleeps.removeIf(labels -> labels.get(0).equals(gone));
        }
        sleepable = Set.copyOf(names);
        for (IdleWatcher w : watchers) {
            if (watched.containsKey(w)) continue;
            sleeps.labelValues(w.route(), w.config().idle().stopMethod().label());
            WakeCounter c = new WakeCounter(w.route());
            watched.put(w, c);
            c.subscription = w.subscribe(c);
        }
    }

    /** Counts the sleeps the runtime manager performs; the subscription ends with {@link #close()}. */
    synchronized void follow(Function<Consumer<? super RuntimeEvent>, AutoCloseable> subscribe) {
        if (closed) return;
        operations = subscribe.apply(e -> {
            if (e instanceof Operation o) operation(o);
        });
    }

    /** A committed operation: a successful stop, pause, kill or scale to 0 of a route's container is a sleep. */
    void operation(Operation o) {
        if (o.outcome() != Outcome.SUCCESS) return;
        if (o.kind() != OpKind.STOP && o.kind() != OpKind.PAUSE && o.kind() != OpKind.KILL && o.kind() != OpKind.SCALE_DOWN) return;
        if (!sleepable.contains(o.runtimeId())) return;
        sleeps.labelValues(o.runtimeId(), o.kind().label()).inc();
    }

    /** Writes every metric in the Prometheus text format 0.0.4. */
    void write(OutputStream out) throws IOException {
        registerJvm();
        writer.write(out, registry.scrape());
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        watched.values().forEach(WakeCounter::close);
        watched.clear();
        if (operations != null) {
            try {
                operations.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "metrics: close operation subscription: {0}", e.getMessage());
            }
        }
    }

    /**
     * Counts one watcher's wakes from its events: {@code starting} begins a wake, {@code ready} ends it
     * (its duration is observed), {@code error} ends it as failed. Events arrive one at a time per watcher.
     */
    private final class WakeCounter implements Consumer<WakeEvent> {
        private final String route;
        private final CounterDataPoint begun;
        private final CounterDataPoint failed;
        private final DistributionDataPoint duration;
        private Instant startedAt;
        AutoCloseable subscription;

        WakeCounter(String route) {
            this.route = route;
            this.begun = wakes.labelValues(route);
            this.failed = wakeFailures.labelValues(route);
            this.duration = wakeDuration.labelValues(route);
        }

        @Override
        public synchronized void accept(WakeEvent e) {
            switch (e.type()) {
                case STARTING -> {
                    startedAt = e.timestamp();
                    begun.inc();
                }
                case READY -> {
                    if (startedAt != null) duration.observe(Math.max(0, Duration.between(startedAt, e.timestamp()).toNanos()) * 1e-9);
                    startedAt = null;
                }
                case ERROR -> {
                    startedAt = null;
                    failed.inc();
                }
                default -> { }
            }
        }

        void close() {
            try {
                if (subscription != null) subscription.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "metrics: route {0}: close wake subscription: {1}", route, e.getMessage());
            }
        }
    }
}
