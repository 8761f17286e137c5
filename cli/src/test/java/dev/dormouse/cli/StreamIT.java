package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.testkit.ManualScheduler;
import dev.dormouse.provider.docker.testkit.TestDocker;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** TCP and UDP routes in front of real sleeping containers: every byte and datagram arrives. */
class StreamIT extends EngineTest {
    /** A TCP echo server on 127.0.0.1:port, stopped if asked; returns the container's name. */
    static String tcpEcho(String base, int port, boolean stopped) {
        String c = ServeIT.name(base);
        TestDocker.run(c, "--network", "host", TestDocker.IMAGE, "echod", "tcp", Integer.toString(port));
        TestDocker.waitForPort(port, Duration.ofSeconds(20));
        if (stopped) stop(c);
        return c;
    }

    static void stop(String c) {
        TestDocker.exec("stop", "-t", "5", c);
        ServeIT.await(c + " stopped", () -> TestDocker.inspectStatus(c).equals("exited"));
    }

    /** The daemon's time: it passes as real time does, and a test skips the long waits. */
    private final ManualScheduler time = ManualScheduler.flowing();

    @AfterEach
    void stopTime() {
        time.close();
    }

    void serve(String routes) throws Exception {
        daemon = ServeIT.start(dir, "  docker: [{name: local}]\n", routes, time);
    }

    static String stream(String name, String scheme, int listen, int target, String container, String idle) {
        return "  - name: " + name + "\n    listen: " + scheme + "://127.0.0.1:" + listen + "\n    target: " + scheme + "://127.0.0.1:" + target
                + "\n    container: " + container + "\n    idlewatcher: {" + idle + "}\n";
    }

    // ---------------------------------------------------------------- 1. first bytes

    @Test
    void theFirstBytesOnASleepingRouteAreEchoedAfterTheWake() throws Exception {
        int app = TestDocker.freePort();
        int listen = TestDocker.freePort();
        String c = tcpEcho("tcp-first", app, true);
        serve(stream("echo", "tcp", listen, app, c, "idle_timeout: 1h"));
        try (Socket s = new Socket("127.0.0.1", listen)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write("hello before the wake\n".getBytes(StandardCharsets.UTF_8));
            byte[] back = new DataInputStream(s.getInputStream()).readNBytes(22);
            assertEquals("hello before the wake\n", new String(back, StandardCharsets.UTF_8));
        }
        assertEquals("running", TestDocker.inspectStatus(c));
    }

    // ---------------------------------------------------------------- 2. one start for 100 connections

