package dev.dormouse.proxy;

import dev.dormouse.idlewatcher.IdleWatcher;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A UDP route: one session (an upstream socket) per client address, expiring after {@link #SESSION_IDLE_MS}
 * of silence, or moving with the client's next datagram when the container came back at another address;
 * replies go back to the client they belong to. Datagrams that arrive while the route sleeps
 * are queued (up to {@link #MAX_QUEUED}) and delivered in arrival order once it is awake; if the wake
 * fails they are dropped and counted.
 */
final class UdpListener extends StreamListener {
    static final int MAX_QUEUED = 1024;
    static final long SESSION_IDLE_MS = 60_000;
    private static final int MAX_DATAGRAM = 65_535;

    private final Map<SocketAddress, Session> sessions = new ConcurrentHashMap<>();
    /** Datagrams held during a wake, in arrival order; guarded by itself. */
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private boolean flushing;
    private DatagramChannel channel;

    private record Held(SocketAddress from, byte[] data) {}

    UdpListener(ProxyRoute route, InetSocketAddress bindTo, StreamStats stats) {
        super(route, bindTo, stats);
    }

    @Override
    void start() throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        ch.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
        channel = bind(ch, 0);
        Thread.ofVirtual().name("udp-" + name()).start(this::receiveLoop);
    }

    @Override
    NetworkChannel channel() {
        return channel;
    }

    private void receiveLoop() {
        ByteBuffer buf = ByteBuffer.allocateDirect(MAX_DATAGRAM);
        IdleWatcher w = route.watcher().orElse(null);
        while (!closed) {
            try {
                buf.clear();
                SocketAddress from = channel.receive(buf);
                buf.flip();
                byte[] data = new byte[buf.remaining()];
                buf.get(data);
                stats.in(data.length);
                if (w != null) w.touch();
                boolean direct;
                synchronized (held) {
                    direct = w == null || (w.isReady() && held.isEmpty());
                    if (!direct) hold(new Held(from, data), w);
                }
                if (direct) deliver(from, data);
            } catch (AsynchronousCloseException e) {
                return;
            } catch (IOException e) {
                if (!closed) StreamProxy.LOG.log(Level.WARNING, "route {0}: receive: {1}", route.config().name(), e.getMessage());
            }
        }
    }

    /** Under the {@code held} lock: queues a datagram and makes sure one flusher waits for the wake. */
    private void hold(Held h, IdleWatcher w) {
        if (held.size() >= MAX_QUEUED) {
            stats.dropped();
            return;
        }
        held.add(h);
        if (!flushing) {
            flushing = true;
            Thread.ofVirtual().name("udp-" + route.config().name() + "-wake").start(() -> flush(w));
        }
    }

    private void flush(IdleWatcher w) {
        boolean awake = StreamProxy.awaitAwake(w);
        while (true) {
            Held[] batch;
            synchronized (held) {
                if (held.isEmpty()) {
                    flushing = false;
                    return;
                }
                batch = held.toArray(Held[]::new);
                held.clear();
            }
            for (Held h : batch) {
                if (awake) deliver(h.from, h.data);
                else stats.dropped();
            }
        }
    }

    private void deliver(SocketAddress from, byte[] data) {
        Session s = sessions.get(from);
        try {
            InetSocketAddress to = target();
            if (s != null && s.upstream != to) {
                // The container came back at another address: this client's next datagram starts a new session there.
                sessions.remove(from, s);
                s.close();
                s = null;
            }
            if (s == null) {
                s = new Session(from, to);
                Session raced = sessions.putIfAbsent(from, s);
                if (raced != null) {
                    s.close();
                    s = raced;
                } else {
                    stats.accepted();
                    stats.sessionOpened();
                    s.start();
                }
            }
            s.send(data);
        } catch (IOException e) {
            StreamProxy.LOG.log(Level.DEBUG, "route {0}: send to {1}: {2}", route.config().name(), route.config().target(), e.getMessage());
        }
    }

    /** One client's upstream socket and the virtual thread that carries replies back to that client. */
    private final class Session {
        private final SocketAddress client;
        /** Where this session's socket is connected: the instance {@link #target()} gave, compared by identity. */
        final InetSocketAddress upstream;
        private final DatagramSocket socket;
        private volatile long lastActive = System.currentTimeMillis();

        Session(SocketAddress client, InetSocketAddress upstream) throws IOException {
            this.client = client;
            this.upstream = upstream;
            this.socket = new DatagramSocket();
            socket.connect(upstream);
            socket.setSoTimeout(1000);
        }

        void start() {
            Thread.ofVirtual().name("udp-" + route.config().name() + "-session").start(this::replies);
        }

        void send(byte[] data) throws IOException {
            lastActive = System.currentTimeMillis();
            socket.send(new DatagramPacket(data, data.length));
        }

        private void replies() {
            byte[] buf = new byte[MAX_DATAGRAM];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            IdleWatcher w = route.watcher().orElse(null);
            while (!closed && !socket.isClosed()) {
                try {
                    p.setLength(buf.length);
                    socket.receive(p);
                    lastActive = System.currentTimeMillis();
                    channel.send(ByteBuffer.wrap(Arrays.copyOf(buf, p.getLength())), client);
                    stats.out(p.getLength());
                    if (w != null) w.touch();
                } catch (SocketTimeoutException | PortUnreachableException e) {
                    if (System.currentTimeMillis() - lastActive > SESSION_IDLE_MS) break;
                } catch (IOException e) {
                    break;
                }
            }
            sessions.remove(client, this);
            stats.sessionClosed();
            close();
        }

        void close() {
            socket.close();
        }
    }

    @Override
    void close() {
        closed = true;
        TcpListener.closeQuietly(channel);
        sessions.values().forEach(Session::close);
        sessions.clear();
    }
}
