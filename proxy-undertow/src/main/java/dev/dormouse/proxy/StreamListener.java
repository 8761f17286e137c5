package dev.dormouse.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.NetworkChannel;

/** What a TCP and a UDP route's listener share: where it binds, where it forwards, and its counters. */
abstract class StreamListener {
    final ProxyRoute route;
    final InetSocketAddress bindTo;
    final StreamStats stats;
    volatile boolean closed;
    /** The last target seen and its socket address, so a connection allocates nothing while it holds. */
    private volatile Target last;

    private record Target(URI uri, InetSocketAddress address) {}

    StreamListener(ProxyRoute route, InetSocketAddress bindTo, StreamStats stats) {
        this.route = route;
        this.bindTo = bindTo;
        this.stats = stats;
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

    /** Binds and starts serving on virtual threads. */
    abstract void start() throws IOException;

    /** The bound channel, once started. */
    abstract NetworkChannel channel();

    abstract void close();

    /** Stops accepting; open connections go on until either side closes them. UDP has none to keep. */
    void drain() {
        close();
    }

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
