package dev.dormouse.proxy;

import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.ResponseCodeHandler;
import io.undertow.server.handlers.proxy.LoadBalancingProxyClient;
import io.undertow.server.handlers.proxy.ProxyHandler;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.xnio.OptionMap;
import org.xnio.Xnio;

/** One route's upstream: a pooled keep-alive connection set and the Undertow proxy handler that uses it. */
final class Upstream {
    /** Connections per I/O thread and queued requests per route; Undertow's defaults (10, 0) turn load into 503s. */
    private static final int CONNECTIONS_PER_THREAD = 64;
    private static final int MAX_QUEUE = 4096;
    private static final int CONNECTION_TTL_MS = 60_000;

    private final ProxyRoute route;
    private final HttpHandler proxy;

    Upstream(ProxyRoute route, Duration connectTimeout) {
        this.route = route;
        URI target = route.config().target();
        String scheme = target.getScheme().equals("h2c") ? "h2c-prior" : target.getScheme();
        URI uri = URI.create(scheme + "://" + target.getRawAuthority() + (target.getRawPath() == null ? "" : target.getRawPath()));
        LoadBalancingProxyClient client = new LoadBalancingProxyClient()
                .setConnectionsPerThread(CONNECTIONS_PER_THREAD)
                .setSoftMaxConnectionsPerThread(CONNECTIONS_PER_THREAD / 2)
                .setMaxQueueSize(MAX_QUEUE)
                .setTtl(CONNECTION_TTL_MS)
                // A sleeping upstream refuses connections; never blacklist the only host for that.
                .setProblemServerRetry(0);
        if (scheme.equals("https")) {
            client.addHost(uri, null, new UndertowXnioSsl(Xnio.getInstance(), OptionMap.EMPTY, sslContext(route.config().healthcheck().insecureSkipVerify())));
        } else {
            client.addHost(uri);
        }
        this.proxy = ProxyHandler.builder().setProxyClient(client).setMaxRequestTime(-1).setRewriteHostHeader(false)
                .setReuseXForwarded(false).setMaxConnectionRetries(1).setNext(ResponseCodeHandler.HANDLE_404).build();
    }

    ProxyRoute route() {
        return route;
    }

    HttpHandler handler() {
        return proxy;
    }

    /** Whether this upstream can serve {@code other} unchanged (same config and the same watcher). */
    boolean serves(ProxyRoute other) {
        return route.config().sameAs(other.config()) && route.watcher().equals(other.watcher());
    }

    private static SSLContext sslContext(boolean insecure) {
        try {
            if (!insecure) return SSLContext.getDefault();
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] c, String a) {}

                public void checkServerTrusted(X509Certificate[] c, String a) {}

                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new ProxyException("TLS for upstream " + "'" + "': " + e.getMessage(), e);
        }
    }
}
