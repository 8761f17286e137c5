package dev.dormouse.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.NetworkChannel;

/** What a TCP and a UDP route's listener share: where it binds, where it forwards, and its counters. */
abstract class StreamListener {
    final ProxyRoute route;
    final InetSocketAddress bindTo;
    final InetSocketAddress target;
    final StreamStats stats;
    volatile boolean closed;

    StreamListener(ProxyRoute route, InetSocketAddress bindTo, StreamStats stats) {
        this.route = route;
        this.bindTo = bindTo;
        this.stats = stats;
        URI t = route.config().target();
        this.target = new InetSocketAddress(t.getHost(), t.getPort());
    }

    /** Binds and starts serving on virtual threads. */
    abstract void start() throws IOException;

    /** The bound channel, once started. */
    abstract NetworkChannel channel();

    abstract void close();

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
