package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dormouse.provider.docker.testkit.TestDocker;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Floods of UDP source ports and TCP connections against the real daemon. The flood tests run the daemon
 * in a JVM of its own, so its file descriptors and resident memory are its own to count.
 */
class HostileStreamIT extends EngineTest {
    private static final int UDP_MAX_SESSIONS = 1024;
    private static final int MAX_CONNECTIONS = 1024;

    private Process child;
    private Path childLog;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    /** This JVM holds 5,000 UDP or 4,000 TCP sockets at once; the daemon's JVM inherits the limit. */
    @BeforeAll
    static void enoughFileDescriptors() throws Exception {
        long need = 8_000;
        if (openFileLimit(0) < need) {
            // Raise the soft limit to the hard one for this JVM (and so for the daemon's, started from it).
            long hard = openFileLimit(1);
            new ProcessBuilder("prlimit", "--pid", Long.toString(ProcessHandle.current().pid()), "--nofile=" + hard + ":" + hard)
                    .inheritIO().start().waitFor();
        }
        assertTrue(openFileLimit(0) >= need, "the test needs an open-file limit of " + need + ", have " + openFileLimit(0)
                + " (hard " + openFileLimit(1) + "; raise ulimit -n)");
    }

    /** The soft (0) or hard (1) RLIMIT_NOFILE of this JVM; "unlimited" as Long.MAX_VALUE. */
    private static long openFileLimit(int which) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (!line.startsWith("Max open files")) continue;
            String v = line.substring("Max open files".length()).trim().split("\\s+")[which];
            return v.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(v);
        }
        throw new IllegalStateException("no open-file limit in /proc/self/limits");
    }

    @AfterEach
    void stopChild() throws Exception {
        if (child != null) {
            child.destroy();
            if (!child.waitFor(15, TimeUnit.SECONDS)) child.destroyForcibly();
        }
        for (AutoCloseable c : closeAfter.reversed()) c.close();
    }

    // ---------------------------------------------------------------- the daemon in its own JVM

    /** Starts {@code dormouse serve} in a JVM of its own with these routes, until the log shows {@code listening}; returns its HTTP port. */
    private int startChild(String routes, String listening) throws Exception {
        int http = TestDocker.freePort();
        Path cfg = dir.resolve("dormouse.yml");
        Files.writeString(cfg, "server:\n  http: \"127.0.0.1:" + http + "\"\n  admin: \"\"\n  data_dir: \"" + dir.resolve("data") + "\"\n"
                + "routes:\n" + routes);
        childLog = dir.resolve("daemon.log");
        String javaBin = ProcessHandle.current().info().command().orElseThrow();
        child = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "serve", "--config", cfg.toString())
                .redirectErrorStream(true).redirectOutput(childLog.toFile()).start();
        // The stream listeners start after the HTTP listener; each says so in the log.
        awaitChild("the stream listener", () -> {
            try {
                return Files.readString(childLog).contains(listening);
            } catch (IOException e) {
                return false;
            }
        });
        return http;
    }

    private void awaitChild(String what, BooleanSupplier cond) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!cond.getAsBoolean()) {
            if (!child.isAlive()) fail("the daemon exited with " + child.exitValue() + " waiting for " + what + ":\n" + Files.readString(childLog));
            // Deadline of a wait for the real child daemon process, whose time is not ours.
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what + ":\n" + Files.readString(childLog));
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
        }
    }

    private int childFds() {
        String[] fds = Path.of("/proc", Long.toString(child.pid()), "fd").toFile().list();
        return fds == null ? -1 : fds.length;
    }

    private long childRssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(child.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
        }
        throw new IllegalStateException("no VmRSS for the daemon");
    }

    /** Samples the daemon's open descriptors every 10 ms until stopped, keeping the highest count. */
    private final class FdWatch implements AutoCloseable {
        final AtomicInteger max = new AtomicInteger();
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread t = Thread.ofVirtual().start(() -> {
            while (!stop.get()) {
                max.accumulateAndGet(childFds(), Math::max);
                // The sampling rate of the descriptor count of a real child process, not a timer of the code.
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
            }
        });

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            t.join();
        }
    }

    private com.sun.net.httpserver.HttpServer plainHttp() throws IOException {
        com.sun.net.httpserver.HttpServer s = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", x -> {
            x.sendResponseHeaders(200, 2);
            x.getResponseBody().write("ok".getBytes(StandardCharsets.UTF_8));
            x.close();
        });
        s.start();
        closeAfter.add(() -> s.stop(0));
        return s;
    }

    private static String httpGet(int port, String host) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .header("Host", host).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    // ---------------------------------------------------------------- UDP: 5,000 source ports

    @Test
    void fiveThousandUdpSourcePortsStayWithinTheSessionBoundAndTheMemoryBudget() throws Exception {
        DatagramSocket echo = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        closeAfter.add(echo);
        echo.setReceiveBufferSize(4 << 20);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[2048];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                while (true) {
                    p.setLength(buf.length);
                    echo.receive(p);
                    seen.add(new String(buf, 0, p.getLength(), StandardCharsets.US_ASCII));
                    echo.send(new DatagramPacket(buf, p.getLength(), p.getSocketAddress()));
                }
            } catch (IOException e) {
                // closed at the end
            }
        });
        int listen = TestDocker.freePort();
        startChild("  - name: dns\n    listen: udp://127.0.0.1:" + listen + "\n    target: udp://127.0.0.1:" + echo.getLocalPort()
                + "\n    stream: {udp_max_sessions: " + UDP_MAX_SESSIONS + "}\n", "route dns: udp listening on");
        InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), listen);
        try (DatagramSocket warm = new DatagramSocket()) {
            warm.setSoTimeout(10_000);
            assertEquals("warm", ask(warm, at, "warm"));
        }
        int fdsBefore = childFds();
        long rssBefore = childRssKb();

        int n = 5000;
        List<DatagramSocket> clients = new ArrayList<>(n);
        try (FdWatch fds = new FdWatch()) {
            for (int i = 0; i < n; i++) {
                DatagramSocket c = new DatagramSocket();
                clients.add(c);
                closeAfter.add(c);
            }
            // In batches, each one reaching the upstream before the next: every datagram is a new session, none lost in a full buffer.
            for (int from = 0; from < n; from += 100) {
                int to = Math.min(n, from + 100);
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (true) {
                    boolean all = true;
                    for (int i = from; i < to; i++) {
                        if (seen.contains("q" + i)) continue;
                        all = false;
                        send(clients.get(i), at, "q" + i);
                    }
                    if (all) break;
                    // Time of the test, not the code's: the deadline of a wait for a condition.
                    if (System.nanoTime() > deadline) fail("datagrams " + from + ".." + to + " never reached the upstream");
                    long wait = System.nanoTime() + 200_000_000L;
                    int f = from;
                    // UDP may drop a datagram: resend after 200 ms of real time; the network's time, not a timer of the code.
                    while (System.nanoTime() < wait && !java.util.stream.IntStream.range(f, to).allMatch(i -> seen.contains("q" + i))) {
                        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
                    }
                }
            }
            int replied = 0;
            for (DatagramSocket c : clients) {
                c.setSoTimeout(1);
                try {
                    c.receive(new DatagramPacket(new byte[64], 64));
                    replied++;
                } catch (SocketTimeoutException e) {
                    // its reply came after its session was closed for a newer client
                }
            }
            // The clients of the newest sessions are answered again, on the sessions they have.
            int alive = 0;
            for (int i = n - 500; i < n; i++) {
                DatagramSocket c = clients.get(i);
                c.setSoTimeout(5000);
                assertEquals("again" + i, ask(c, at, "again" + i), "client " + i + " (a live session)");
                alive++;
            }
            // And one evicted long ago gets a new session.
            clients.get(0).setSoTimeout(5000);
            assertEquals("back", ask(clients.get(0), at, "back"), "the oldest client, evicted, comes back");
            long rssAfter = childRssKb();
            fds.close();
            System.out.printf("udp flood: %d source ports, %d first replies, %d live clients answered again; daemon fds %d before, max %d; "
                    + "VmRSS %d MB before, %d MB after (+%d MB)%n", n, replied, alive, fdsBefore, fds.max.get(),
                    rssBefore / 1024, rssAfter / 1024, (rssAfter - rssBefore) / 1024);
            assertTrue(fds.max.get() < UDP_MAX_SESSIONS + 200, "daemon fds peaked at " + fds.max.get() + " (before: " + fdsBefore + ")");
            assertTrue(rssAfter - rssBefore < 64 * 1024, "RSS grew by " + (rssAfter - rssBefore) / 1024 + " MB");
        }
    }

    private static void send(DatagramSocket s, InetSocketAddress to, String q) throws IOException {
        byte[] d = q.getBytes(StandardCharsets.US_ASCII);
        s.send(new DatagramPacket(d, d.length, to));
    }

    private static String ask(DatagramSocket s, InetSocketAddress to, String q) throws IOException {
        send(s, to, q);
        DatagramPacket p = new DatagramPacket(new byte[256], 256);
        s.receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
    }

    // ---------------------------------------------------------------- TCP: 3,000 connections

    /** Counts the connections it accepts and keeps them open, echoing what they send. */
    static final class HoldingUpstream implements AutoCloseable {
        final ServerSocket server;
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger maxOpen = new AtomicInteger();
        final List<Socket> sockets = new CopyOnWriteArrayList<>();

        HoldingUpstream() throws IOException {
            server = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        Socket s = server.accept();
                        accepted.incrementAndGet();
                        maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                        sockets.add(s);
                        Thread.ofVirtual().start(() -> {
                            try (s) {
                                InputStream in = s.getInputStream();
                                byte[] b = new byte[1024];
                                for (int k; (k = in.read(b)) > 0; ) s.getOutputStream().write(b, 0, k);
                            } catch (IOException e) {
                                // the relay closed it
                            } finally {
                                open.decrementAndGet();
                            }
                        });
                    }
                } catch (IOException e) {
                    // closed at the end
                }
            });
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) s.close();
        }
    }

    @Test
    void threeThousandTcpConnectionsAtMaxConnections1024AreRelayedAtMost1024AndTheDaemonKeepsServing() throws Exception {
        HoldingUpstream upstream = new HoldingUpstream();
        closeAfter.add(upstream);
        int httpUp = plainHttp().getAddress().getPort();
        int listen = TestDocker.freePort();
        int http = startChild("  - name: web\n    hosts: [web.test]\n    target: http://127.0.0.1:" + httpUp + "\n"
                + "  - name: game\n    listen: tcp://127.0.0.1:" + listen + "\n    target: tcp://127.0.0.1:" + upstream.server.getLocalPort()
                + "\n    stream: {max_connections: " + MAX_CONNECTIONS + "}\n", "route game: tcp listening on");
        int fdsBefore = childFds();

        int n = 3000;
        List<Socket> clients = new ArrayList<>(n);
        AtomicInteger closedByDaemon = new AtomicInteger();
        try (FdWatch fds = new FdWatch()) {
            for (int i = 0; i < n; i++) {
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress("127.0.0.1", listen), 10_000);
                } catch (SocketException e) {
                    // The daemon's reset can come before the connect call has seen the handshake end.
                    assertTrue(String.valueOf(e.getMessage()).contains("reset"), "connect " + i + ": " + e);
                    closedByDaemon.incrementAndGet();
                    s.close();
                    continue;
                }
                clients.add(s);
                Thread.ofVirtual().start(() -> {
                    try {
                        if (s.getInputStream().read() < 0) closedByDaemon.incrementAndGet();
                    } catch (SocketException e) {
                        if (!s.isClosed()) closedByDaemon.incrementAndGet(); // a reset
                    } catch (IOException e) {
                        // closed by the test
                    }
                });
            }
            awaitChild("every connection relayed or closed (relayed " + upstream.accepted + ", closed " + closedByDaemon + ")",
                    () -> upstream.accepted.get() + closedByDaemon.get() >= n);
            // The bound is on connections open at once: a relay that ends (a client reset by the kernel under load)
            // frees its slot for a later client, so the totals may exceed it by those, never the open count.
            awaitChild("max_connections relays open (" + upstream.open + " open)", () -> upstream.open.get() == MAX_CONNECTIONS);
            assertTrue(upstream.maxOpen.get() <= MAX_CONNECTIONS, "open at the upstream at once: " + upstream.maxOpen);
            int ended = upstream.accepted.get() - MAX_CONNECTIONS;
            assertTrue(ended >= 0 && ended < 10, "relays that ended early: " + ended);
            assertEquals(n - MAX_CONNECTIONS + ended, closedByDaemon.get(), "connections closed by the daemon");
            assertEquals("200 ok", httpGet(http, "web.test"), "an HTTP route while 1,024 connections are held");

            for (Socket s : clients) s.close();
            awaitChild("the relays to end (" + upstream.open + " open at the upstream)", () -> upstream.open.get() == 0);
            fds.close();
            System.out.printf("tcp flood: %d connections, %d relayed, %d closed by the daemon; daemon fds %d before, max %d, %d after%n",
                    n, upstream.accepted.get(), closedByDaemon.get(), fdsBefore, fds.max.get(), childFds());
            assertTrue(fds.max.get() < 2 * MAX_CONNECTIONS + 200, "daemon fds peaked at " + fds.max.get());
        }
        awaitChild("a new TCP connection to be relayed", () -> {
            try (Socket s = new Socket("127.0.0.1", listen)) {
                s.setSoTimeout(5000);
                s.getOutputStream().write("after\n".getBytes(StandardCharsets.US_ASCII));
                return "after\n".equals(new String(s.getInputStream().readNBytes(6), StandardCharsets.US_ASCII));
            } catch (IOException e) {
                return false;
            }
        });
        assertEquals("200 ok", httpGet(http, "web.test"), "the HTTP route afterwards");
        awaitChild("the daemon's descriptors to come back down", () -> childFds() < fdsBefore + 50);
        String log = Files.readString(childLog);
        assertEquals(1, log.split("refusing new connections: max_connections 1024 open", -1).length - 1, "one warning per burst:\n" + log);
    }

    // ---------------------------------------------------------------- in this JVM, with a container

    @Test
    void aSleepingTcpRouteHoldsAtMostMaxConnectionsDuringTheWakeAndClosesTheRestAtOnce() throws Exception {
        int app = TestDocker.freePort();
        int listen = TestDocker.freePort();
        String c = StreamIT.tcpEcho("tcp-max", app, true);
        daemon = ServeIT.start(dir, "  docker: [{name: local}]\n", StreamIT.stream("held", "tcp", listen, app, c, "idle_timeout: 1h")
                + "    stream: {max_connections: 4}\n");
        List<Socket> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Socket s = new Socket("127.0.0.1", listen);
            closeAfter.add(s);
            s.setSoTimeout(60_000);
            s.getOutputStream().write(("held " + i + "\n").getBytes(StandardCharsets.US_ASCII));
            held.add(s);
        }
        ServeIT.await("four connections held", () -> daemon.streams().stats("held").orElseThrow().open() == 4);
        for (int i = 0; i < 3; i++) {
            try (Socket extra = new Socket("127.0.0.1", listen)) {
                extra.setSoTimeout(2000);
                long t0 = System.nanoTime();
                assertTrue(closed(extra), "a fifth connection during the wake is closed");
                assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1), "closed at once, not after the wake");
            }
        }
        for (int i = 0; i < 4; i++) {
            assertEquals("held " + i + "\n", new String(held.get(i).getInputStream().readNBytes(7), StandardCharsets.US_ASCII));
        }
        assertEquals(3, daemon.streams().stats("held").orElseThrow().connectionsRefused());
        assertEquals("running", TestDocker.inspectStatus(c));
    }

    @Test
    void aTcpConnectionIdleForTheIdleTimeoutIsClosedByTheDaemon() throws Exception {
        HoldingUpstream upstream = new HoldingUpstream();
        closeAfter.add(upstream);
        int listen = TestDocker.freePort();
        daemon = ServeIT.start(dir, "  docker: [{name: local}]\n", "  - name: quiet\n    listen: tcp://127.0.0.1:" + listen + "\n    target: tcp://127.0.0.1:"
                + upstream.server.getLocalPort() + "\n    stream: {idle_timeout: 1s}\n");
        try (Socket s = new Socket("127.0.0.1", listen)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("x".getBytes(StandardCharsets.US_ASCII));
            assertEquals('x', s.getInputStream().read());
            long t0 = System.nanoTime();
            assertTrue(closed(s));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 900 && ms < 5000, "closed after " + ms + " ms");
        }
        ServeIT.await("the upstream's side closed too", () -> upstream.open.get() == 0);
        assertEquals(1, daemon.streams().stats("quiet").orElseThrow().closedIdle());
    }

    private static boolean closed(Socket s) throws IOException {
        try {
            return s.getInputStream().read() == -1;
        } catch (SocketException e) {
            return true; // reset
        } catch (SocketTimeoutException e) {
            return false;
        }
    }
}
