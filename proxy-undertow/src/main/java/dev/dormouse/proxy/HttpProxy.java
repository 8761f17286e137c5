package dev.dormouse.proxy;

import dev.dormouse.core.ListenAddress;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.GracefulShutdownHandler;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.xnio.XnioWorker;

/**
 * The HTTP reverse proxy: a plain listener (HTTP/1.1, h2c with prior knowledge) and an HTTPS listener (HTTP/2 and
 * HTTP/1.1 by ALPN) on shared I/O threads, in front of one router. Routes live in an immutable snapshot swapped
 * atomically by {@link #update}; routes whose configuration did not change keep their upstream connection pools.
 */
public final class HttpProxy implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.proxy");

    static {
        HttpListener.prepare();
    }

    private final ProxySettings settings;
    private final ProxyMetrics metrics;
    private final Optional<TlsFrontDoor> tls;
    private final AtomicReference<RouteTable> table = new AtomicReference<>(RouteTable.EMPTY);
    private final Router router;
    private final GracefulShutdownHandler graceful;
    private XnioWorker worker;
    private HttpListener http;
    private HttpListener https;
    private int httpPort = -1;
    private int httpsPort = -1;

    public HttpProxy(ProxySettings settings, List<ProxyRoute> routes) {
        this(settings, routes, ProxyMetrics.unregistered());
    }

    /** A proxy that counts its requests, latencies and open connections in {@code metrics}. */
    public HttpProxy(ProxySettings settings, List<ProxyRoute> routes, ProxyMetrics metrics) {
        this(settings, routes, metrics, Optional.empty());
    }

    /**
     * A proxy with the {@code tls:} block's parts: the HTTPS listener's context, the certificates (for
     * {@code redirect_http}) and the ACME challenges the plain listener answers.
     */
    public HttpProxy(ProxySettings settings, List<ProxyRoute> routes, ProxyMetrics metrics, Optional<TlsFrontDoor> tls) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.tls = Objects.requireNonNull(tls, "tls");
        this.router = new Router(table, metrics, settings, tls);
        this.graceful = new GracefulShutdownHandler(router);
        update(routes);
    }

    /**
     * Binds the listeners (HTTPS first, so that redirects name its port); a taken address is a
     * {@link ProxyException} naming it, and nothing stays bound.
     */
    public synchronized void start() {
        if (worker != null) throw new ProxyException("http proxy already started");
        boolean plain = !settings.httpListen().isEmpty();
        boolean secure = !settings.httpsListen().isEmpty();
        if (secure && tls.isEmpty()) {
            throw new ProxyException("listen https " + settings.httpsListen() + ": no certificates (tls.certificates or tls.acme)");
        }
        if (!plain) LOG.log(Level.INFO, "http listener disabled");
        if (!plain && !secure) return;
        int io = settings.ioThreads() > 0 ? settings.ioThreads() : Math.max(1, Runtime.getRuntime().availableProcessors());
        worker = HttpListener.worker(io, "listen " + (plain ? settings.httpListen() : settings.httpsListen()));
        try {
            if (secure) {
                ListenAddress listen = ListenAddress.parse(settings.httpsListen());
                InetSocketAddress a = listen.bindAddress();
                https = HttpListener.tls(worker, a, settings.limits(), scheme("https"), tls.get().context(), "listen https " + listen);
                httpsPort = https.port();
                router.httpsPort(httpsPort);
                LOG.log(Level.INFO, "https proxy listening on {0}:{1,number,#}", a.getHostString(), httpsPort);
            }
            if (plain) {
                ListenAddress listen = ListenAddress.parse(settings.httpListen());
                InetSocketAddress a = listen.bindAddress();
                http = HttpListener.plain(worker, a, settings.limits(), scheme("http"), "listen " + listen);
                httpPort = http.port();
                LOG.log(Level.INFO, "http proxy listening on {0}:{1,number,#}", a.getHostString(), httpPort);
            }
        } catch (RuntimeException e) {
            stopListening();
            throw e;
        }
    }

    /**
     * The root handler of a listener: the scheme is the listener's, whatever an HTTP/2 client claims in
     * {@code :scheme}, so forwarding headers and redirects tell the truth.
     */
    private HttpHandler scheme(String scheme) {
        return ex -> {
            ex.setRequestScheme(scheme);
            graceful.handleRequest(ex);
        };
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
        return httpPort;
    }

    /** The bound HTTPS port, -1 before start or when disabled. */
    public int httpsPort() {
        return httpsPort;
    }

    /** Stops accepting, lets in-flight requests finish within the shutdown grace, then stops. */
    @Override
    public synchronized void close() {
        if (worker == null) return;
        graceful.shutdown();
        try {
            if (!graceful.awaitShutdown(settings.shutdownGrace().toMillis())) {
                LOG.log(Level.WARNING, "http proxy: requests still open after {0} ms; closing them", settings.shutdownGrace().toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopListening();
    }

    private void stopListening() {
        if (https != null) https.close();
        if (http != null) http.close();
        https = null;
        http = null;
        if (worker != null) HttpListener.stop(worker);
        worker = null;
    }
}
