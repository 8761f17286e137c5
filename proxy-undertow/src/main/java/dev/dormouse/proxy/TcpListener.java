package dev.dormouse.proxy;

import dev.dormouse.idlewatcher.IdleWatcher;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP route. A connection to a sleeping route is accepted at once and not read until the upstream is
 * ready: the client's bytes wait in the kernel's receive buffer (bounded; beyond it the client is slowed
 * by TCP flow control), so nothing is lost and nothing is copied. Then both directions are relayed, with
 * half-close passed on and an error on either side closing both.
 */
final class TcpListener extends StreamListener {
    private static final int BUFFER = 64 * 1024;

    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private ServerSocketChannel server;

    TcpListener(ProxyRoute route, InetSocketAddress bindTo, StreamStats stats) {
        super(route, bindTo, stats);
    }

    @Override
    void start() throws IOException {
        server = bind(ServerSocketChannel.open(), 1024);
        Thread.ofVirtual().name("tcp-accept-" + name()).start(this::acceptLoop);
    }

    @Override
    NetworkChannel channel() {
        return server;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel client = server.accept();
                stats.accepted();
                Thread.ofVirtual().name("tcp-" + route.config().name()).start(() -> serve(client));
            } catch (AsynchronousCloseException e) {
                return;
            } catch (IOException e) {
                if (!closed) StreamProxy.LOG.log(Level.WARNING, "route {0}: accept: {1}", route.config().name(), e.getMessage());
            }
        }
    }

    private void serve(SocketChannel client) {
        IdleWatcher w = route.watcher().orElse(null);
        open.add(client);
        stats.opened();
        if (w != null) w.requestStarted();
        SocketChannel upstream = null;
        try {
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (w != null && !StreamProxy.awaitAwake(w)) {
                reset(client);
                return;
            }
            upstream = SocketChannel.open();
            upstream.setOption(StandardSocketOptions.TCP_NODELAY, true);
            open.add(upstream);
            upstream.connect(target());
            SocketChannel up = upstream;
            Thread back = Thread.ofVirtual().name("tcp-" + route.config().name() + "-back").start(() -> pump(up, client, stats::out, w));
            pump(client, up, stats::in, w);
            back.join();
        } catch (IOException e) {
            StreamProxy.LOG.log(Level.DEBUG, "route {0}: connection to {1}: {2}", route.config().name(), route.config().target(), e.getMessage());
            reset(client);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(client);
            closeQuietly(upstream);
            open.remove(client);
            if (upstream != null) open.remove(upstream);
            stats.closed();
            if (w != null) w.requestEnded();
        }
    }

    interface Counter {
        void add(long n);
    }

    /** Copies one direction until EOF, which is passed on as a half-close; an error closes both sides. */
    private static void pump(SocketChannel from, SocketChannel to, Counter counter, IdleWatcher w) {
        ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
        try {
            while (true) {
                int n = from.read(buf);
                if (n < 0) {
                    to.shutdownOutput();
                    return;
                }
                buf.flip();
                while (buf.hasRemaining()) to.write(buf);
                buf.clear();
                counter.add(n);
                if (w != null) w.touch();
            }
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** Closing with an RST tells the client plainly that the connection was refused after all. */
    private static void reset(SocketChannel c) {
        try {
            c.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException e) {
            // closing anyway
        }
        closeQuietly(c);
    }

    static void closeQuietly(java.io.Closeable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (IOException e) {
            // already broken
        }
    }

    @Override
    void drain() {
        closed = true;
        closeQuietly(server);
    }

    @Override
    void close() {
        closed = true;
        closeQuietly(server);
        for (SocketChannel c : open) closeQuietly(c);
    }
}
