package dev.dormouse.proxy;

import static dev.dormouse.proxy.HttpProxyTest.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.RouteConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TcpListenerTest {
    private StreamProxy streams;
    private Upstream upstream;
    private final List<Socket> clients = new ArrayList<>();
    /** The listeners' clock, moved by the tests. */
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @AfterEach
    void tearDown() throws IOException {
        for (Socket s : clients) s.close();
        if (streams != null) streams.close();
        if (upstream != null) upstream.close();
    }

    /** An upstream that counts and keeps every connection it accepts and echoes what it reads. */
    static final class Upstream implements AutoCloseable {
        final ServerSocket server;
        final List<Socket> accepted = new CopyOnWriteArrayList<>();
        final AtomicInteger closedByPeer = new AtomicInteger();

        Upstream() throws IOException {
            server = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        Socket s = server.accept();
                        accepted.add(s);
                        Thread.ofVirtual().start(() -> echo(s));
                    }
                } catch (IOException e) {
                    // closed by the test
                }
            });
        }

        private void echo(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                byte[] buf = new byte[4096];
                for (int n; (n = in.read(buf)) > 0; ) s.getOutputStream().write(buf, 0, n);
                closedByPeer.incrementAndGet();
            } catch (IOException e) {
                closedByPeer.incrementAndGet();
            }
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : accepted) s.close();
        }
    }

    static RouteConfig tcpRoute(int target, String stream, String container) {
        String yaml = "providers: {docker: [{name: local}]}\nroutes:\n  - name: echo\n    listen: tcp://127.0.0.1:" + freePort()
                + "\n    target: tcp://127.0.0.1:" + target + "\n" + (stream.isEmpty() ? "" : "    stream: " + stream + "\n")
                + (container.isEmpty() ? "" : "    container: " + container + "\n");
        return ConfigLoader.parse(new java.io.StringReader(yaml), "t.yml", Path.of("."), Path.of("t.yml")).routes().get(0);
    }

    private InetSocketAddress serve(RouteConfig r, Optional<FakeWatcher> w) {
        streams = new StreamProxy(List.of(new ProxyRoute(r, w.map(x -> x))), ProxyMetrics.unregistered(), now::get, false);
        streams.start();
        return streams.address("echo").orElseThrow();
    }

    private Socket connect(InetSocketAddress at) throws IOException {
        Socket s = new Socket(at.getAddress(), at.getPort());
        clients.add(s);
        s.setSoTimeout(5000);
        return s;
    }

    static String roundTrip(Socket s, String line) throws IOException {
        s.getOutputStream().write(line.getBytes(StandardCharsets.US_ASCII));
        return new String(s.getInputStream().readNBytes(line.length()), StandardCharsets.US_ASCII);
    }

    /** True once the peer has closed {@code s}: end of stream or a reset. */
    static boolean closedByPeer(Socket s) throws IOException {
        try {
            return s.getInputStream().read() == -1;
        } catch (SocketException e) {
            return true; // reset
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    static void await(String what, BooleanSupplier cond) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
        }
    }

    private StreamStats stats() {
        return streams.stats("echo").orElseThrow();
    }

    @Test
    void connectionsBeyondMaxConnectionsAreClosedAtOnceAndCounted() throws Exception {
        upstream = new Upstream();
        InetSocketAddress at = serve(tcpRoute(upstream.port(), "{max_connections: 3}", ""), Optional.empty());
        List<Socket> relayed = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Socket s = connect(at);
            assertEquals("hello " + i, roundTrip(s, "hello " + i));
            relayed.add(s);
        }
        for (int i = 0; i < 2; i++) {
            Socket extra = connect(at);
            extra.setSoTimeout(2000);
            assertTrue(closedByPeer(extra), "connection " + (4 + i) + " is closed by dormouse");
        }
        assertEquals(2, stats().connectionsRefused());
        assertEquals(3, upstream.accepted.size(), "connections relayed");
        assertEquals(3, stats().connections());

        relayed.get(0).close();
        await("a relayed connection to end", () -> stats().open() == 2);
        assertEquals("again", roundTrip(connect(at), "again"), "a slot freed is taken by the next connection");
        assertEquals(4, upstream.accepted.size());
    }

    @Test
    void connectionsHeldDuringAWakeCountTowardTheLimit() throws Exception {
        upstream = new Upstream();
        RouteConfig r = tcpRoute(upstream.port(), "{max_connections: 2}", "echo");
        FakeWatcher w = new FakeWatcher(r);
        InetSocketAddress at = serve(r, Optional.of(w));
        Socket a = connect(at);
        Socket b = connect(at);
        a.getOutputStream().write("a".getBytes(StandardCharsets.US_ASCII));
        b.getOutputStream().write("b".getBytes(StandardCharsets.US_ASCII));
        await("both held", () -> w.open() == 2);
        Socket c = connect(at);
        c.setSoTimeout(2000);
        assertTrue(closedByPeer(c), "a third connection during the wake is closed");
        assertEquals(1, stats().connectionsRefused());
        w.finishWake();
        assertEquals("a", new String(a.getInputStream().readNBytes(1), StandardCharsets.US_ASCII));
        assertEquals("b", new String(b.getInputStream().readNBytes(1), StandardCharsets.US_ASCII));
    }

    @Test
    void aConnectionWithoutTrafficEitherWayForTheIdleTimeoutIsClosedOnBothSides() throws Exception {
        upstream = new Upstream();
        InetSocketAddress at = serve(tcpRoute(upstream.port(), "{idle_timeout: 1m}", ""), Optional.empty());
        Socket s = connect(at);
        s.setSoTimeout(200);
        assertEquals("x", roundTrip(s, "x"));
        Socket up = upstream.accepted.get(0);

        now.addAndGet(Duration.ofSeconds(50).toNanos());
        streams.sweep();
        assertEquals("y", roundTrip(s, "y"), "50 s without traffic is not idle yet");

        // Traffic from the upstream alone keeps it open too.
        now.addAndGet(Duration.ofSeconds(50).toNanos());
        up.getOutputStream().write("z".getBytes(StandardCharsets.US_ASCII));
        assertEquals("z", new String(s.getInputStream().readNBytes(1), StandardCharsets.US_ASCII));
        now.addAndGet(Duration.ofSeconds(50).toNanos());
        streams.sweep();
        assertEquals("still", roundTrip(s, "still"));
        assertEquals(0, stats().closedIdle());

        now.addAndGet(Duration.ofSeconds(60).toNanos());
        streams.sweep();
        s.setSoTimeout(5000);
        assertTrue(closedByPeer(s), "the client's side is closed");
        await("the upstream's side to be closed", () -> upstream.closedByPeer.get() == 1);
        assertEquals(1, stats().closedIdle());
        await("the connection to end", () -> stats().open() == 0);
    }

    @Test
    void aConnectionHeldDuringAWakeIsNotClosedAsIdle() throws Exception {
        upstream = new Upstream();
        RouteConfig r = tcpRoute(upstream.port(), "{idle_timeout: 1s}", "echo");
        FakeWatcher w = new FakeWatcher(r);
        InetSocketAddress at = serve(r, Optional.of(w));
        Socket s = connect(at);
        s.getOutputStream().write("held".getBytes(StandardCharsets.US_ASCII));
        await("held", () -> w.open() == 1);
        now.addAndGet(Duration.ofSeconds(30).toNanos());
        streams.sweep();
        w.finishWake();
        assertEquals("held", new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
    }

    @Test
    void aReplacedListenersConnectionsAreStillClosedWhenIdle() throws Exception {
        upstream = new Upstream();
        RouteConfig before = tcpRoute(upstream.port(), "{idle_timeout: 1m}", "");
        InetSocketAddress at = serve(before, Optional.empty());
        Socket s = connect(at);
        assertEquals("x", roundTrip(s, "x"));
        StreamStats old = stats();
        RouteConfig after = tcpRoute(upstream.port(), "{idle_timeout: 2m}", "");
        streams.update(List.of(new ProxyRoute(after, Optional.empty())));
        assertEquals("y", roundTrip(s, "y"), "an open connection outlives its listener");
        now.addAndGet(Duration.ofSeconds(61).toNanos());
        streams.sweep();
        s.setSoTimeout(5000);
        assertTrue(closedByPeer(s), "and is closed when idle for the old route's timeout");
        assertEquals(1, old.closedIdle());
    }

    @Test
    void theSweepRunsByItselfOnTheRealClock() throws Exception {
        upstream = new Upstream();
        streams = new StreamProxy(List.of(new ProxyRoute(tcpRoute(upstream.port(), "{idle_timeout: 300ms}", ""), Optional.empty())));
        streams.start();
        Socket s = connect(streams.address("echo").orElseThrow());
        assertEquals("x", roundTrip(s, "x"));
        long t0 = System.nanoTime();
        assertTrue(closedByPeer(s));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 250 && ms < 3000, "closed after " + ms + " ms");
    }

    @Test
    void bothSidesOfARelayedConnectionHaveKeepAlive() throws Exception {
        upstream = new Upstream();
        InetSocketAddress at = serve(tcpRoute(upstream.port(), "", ""), Optional.empty());
        Socket s = connect(at);
        assertEquals("k", roundTrip(s, "k"));
        Socket up = upstream.accepted.get(0);
        // dormouse's two sockets of this connection: listener port <-> client port, and its own port <-> upstream port.
        String clientSide = TcpTable.timer(at.getPort(), s.getLocalPort());
        String upstreamSide = TcpTable.timer(up.getPort(), upstream.port());
        assertEquals("keepalive", clientSide, "dormouse's socket to the client");
        assertEquals("keepalive", upstreamSide, "dormouse's socket to the upstream");
        // The test's own sockets, without the option, show what a socket without it looks like.
        assertEquals("off", TcpTable.timer(s.getLocalPort(), at.getPort()));
    }

    /** Reads Linux's /proc/net/tcp{,6}: which timer a socket has running (2 = keep-alive). */
    static final class TcpTable {
        static String timer(int localPort, int remotePort) throws IOException {
            String local = String.format(":%04X ", localPort);
            String remote = String.format(":%04X ", remotePort);
            for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length < 6 || !(f[1] + " ").endsWith(local) || !(f[2] + " ").endsWith(remote)) continue;
                    // f[5] is "tr:tm->when"; tr 2 is the keep-alive timer, 0 none.
                    return switch (f[5].split(":")[0]) {
                        case "02" -> "keepalive";
                        case "00" -> "off";
                        default -> "timer " + f[5];
                    };
                }
            }
            return "no such socket";
        }
    }
}
