package dev.dormouse.proxy;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.undertow.server.ExchangeCompletionListener;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The proxy's Prometheus instruments. Each route's data points are looked up once, when its upstream or
 * listener is built, so the request path only increments counters it already holds: no label lookup, no
 * lock. Series of routes that are no longer served are removed when the route set is updated.
 */
public final class ProxyMetrics {
    /** Upstream latency buckets in seconds: a loopback upstream answers in well under a millisecond. */
    static final double[] LATENCY_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private static final List<String> LIMIT_REASONS = List.of("refused", "evicted", "idle");

    private final Counter requests;
    private final Counter unknownHost;
    private final Histogram upstreamLatency;
    private final Counter streamBytes;
    private final Counter streamConnections;
    private final Counter datagramsDropped;
    private final Counter streamClosed;
    private final Map<String, HttpRoute> http = new ConcurrentHashMap<>();
    private final Map<String, StreamRoute> streams = new ConcurrentHashMap<>();

    /** Registers the proxy's metrics in {@code registry}. */
    public ProxyMetrics(PrometheusRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        requests = Counter.builder().name("dormouse_http_requests_total")
                .help("HTTP requests answered for a route (proxied, held, loading page or error), by status class.")
                .labelNames("route", "status_class").withoutExemplars().register(registry);
        unknownHost = Counter.builder().name("dormouse_http_unknown_host_requests_total")
                .help("HTTP requests for a host no route serves (answered 404).").withoutExemplars().register(registry);
        upstreamLatency = Histogram.builder().name("dormouse_http_upstream_duration_seconds")
                .help("Time from forwarding a request to the upstream until its response headers arrive (wake time excluded).")
                .labelNames("route").classicOnly().classicUpperBounds(LATENCY_BUCKETS).withoutExemplars().register(registry);
        GaugeWithCallback.builder().name("dormouse_open_connections")
                .help("Open connections of a route: HTTP requests in flight (held ones, and an upgraded WebSocket until it closes), TCP connections and UDP sessions.")
                .labelNames("route").callback(cb -> {
                    http.forEach((name, r) -> cb.call(r.open.sum(), name));
                    // A route turning from TCP into HTTP is in both maps until the stream proxy is updated too;
                    // a series twice would fail the whole scrape.
                    streams.forEach((name, r) -> {
                        if (!http.containsKey(name)) cb.call(r.open.sum(), name);
                    });
                }).register(registry);
        streamBytes = Counter.builder().name("dormouse_stream_bytes_total")
                .help("Bytes relayed by a TCP or UDP route: in = from clients to the upstream, out = from the upstream to clients.")
                .labelNames("route", "direction").withoutExemplars().register(registry);
        streamConnections = Counter.builder().name("dormouse_stream_connections_total")
                .help("TCP connections accepted or UDP client sessions opened by a stream route.")
                .labelNames("route").withoutExemplars().register(registry);
        datagramsDropped = Counter.builder().name("dormouse_udp_datagrams_dropped_total")
                .help("UDP datagrams dropped: the wake queue was full or the wake failed.")
                .labelNames("route").withoutExemplars().register(registry);
        streamClosed = Counter.builder().name("dormouse_stream_limit_closes_total")
                .help("TCP connections and UDP sessions a stream route closed for its limits: refused (max_connections), "
                        + "evicted (udp_max_sessions, the one idle longest) or idle (idle_timeout).")
                .labelNames("route", "reason").withoutExemplars().register(registry);
    }

    /** Instruments registered nowhere, for a proxy that nobody scrapes. */
    public static ProxyMetrics unregistered() {
        return new ProxyMetrics(new PrometheusRegistry());
    }

    /** The data points of an HTTP route, created on first use and kept while the route is served. */
    HttpRoute http(String route) {
        return http.computeIfAbsent(route, HttpRoute::new);
    }

    /** The data points of a TCP or UDP route, created on first use and kept while the route is served. */
    StreamRoute stream(String route) {
        return streams.computeIfAbsent(route, StreamRoute::new);
    }

    /** Removes the series of HTTP routes not in {@code served}. */
    void retainHttp(Set<String> served) {
        for (String name : Set.copyOf(http.keySet())) {
            if (served.contains(name)) continue;
            http.remove(name);
            for (String c : STATUS_CLASSES) requests.remove(name, c);
            upstreamLatency.remove(name);
        }
    }

    /** Removes the series of stream routes not in {@code served}. */
    void retainStreams(Set<String> served) {
        for (String name : Set.copyOf(streams.keySet())) {
            if (served.contains(name)) continue;
            streams.remove(name);
            streamBytes.remove(name, "in");
            streamBytes.remove(name, "out");
            streamConnections.remove(name);
            datagramsDropped.remove(name);
            for (String reason : LIMIT_REASONS) streamClosed.remove(name, reason);
        }
    }

    /** A request for a host that no route serves. */
    void unknownHost() {
        unknownHost.inc();
    }

    /** One HTTP route's data points. */
    final class HttpRoute {
        private final CounterDataPoint[] byClass = new CounterDataPoint[STATUS_CLASSES.length];
        final DistributionDataPoint upstream;
        /** Requests in flight, read at scrape time; an adder so concurrent requests do not contend. */
        final LongAdder open = new LongAdder();
        /**
         * Counts the exchange by its final status and ends its open count (an upgraded one's when its connection
         * closes); one instance per route, so the request path allocates nothing for it.
         */
        final ExchangeCompletionListener finished;

        private HttpRoute(String route) {
            for (int i = 0; i < byClass.length; i++) byClass[i] = requests.labelValues(route, STATUS_CLASSES[i]);
            upstream = upstreamLatency.labelValues(route);
            finished = (ex, next) -> {
                try {
                    int status = ex.getStatusCode();
                    count(status);
                    if (status == 101 && ex.getConnection().isOpen()) ex.getConnection().addCloseListener(c -> open.decrement());
                    else open.decrement();
                } finally {
                    next.proceed();
                }
            };
        }

        void count(int status) {
            byClass[Math.min(4, Math.max(0, status / 100 - 1))].inc();
        }
    }

    /** One stream route's data points. */
    final class StreamRoute {
        final CounterDataPoint bytesIn;
        final CounterDataPoint bytesOut;
        final CounterDataPoint connections;
        final CounterDataPoint dropped;
        final CounterDataPoint refused;
        final CounterDataPoint evicted;
        final CounterDataPoint idle;
        final LongAdder open = new LongAdder();

        private StreamRoute(String route) {
            refused = streamClosed.labelValues(route, "refused");
            evicted = streamClosed.labelValues(route, "evicted");
            idle = streamClosed.labelValues(route, "idle");
            bytesIn = streamBytes.labelValues(route, "in");
            bytesOut = streamBytes.labelValues(route, "out");
            connections = streamConnections.labelValues(route);
            dropped = datagramsDropped.labelValues(route);
        }
    }
}
