package dev.dormouse.proxy;

import dev.dormouse.core.Cidr;
import dev.dormouse.core.HttpLimits;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the HTTP proxy listens and talks to upstreams.
 *
 * @param httpListen {@code [host]:port} of the plain listener (HTTP/1.1, h2c with prior knowledge); empty disables
 *     it; port 0 picks a free port
 * @param httpsListen {@code [host]:port} of the HTTPS listener (HTTP/2 and HTTP/1.1 by ALPN); empty disables it;
 *     it needs a {@link TlsFrontDoor}
 * @param ioThreads I/O threads, shared by both listeners; 0 = one per core
 * @param upstreamConnectTimeout bound on connecting to an upstream
 * @param shutdownGrace how long in-flight requests may finish on close
 * @param limits what one client can make a listener hold (head size, head timeout, connections per listener)
 * @param trustedProxies peers whose forwarding headers are kept and appended to; everyone else's are replaced
 */
public record ProxySettings(String httpListen, String httpsListen, int ioThreads, Duration upstreamConnectTimeout, Duration shutdownGrace,
        HttpLimits limits, List<Cidr> trustedProxies) {
    public ProxySettings {
        Objects.requireNonNull(httpListen, "httpListen");
        Objects.requireNonNull(httpsListen, "httpsListen");
        if (ioThreads < 0) throw new IllegalArgumentException("ioThreads must be >= 0, got " + ioThreads);
        if (upstreamConnectTimeout == null || !upstreamConnectTimeout.isPositive()) {
            throw new IllegalArgumentException("upstreamConnectTimeout must be > 0, got " + upstreamConnectTimeout);
        }
        if (shutdownGrace == null || shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace must be >= 0, got " + shutdownGrace);
        }
        Objects.requireNonNull(limits, "limits");
        trustedProxies = List.copyOf(trustedProxies);
    }

    /** Settings for a plain listener only. */
    public ProxySettings(String httpListen, int ioThreads, Duration upstreamConnectTimeout, Duration shutdownGrace, HttpLimits limits,
            List<Cidr> trustedProxies) {
        this(httpListen, "", ioThreads, upstreamConnectTimeout, shutdownGrace, limits, trustedProxies);
    }

    /** Settings for a plain listener only, with the default limits and no trusted proxies. */
    public ProxySettings(String httpListen, int ioThreads, Duration upstreamConnectTimeout, Duration shutdownGrace) {
        this(httpListen, "", ioThreads, upstreamConnectTimeout, shutdownGrace, HttpLimits.DEFAULT, List.of());
    }
}
