package dev.dormouse.proxy;

import dev.dormouse.core.StreamConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.NetworkChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.function.LongSupplier;

/**
 * What a TCP and a UDP route's listener share: where it binds, where it forwards, its bounds
 * ({@code stream:}), its counters, and the idle sweep that {@link StreamProxy} runs over it.
 */
abstract class StreamListener {
    final ProxyRoute route;
    final InetSocketAddress bindTo;
    final StreamStats stats;
    final StreamConfig limits;
    /** {@code stream.idle_timeout} in nanoseconds. */
    final long idleNanos;
    /** Monotonic time of traffic and sweeps; {@code System::nanoTime} but in tests. */
    final LongSupplier nanoTime;
    volatile boolean closed;
    /** The listener's periodic sweep on {@link StreamProxy}'s scheduler, once started. */
    volatile ScheduledFuture<?> sweeper;
    /** The last target seen and its socket address, so a connection allocates nothing while it holds. */
    private volatile Target last;

    private record Target(URI uri, InetSocketAddress address) {}

    StreamListener(ProxyRoute route, InetSocketAddress bindTo, StreamStats stats, LongSupplier nanoTime) {
        this.route = route;
        this.bindTo = bindTo;
        this.stats = stats;
        this.limits = route.config().stream();
        this.idleNanos = limits.idleTimeout().toNanos();
        this.nanoTime = nanoTime;
    }

    /** Where to forward: the watcher's target (the container's address for a host-less one) or the configured one. */
    final InetSocketAddress target() throws IOException {
        URI t = route.watcher().isPresent() ? route.watcher().get().target() : route.config().target();
        Target l = last;
        if (l != null && l.uri == t) return l.address;
        if (t.getHost() == null) throw new java.net.NoRouteToHostException("the container's address is not known yet");
        InetSocketAddress a = new InetSocketAddress(t.getHost(), t.getPort());
        last = new Target(t, a);
        return a;
    }

    /** Binds and starts serving. */
    abstract void start() throws IOException;

    /** The bound channel, once started. */
    abstract NetworkChannel channel();

    abstract void close();

    /** Stops accepting; open connections go on until either side closes them. UDP has none to keep. */
    void drain() {
        close();
    }

    /** Closes what has been idle for {@code stream.idle_timeout}; completes when done (UDP: on its own thread). */
    abstract CompletableFuture<Void> sweep();

    /** True when nothing is open any more, so a drained listener needs no more sweeps. */
    abstract boolean isEmpty();

    final String name() {
        return route.config().name();
    }

    /** Where it listens (the real port when 0 was configured). */
    final InetSocketAddress address() {
        try {
            return (InetSocketAddress) channel().getLocalAddress();
        } catch (IOException e) {
            return bindTo;
        }
    }

    /** Binds {@code ch} to {@link #bindTo}, closing it when that fails. */
    final <C extends NetworkChannel> C bind(C ch, int backlog) throws IOException {
        try {
            ch.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
            if (ch instanceof java.nio.channels.ServerSocketChannel s) s.bind(bindTo, backlog);
            else ch.bind(bindTo);
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }
}
