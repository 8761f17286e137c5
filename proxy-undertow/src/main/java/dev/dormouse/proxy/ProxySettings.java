package dev.dormouse.proxy;

import dev.dormouse.core.Cidr;
import dev.dormouse.core.HttpLimits;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the HTTP proxy listens and talks to upstreams.
 *
 * @param httpListen {@code [host]:port}; empty disables HTTP; port 0 picks a free port
 * @param ioThreads I/O threads, 0 = one per core
 * @param upstreamConnectTimeout bound on connecting to an upstream
 * @param shutdownGrace how long in-flight requests may finish on close
 * @param limits what one client can make the listener hold (head size, head timeout, connections)
 * @param trustedProxies peers whose forwarding headers are kept and appended to; everyone else's are replaced
 */
public record ProxySettings(String httpListen, int ioThreads, Duration upstreamConnectTimeout, Duration shutdownGrace,
        HttpLimits limits, List<Cidr> trustedProxies) {
    public ProxySettings {
        Objects.requireNonNull(httpListen, "httpListen");
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

    /** Settings with the default limits and no trusted proxies. */
    public ProxySettings(String httpListen, int ioThreads, Duration upstreamConnectTimeout, Duration shutdownGrace) {
        this(httpListen, ioThreads, upstreamConnectTimeout, shutdownGrace, HttpLimits.DEFAULT, List.of());
    }
}
