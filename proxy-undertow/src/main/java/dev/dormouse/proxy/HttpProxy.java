package dev.dormouse.proxy;

import dev.dormouse.core.ListenAddress;
import io.undertow.server.handlers.GracefulShutdownHandler;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The HTTP reverse proxy. Routes live in an immutable snapshot swapped atomically by {@link #update}; routes
 * whose configuration did not change keep their upstream connection pools.
 */
public final class HttpProxy implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.proxy");

    private final ProxySettings settings;
    private final ProxyMetrics metrics;
    private final AtomicReference<RouteTable> table = new AtomicReference<>(RouteTable.EMPTY);
    private final GracefulShutdownHandler graceful;
    private HttpListener listener;
    private int port = -1;

    public HttpProxy(ProxySettings settings, List<ProxyRoute> routes) {
        this(settings, routes, ProxyMetrics.unregistered());
    }

    /** A proxy that counts its requests, latencies and open connections in {@code metrics}. */
    public HttpProxy(ProxySettings settings, List<ProxyRoute> routes, ProxyMetrics metrics) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.graceful = new GracefulShutdownHandler(new Router(table, metrics, settings));
        update(routes);
    }

    /** Binds the listener; a taken address is a {@link ProxyException} naming it. */
    public synchronized void start() {
        if (listener != null) throw new ProxyException("http proxy already started");
        if (settings.httpListen().isEmpty()) {
            LOG.log(Level.INFO, "http listener disabled");
            return;
        }
        ListenAddress listen = ListenAddress.parse(settings.httpListen());
        InetSocketAddress at = listen.bindAddress();
        String host = at.getHostString();
        int io = settings.ioThreads() > 0 ? settings.ioThreads() : Math.max(1, Runtime.getRuntime().availableProcessors());
        listener = HttpListener.start(at, io, settings.limits(), graceful, "listen " + listen);
        port = listener.port();
        LOG.log(Level.INFO, "http proxy listening on {0}:{1,number,#}", host, port);
    }

    /** Swaps in a new route set; unchanged routes keep their upstream pools, removed ones lose their metric series. */
    public synchronized void update(List<ProxyRoute> routes) {
        List<Upstream> old = table.get().all();
        List<Upstream> next = new ArrayList<>(routes.size());
        java.util.Set<String> served = new java.util.HashSet<>();
        for (ProxyRoute r : routes) {
            if (r.config().isStream()) continue;
            Upstream reuse = null;
            for (Upstream u : old) {
                if (u.serves(r)) {
                    reuse = u;
                    break;
                }
            }
            next.add(reuse != null ? reuse : new Upstream(r, settings.upstreamConnectTimeout(), metrics.http(r.config().name())));
            served.add(r.config().name());
        }
        table.set(RouteTable.of(next));
        metrics.retainHttp(served);
    }

    /** The bound HTTP port, -1 before start or when disabled. */
    public int httpPort() {
        return port;
    }

    /** Stops accepting, lets in-flight requests finish within the shutdown grace, then stops. */
    @Override
    public synchronized void close() {
        if (listener == null) return;
        graceful.shutdown();
        try {
            if (!graceful.awaitShutdown(settings.shutdownGrace().toMillis())) {
                LOG.log(Level.WARNING, "http proxy: requests still open after {0} ms; closing them", settings.shutdownGrace().toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listener.close();
        listener = null;
    }
}
