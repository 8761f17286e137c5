package dev.dormouse.proxy;

import dev.dormouse.idlewatcher.IdleWatcher;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A TCP route. A connection to a sleeping route is accepted at once and not read until the upstream is
 * ready: the client's bytes wait in the kernel's receive buffer (bounded; beyond it the client is slowed
 * by TCP flow control), so nothing is lost and nothing is copied. Then both directions are relayed, with
 * half-close passed on and an error on either side closing both.
 *
 * <p>Bounds: at most {@code stream.max_connections} connections are open (relayed or held during a wake);
 * one beyond is accepted and closed at once with a reset, counted, and logged once per burst. A relayed
 * connection without a byte either way for {@code stream.idle_timeout} is closed by the listener's sweep.
 * An accept that fails (for want of file descriptors, mostly) is retried after a pause that doubles from
 * {@link #BACKOFF_MIN_MS} to {@link #BACKOFF_MAX_MS}, never at once.
 */
final class TcpListener extends StreamListener {
    /** Bulk transfers read this much at a time; a connection starts with {@link #FIRST_BUFFER} and grows once it fills it. */
    private static final int BUFFER = 64 * 1024;
    private static final int FIRST_BUFFER = 8 * 1024;
    static final long BACKOFF_MIN_MS = 10;
    static final long BACKOFF_MAX_MS = 1000;

    private final Set<Conn> open = ConcurrentHashMap.newKeySet();
    /** Connections open now, counted on the accept path: the only shared state it touches. */
    private final AtomicInteger active = new AtomicInteger();
    private final BurstLog acceptFailures;
    private final BurstLog refusals;
    private ServerSocketChannel server;
    private Thread acceptor;

    TcpListener(ProxyRoute route, InetSocketAddress bindTo, StreamStats stats, LongSupplier nanoTime) {
        super(route, bindTo, stats, nanoTime);
        acceptFailures = new BurstLog(StreamProxy.LOG, name(), "accept failing, retrying with a backoff up to " + BACKOFF_MAX_MS + " ms", nanoTime);
        refusals = new BurstLog(StreamProxy.LOG, name(), "refusing new connections", nanoTime);
    }

    @Override
    void start() throws IOException {
        server = bind(ServerSocketChannel.open(), 1024);
        acceptor = Thread.ofVirtual().name("tcp-accept-" + name()).start(this::acceptLoop);
    }

    @Override
    NetworkChannel channel() {
        return server;
    }

    private void acceptLoop() {
        long backoff = 0;
        while (!closed) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) return;
                // EMFILE/ENFILE ("Too many open files") leaves the connection in the backlog, so an immediate retry fails again.
                acceptFailures.failed(e.getMessage());
                backoff = backoff == 0 ? BACKOFF_MIN_MS : Math.min(BACKOFF_MAX_MS, backoff * 2);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException stop) {
                    return;
                }
                continue;
            }
            backoff = 0;
            acceptFailures.succeeded();
            if (active.incrementAndGet() > limits.maxConnections()) {
                active.decrementAndGet();
                stats.refused();
                refusals.failed("max_connections " + limits.maxConnections() + " open");
                reset(client);
                continue;
            }
            refusals.succeeded();
            stats.accepted();
            Thread.ofVirtual().name("tcp-" + name()).start(() -> serve(client));
        }
    }

    /** One connection's two sockets and its last traffic, which the sweep reads. */
    private static final class Conn {
        final SocketChannel client;
        volatile SocketChannel upstream;
        /** Set once relaying starts: a connection held during a wake is bounded by the wake, not the idle timeout. */
        volatile boolean relaying;
        volatile long last;

        Conn(SocketChannel client) {
            this.client = client;
        }

        void close() {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    private void serve(SocketChannel client) {
        IdleWatcher w = route.watcher().orElse(null);
        Conn c = new Conn(client);
        open.add(c);
        stats.opened();
        if (w != null) w.requestStarted();
        try {
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            client.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            if (w != null && !StreamProxy.awaitAwake(w)) {
                reset(client);
                return;
            }
            SocketChannel up = SocketChannel.open();
            c.upstream = up;
            if (closed && !client.isOpen()) return; // closed while opening: close() did not see this socket
            up.setOption(StandardSocketOptions.TCP_NODELAY, true);
            up.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            up.connect(target());
            c.last = nanoTime.getAsLong();
            c.relaying = true;
            Thread back = Thread.ofVirtual().name("tcp-" + name() + "-back").start(() -> pump(up, client, stats::out, w, c));
            pump(client, up, stats::in, w, c);
            back.join();
        } catch (IOException e) {
            StreamProxy.LOG.log(Level.DEBUG, "route {0}: connection to {1}: {2}", name(), route.config().target(), e.getMessage());
            reset(client);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            c.close();
            open.remove(c);
            active.decrementAndGet();
            stats.closed();
            if (w != null) w.requestEnded();
        }
    }

    interface Counter {
        void add(long n);
    }

    /** Copies one direction until EOF, which is passed on as a half-close; an error closes both sides. */
    private void pump(SocketChannel from, SocketChannel to, Counter counter, IdleWatcher w, Conn c) {
        // Most connections are interactive and idle; only one that fills its buffer gets the large one.
        ByteBuffer buf = ByteBuffer.allocateDirect(FIRST_BUFFER);
        try {
            while (true) {
                int n = from.read(buf);
                if (n < 0) {
                    to.shutdownOutput();
                    return;
                }
                c.last = nanoTime.getAsLong();
                buf.flip();
                while (buf.hasRemaining()) to.write(buf);
                if (n == buf.capacity() && n < BUFFER) buf = ByteBuffer.allocateDirect(BUFFER);
                else buf.clear();
                counter.add(n);
                if (w != null) w.touch();
            }
        } catch (IOException e) {
            c.close();
        }
    }

    @Override
    CompletableFuture<Void> sweep() {
        long now = nanoTime.getAsLong();
        for (Conn c : open) {
            if (c.relaying && now - c.last >= idleNanos) {
                stats.idleClosed();
                StreamProxy.LOG.log(Level.DEBUG, "route {0}: closing a connection idle for {1}", name(), limits.idleTimeout());
                c.close();
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    boolean isEmpty() {
        return open.isEmpty();
    }

    /** Closing with an RST tells the client plainly that the connection was refused. */
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
        if (acceptor != null) acceptor.interrupt();
    }

    @Override
    void close() {
        drain();
        for (Conn c : open) c.close();
    }
}
