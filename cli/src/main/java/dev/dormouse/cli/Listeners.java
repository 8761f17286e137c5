package dev.dormouse.cli;

import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.Scheduler;
import dev.dormouse.core.ServerConfig;
import dev.dormouse.proxy.HttpProxy;
import dev.dormouse.proxy.ProxyMetrics;
import dev.dormouse.proxy.ProxyRoute;
import dev.dormouse.proxy.ProxySettings;
import dev.dormouse.proxy.StreamProxy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The listeners users reach, their settings and the order they come up in: with {@code server.https} the
 * HTTPS front door ({@link TlsFront}) is opened first, since the HTTPS listener shakes hands with it; the
 * HTTP and HTTPS listeners bind next (upstream connections time out after {@link #CONNECT_TIMEOUT}, and
 * in-flight requests get {@link #SHUTDOWN_GRACE} at close); the ACME worker starts only then, because the
 * plain listener answers the challenges of its first orders; the stream listeners bind last, and one that
 * cannot bind is logged by name and port while the other routes still serve. Closed in reverse.
 */
final class Listeners implements AutoCloseable {
    /** How long the proxy waits for an upstream connection. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** How long in-flight requests may take to finish when dormouse stops. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

    private ServerConfig server;
    private volatile Optional<TlsFront> tls = Optional.empty();
    private volatile HttpProxy proxy;
    private volatile StreamProxy streams;

    private Listeners() {}

    /**
     * Binds every listener of {@code config.server()} for {@code routes}; when one part cannot start, those
     * started are closed.
     *
     * @param inUse the routes in use from now on, whose hosts ACME serves
     * @param scheduler when TLS's certificate reloader and ACME worker tick
     */
    static Listeners start(DormouseConfig config, List<ProxyRoute> routes, ProxyMetrics metrics, Supplier<List<RouteConfig>> inUse,
            Scheduler scheduler, TlsFront.Setup tlsSetup) {
        Listeners l = new Listeners();
        try {
            ServerConfig s = l.server = config.server();
            if (s.httpsAddress().isPresent()) l.tls = Optional.of(TlsFront.open(config.tls(), s.dataDir(), inUse, scheduler, tlsSetup));
            l.proxy = new HttpProxy(new ProxySettings(s.http(), s.https(), 0, CONNECT_TIMEOUT, SHUTDOWN_GRACE, s.limits(), s.trustedProxies()),
                    routes, metrics, l.tls.map(TlsFront::door));
            l.proxy.start();
            l.tls.ifPresent(TlsFront::start);
            l.streams = new StreamProxy(routes, metrics);
            l.streams.start();
        } catch (RuntimeException e) {
            l.close();
            throw e;
        }
        return l;
    }

    /** Every listener serves {@code routes} from now on. */
    void update(List<ProxyRoute> routes) {
        proxy.update(routes);
        streams.update(routes);
    }

    /** The HTTPS front door, when {@code server.https} is set. */
    Optional<TlsFront> tls() {
        return tls;
    }

    int httpPort() {
        return proxy.httpPort();
    }

    int httpsPort() {
        return proxy.httpsPort();
    }

    StreamProxy streams() {
        return streams;
    }

    /** {@code http on 127.0.0.1:8080, https on (disabled)}: the bound addresses, for the log. */
    @Override
    public String toString() {
        return "http on " + server.httpAddress().map(a -> a.withPort(httpPort()).toString()).orElse("(disabled)")
                + ", https on " + server.httpsAddress().map(a -> a.withPort(httpsPort()).toString()).orElse("(disabled)");
    }

    @Override
    public void close() {
        if (streams != null) streams.close();
        if (proxy != null) proxy.close();
        tls.ifPresent(TlsFront::close);
    }
}
