package dev.dormouse.proxy;

import dev.dormouse.core.Tls;
import dev.dormouse.idlewatcher.IdleWatcher;
import io.undertow.server.DefaultResponseListener;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.util.StatusCodes;
import io.undertow.server.handlers.ResponseCodeHandler;
import io.undertow.server.handlers.proxy.LoadBalancingProxyClient;
import io.undertow.server.handlers.proxy.ProxyHandler;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;

/** One route's upstream: a pooled keep-alive connection set and the Undertow proxy handler that uses it. */
final class Upstream {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.proxy");
    /** Connections per I/O thread and queued requests per route; Undertow's defaults (10, 0) turn load into 503s. */
    private static final int CONNECTIONS_PER_THREAD = 64;
    private static final int MAX_QUEUE = 4096;
    private static final int CONNECTION_TTL_MS = 60_000;
    /**
     * Upstream sockets: XNIO leaves Nagle's algorithm on unless told, and Undertow's proxy client tells it nothing;
     * a request whose head and body (or body chunks) go out in separate writes then waits on the upstream's ACK.
     */
    static final OptionMap SOCKET = OptionMap.create(Options.TCP_NODELAY, true);

    private final ProxyRoute route;
    /** The proxy for the current target; replaced when a host-less target's container moves. */
    private volatile Client client;
    /** This route's metric data points, resolved once. */
    final ProxyMetrics.HttpRoute metrics;
    /** Built once per route so the request path does not allocate them per request. */
    final DefaultResponseListener badGateway;
    final ExchangeCompletionListener requestEnded;
    /** Requests held while the route wakes, and open loading-page event streams; each bounded by max_held_requests. */
    final AtomicInteger held = new AtomicInteger();
    final AtomicInteger streams = new AtomicInteger();

    private record Client(URI target, HttpHandler proxy) {}

    Upstream(ProxyRoute route, Duration connectTimeout, ProxyMetrics.HttpRoute metrics) {
        this.route = route;
        this.metrics = metrics;
        this.client = build(currentTarget());
        this.badGateway = e -> {
            if (e.getStatusCode() != StatusCodes.SERVICE_UNAVAILABLE && e.getStatusCode() != StatusCodes.GATEWAY_TIME_OUT) return false;
            boolean timeout = e.getStatusCode() == StatusCodes.GATEWAY_TIME_OUT;
            LOG.log(System.Logger.Level.DEBUG, "route {0}: upstream {1} {2}", route.config().name(), client.target,
                    timeout ? "did not answer in time" : "is not reachable");
            // The target's address is internal detail; the log and the admin API have it.
            Pages.message(e, timeout ? StatusCodes.GATEWAY_TIME_OUT : StatusCodes.BAD_GATEWAY, "upstream_unreachable", "Bad gateway",
                    "route '" + route.config().name() + "': the service " + (timeout ? "did not answer in time" : "is not reachable"));
            return true;
        };
        this.requestEnded = route.watcher().map(Upstream::endedListener).orElse(null);
    }

    private URI currentTarget() {
        return route.watcher().isPresent() ? route.watcher().get().target() : route.config().target();
    }

    private Client build(URI target) {
        if (target.getHost() == null) return new Client(target, NO_ADDRESS);
        String scheme = target.getScheme().equals("h2c") ? "h2c-prior" : target.getScheme();
        URI uri = URI.create(scheme + "://" + target.getRawAuthority() + (target.getRawPath() == null ? "" : target.getRawPath()));
        LoadBalancingProxyClient lb = new LoadBalancingProxyClient()
                .setConnectionsPerThread(CONNECTIONS_PER_THREAD)
                .setSoftMaxConnectionsPerThread(CONNECTIONS_PER_THREAD / 2)
                .setMaxQueueSize(MAX_QUEUE)
                .setTtl(CONNECTION_TTL_MS)
                // A sleeping upstream refuses connections; never blacklist the only host for that.
                .setProblemServerRetry(0);
        if (scheme.equals("https")) {
            lb.addHost(uri, null, new UndertowXnioSsl(Xnio.getInstance(), OptionMap.EMPTY, Tls.client(route.config().healthcheck().insecureSkipVerify())),
                    SOCKET);
        } else {
            lb.addHost(uri, null, null, SOCKET);
        }
        HttpHandler proxy = ProxyHandler.builder().setProxyClient(lb).setMaxRequestTime(-1).setRewriteHostHeader(false)
                .setReuseXForwarded(true).setMaxConnectionRetries(1).setNext(ResponseCodeHandler.HANDLE_404).build();
        return new Client(target, proxy);
    }

    /** A host-less target whose container was never found running: nothing to connect to. */
    private static final HttpHandler NO_ADDRESS = ex -> ex.setStatusCode(StatusCodes.SERVICE_UNAVAILABLE).endExchange();

    /** Ends a request's open count, or for an upgraded connection (WebSocket), when the connection closes. */
    private static ExchangeCompletionListener endedListener(IdleWatcher w) {
        return (ex, next) -> {
            try {
                if (ex.getStatusCode() == StatusCodes.SWITCHING_PROTOCOLS && ex.getConnection().isOpen()) {
                    ex.getConnection().addCloseListener(c -> w.requestEnded());
                } else {
                    w.requestEnded();
                }
            } finally {
                next.proceed();
            }
        };
    }

    ProxyRoute route() {
        return route;
    }

    /** The proxy to the current target; one volatile read and a reference comparison per request. */
    HttpHandler handler() {
        Client c = client;
        if (!route.config().targetFromContainer()) return c.proxy;
        URI t = currentTarget();
        if (c.target != t) {
            c = build(t);
            client = c;
        }
        return c.proxy;
    }

    /** Whether this upstream can serve {@code other} unchanged (same config and the same watcher). */
    boolean serves(ProxyRoute other) {
        return route.config().equals(other.config()) && route.watcher().equals(other.watcher());
    }
}