    @Test
    void aHundredConnectionsDuringOneWakeAllSucceedWithOneStart() throws Exception {
        int app = TestDocker.freePort();
        int listen = TestDocker.freePort();
        String c = tcpEcho("tcp-many", app, true);
        serve(stream("many", "tcp", listen, app, c, "idle_timeout: 1h"));
        int before = TestDocker.countEvents(c, "start", Instant.EPOCH);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> all = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String line = "connection " + i + "\n";
                all.add(pool.submit(() -> {
                    try (Socket s = new Socket("127.0.0.1", listen)) {
                        s.setSoTimeout(60_000);
                        s.getOutputStream().write(line.getBytes(StandardCharsets.UTF_8));
                        return new String(new DataInputStream(s.getInputStream()).readNBytes(line.length()), StandardCharsets.UTF_8);
                    }
                }));
            }
            for (int i = 0; i < 100; i++) assertEquals("connection " + i + "\n", all.get(i).get(90, TimeUnit.SECONDS));
        }
        assertEquals(1, TestDocker.countEvents(c, "start", Instant.EPOCH) - before, "container starts for 100 connections");
        assertEquals(100, daemon.streams().stats("many").orElseThrow().connections());
    }

    // ---------------------------------------------------------------- 3. 100 MiB both ways

    @Test
    void aHundredMebibytesGoThroughByteIdenticalBothWays() throws Exception {
        int app = TestDocker.freePort();
        int listen = TestDocker.freePort();
        String c = tcpEcho("tcp-bulk", app, true);
        serve(stream("bulk", "tcp", listen, app, c, "idle_timeout: 1h"));
        long size = 100L * 1024 * 1024;
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        try (Socket s = new Socket("127.0.0.1", listen)) {
            s.setSoTimeout(60_000);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    Random r = new Random(42);
                    byte[] chunk = new byte[64 * 1024];
                    for (long n = 0; n < size; n += chunk.length) {
                        r.nextBytes(chunk);
                        sent.update(chunk);
                        out.write(chunk);
                    }
                    s.shutdownOutput();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            for (int n; total < size && (n = in.read(buf)) > 0; ) {
                got.update(buf, 0, n);
                total += n;
            }
            writer.join();
            assertEquals(size, total);
        }
        assertArrayEquals(sent.digest(), got.digest());
        assertTrue(daemon.streams().stats("bulk").orElseThrow().bytesIn() >= size);
    }

    // ---------------------------------------------------------------- 4. UDP

    @Test
    void datagramsSentOnceDuringTheWakeAreAllAnswered() throws Exception {
        int app = TestDocker.freePort();
        int listen = TestDocker.freePort();
        String c = ServeIT.name("udp");
        TestDocker.run(c, "--network", "host", TestDocker.IMAGE, "echod", "udp", Integer.toString(app));
        stop(c);
        serve(stream("dns", "udp", listen, app, c, "idle_timeout: 1h"));
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(30_000);
            InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), listen);
            Set<String> expected = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                byte[] d = ("datagram " + i).getBytes(StandardCharsets.UTF_8);
                expected.add("datagram " + i);
                s.send(new DatagramPacket(d, d.length, to));
            }
            Set<String> answered = new HashSet<>();
            byte[] buf = new byte[2048];
            while (answered.size() < 20) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                s.receive(p);
                answered.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
            }
            assertEquals(expected, answered);
        }
        assertEquals(0, daemon.streams().stats("dns").orElseThrow().datagramsDropped());
    }

    // ---------------------------------------------------------------- 5. sleep after the last session

    @Test
    void theContainerSleepsAfterTheLastSessionClosesAndTheIdleTimeoutPasses() throws Exception {
        int app = TestDocker.freePort();
        int listen = TestDocker.freePort();
        String c = tcpEcho("tcp-idle", app, false);
        serve(stream("idle", "tcp", listen, app, c, "idle_timeout: 2s, stop_timeout: 2s"));
        try (Socket s = new Socket("127.0.0.1", listen)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("x\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("x\n", new String(new DataInputStream(s.getInputStream()).readNBytes(2), StandardCharsets.UTF_8));
            time.advance(Duration.ofSeconds(5));
            assertEquals("running", TestDocker.inspectStatus(c), "an open session keeps the route awake well past the idle timeout");
        }
        ServeIT.await("asleep after the session closed", () -> TestDocker.inspectStatus(c).equals("exited"));
    }

    // ---------------------------------------------------------------- wake failure

    @Test
    void aFailedWakeResetsTheHeldConnectionAndTheNextOneTriesAgain() throws Exception {
        int app = TestDocker.freePort();
        int listen = TestDocker.freePort();
        String c = ServeIT.name("tcp-mute");
        TestDocker.run(c, "--network", "host", TestDocker.IMAGE, "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done");
        stop(c);
        serve(stream("mute", "tcp", listen, app, c, "idle_timeout: 1h, wake_timeout: 2s"));
        var watcher = daemon.watchers().get("mute").orElseThrow();
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        watcher.subscribe(e -> events.add(e.type().label()));
        for (int attempt = 1; attempt <= 2; attempt++) {
            if (attempt == 2) time.advance(Duration.ofSeconds(1)); // the backoff after the failed wake
            long t0 = System.nanoTime();
            try (Socket s = new Socket("127.0.0.1", listen)) {
                s.setSoTimeout(15_000);
                s.getOutputStream().write("anyone?\n".getBytes(StandardCharsets.UTF_8));
                int r;
                try {
                    r = s.getInputStream().read();
                } catch (java.net.SocketException e) {
                    r = -2; // reset: the documented way a held connection ends when the wake fails
                }
                assertEquals(-2, r, "expected a reset");
            }
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
            int n = attempt;
            ServeIT.await("error event " + n + " in " + events, () -> events.stream().filter("error"::equals).count() == n);
        }
        assertTrue(watcher.lastError().orElseThrow().contains("timed out after 2s"), watcher.lastError().toString());
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void aTakenPortIsAClearErrorAndTheOtherRoutesStillServe() throws Exception {
        int app = TestDocker.freePort();
        String c = tcpEcho("tcp-taken", app, false);
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int httpPort = TestDocker.freePort();
            com.sun.net.httpserver.HttpServer plain = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", httpPort), 0);
            plain.createContext("/", x -> {
                x.sendResponseHeaders(200, 2);
                x.getResponseBody().write("ok".getBytes(StandardCharsets.UTF_8));
                x.close();
            });
            plain.start();
            try {
                serve(stream("taken", "tcp", taken.getLocalPort(), app, c, "idle_timeout: 1h")
                        + "  - name: web\n    hosts: [web.test]\n    target: http://127.0.0.1:" + httpPort + "\n");
                assertEquals("route taken: listen tcp://127.0.0.1:" + taken.getLocalPort() + ": address already in use",
                        daemon.streams().errors().get("taken"));
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + daemon.httpPort() + "/")).header("Host", "web.test").build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals("ok", r.body());
            } finally {
                plain.stop(0);
            }
        }
    }
}
