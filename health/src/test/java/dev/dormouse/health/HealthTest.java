package dev.dormouse.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.dormouse.core.HealthcheckConfig;
import dev.dormouse.core.NotificationConfig;
import dev.dormouse.core.StatusRange;
import dev.dormouse.core.testkit.ManualScheduler;
import java.io.FileInputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HealthTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> closing = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) c.close();
    }

    static HealthcheckConfig hc(int retries, String interval, String expected, boolean insecure) {
        return new HealthcheckConfig("/health", dev.dormouse.core.Durations.parse(interval), Duration.ofSeconds(2), retries, "GET",
                insecure, false, StatusRange.parse(expected), "", "");
    }

    /** The monitors' check intervals and the notifications' pauses between attempts. */
    private final ManualScheduler time = new ManualScheduler();

    /**
     * Moves time on in steps of {@code step} until {@code c} holds: each step lets the checks (and deliveries)
     * it started finish before the next, with a deadline on real time for the whole.
     */
    private void advanceUntil(String what, Duration step, BooleanSupplier c) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!c.getAsBoolean()) {
            // Deadline of the whole on real time; the monitors' time is moved by advance().
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            time.advance(step);
            LockSupport.parkNanos(1_000_000L);
        }
    }

    static void await(String what, BooleanSupplier c) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!c.getAsBoolean()) {
            // Time of the test, not the code's: the deadline of a wait for a condition.
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            LockSupport.parkNanos(5_000_000L);
        }
    }

    /** A target whose /health answers with the status the test sets. */
    private HttpServer target(AtomicInteger status) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", x -> {
            x.sendResponseHeaders(status.get(), -1);
            x.close();
        });
        s.start();
        closing.add(() -> s.stop(0));
        return s;
    }

    /** A webhook receiver collecting the bodies it gets; fails the first {@code failFirst} deliveries with 500. */
    private String receiver(List<String> got, int failFirst) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/hook", x -> {
            String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (calls.incrementAndGet() <= failFirst) {
                x.sendResponseHeaders(500, -1);
            } else {
                got.add(body + " auth=" + x.getRequestHeaders().getFirst("Authorization") + " x=" + x.getRequestHeaders().getFirst("X-Env"));
                x.sendResponseHeaders(204, -1);
            }
            x.close();
        });
        s.start();
        closing.add(() -> s.stop(0));
        return "http://127.0.0.1:" + s.getAddress().getPort() + "/hook";
    }

    private HealthMonitors monitors() {
        HealthMonitors m = new HealthMonitors(Clock.systemUTC(), time);
        closing.add(m);
        return m;
    }

    @Test
    void aTargetThatGoesDownAndComesBackNotifiesOnceEachWay() throws Exception {
        AtomicInteger status = new AtomicInteger(200);
        HttpServer t = target(status);
        List<String> got = new CopyOnWriteArrayList<>();
        Path token = dir.resolve("token");
        java.nio.file.Files.writeString(token, "s3cret\n");
        Notifications n = new Notifications(List.of(new NotificationConfig("hook", "webhook", receiver(got, 1), Optional.of(token),
                List.of(), Map.of("X-Env", "test"))), 4, Duration.ofMillis(20), time);
        HealthMonitors ms = monitors();
        ms.subscribe(n);
        URI uri = URI.create("http://127.0.0.1:" + t.getAddress().getPort());
        HealthcheckConfig cfg = hc(2, "50ms", "<500", false);
        HealthMonitor m = ms.add("web", cfg, Checks.forTarget(uri, cfg, cfg.expectedStatus()), () -> false);
        ms.start();
        Duration step = Duration.ofMillis(10);
        advanceUntil("healthy", step, () -> m.status() == HealthStatus.HEALTHY);
        status.set(503);
        advanceUntil("unhealthy", step, () -> m.status() == HealthStatus.UNHEALTHY);
        advanceUntil("down delivered (after one failed attempt)", step, () -> got.size() == 1);
        status.set(200);
        advanceUntil("healthy again", step, () -> m.status() == HealthStatus.HEALTHY);
        advanceUntil("up delivered", step, () -> got.size() == 2);
        long checks = m.snapshot().checks();
        advanceUntil("a few more checks", step, () -> m.snapshot().checks() > checks + 5);
        assertEquals(2, got.size(), String.join("\n", got));
        assertTrue(got.get(0).startsWith("{\"route\":\"web\",\"event\":\"down\",\"status\":\"unhealthy\",\"detail\":\"HTTP 503\""), got.get(0));
        assertTrue(got.get(0).endsWith(" auth=Bearer s3cret x=test"), got.get(0));
        assertTrue(got.get(1).contains("\"event\":\"up\",\"status\":\"healthy\""), got.get(1));
        HealthMonitor.Snapshot s = m.snapshot();
        assertTrue(s.lastHealthy().isPresent());
        assertEquals(0, s.consecutiveFailures());
    }

    @Test
    void ntfyAndGotifyGetTheirOwnFormats() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", x -> {
            got.add(x.getRequestURI().getPath() + " title=" + x.getRequestHeaders().getFirst("Title") + " key="
                    + x.getRequestHeaders().getFirst("X-Gotify-Key") + " auth=" + x.getRequestHeaders().getFirst("Authorization") + " body="
                    + new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        s.start();
        closing.add(() -> s.stop(0));
        Path token = dir.resolve("t");
        java.nio.file.Files.writeString(token, "tok");
        String base = "http://127.0.0.1:" + s.getAddress().getPort();
        Notifications n = new Notifications(List.of(
                new NotificationConfig("n", "ntfy", base + "/alerts", Optional.of(token), List.of("down"), Map.of()),
                new NotificationConfig("g", "gotify", base, Optional.of(token), List.of(), Map.of())), 1, Duration.ofMillis(10), time);
        n.accept(new StatusChange("db", HealthStatus.HEALTHY, HealthStatus.ERROR, "connection refused", 3, java.time.Instant.now()));
        await("both delivered", () -> got.size() == 2);
        assertTrue(got.stream().anyMatch(g -> g.equals("/alerts title=dormouse: db down key=null auth=Bearer tok body=route db is error: connection refused")), got.toString());
        assertTrue(got.stream().anyMatch(g -> g.startsWith("/message title=null key=tok auth=null body={\"title\":\"dormouse: db down\"")), got.toString());
        n.accept(new StatusChange("db", HealthStatus.ERROR, HealthStatus.HEALTHY, "connected", 1, java.time.Instant.now()));
        await("up to gotify only", () -> got.size() == 3);
        assertTrue(got.get(2).startsWith("/message"), got.get(2));
    }

    @Test
    void aCrashIsDownAtOnceAsCrashedAndUpWhenACheckPassesAgain() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        Notifications n = new Notifications(List.of(new NotificationConfig("hook", "webhook", receiver(got, 0), Optional.empty(),
                List.of(), Map.of())), 1, Duration.ofMillis(10), time);
        HealthMonitors ms = monitors();
        ms.subscribe(n);
        java.util.concurrent.atomic.AtomicBoolean up = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicBoolean notReady = new java.util.concurrent.atomic.AtomicBoolean(false);
        HealthcheckConfig cfg = hc(3, "20ms", "<500", false);
        HealthMonitor m = ms.add("web", cfg, timeout -> up.get() ? new CheckResult(true, false, Duration.ZERO, "HTTP 200")
                : new CheckResult(false, false, Duration.ZERO, "container web is stopped"), notReady::get);
        ms.start();
        Duration step = Duration.ofMillis(10);
        advanceUntil("healthy", step, () -> m.status() == HealthStatus.HEALTHY);

        up.set(false);
        notReady.set(true); // the watcher no longer calls the route ready: a monitor would see a nap
        ms.crashed("web", "exited with code 137");
        assertEquals(HealthStatus.ERROR, m.status(), "down at once, not after three failed checks");
        assertTrue(m.snapshot().detail().startsWith("exited with code 137"), m.snapshot().detail());
        await("crashed delivered", () -> got.size() == 1);
        assertTrue(got.get(0).startsWith("{\"route\":\"web\",\"event\":\"crashed\",\"status\":\"error\",\"detail\":\"exited with code 137\""),
                got.get(0));
        long checks = m.snapshot().checks();
        advanceUntil("a few more checks", step, () -> m.snapshot().checks() > checks + 5);
        assertEquals(HealthStatus.ERROR, m.status(), "still down, never napping, while the container is stopped");
        assertEquals("exited with code 137 (container web is stopped)", m.snapshot().detail());
        ms.crashed("web", "exited with code 137");
        assertEquals(1, got.size(), "one notification per episode");

        notReady.set(false);
        up.set(true); // woken by the next request
        ms.recovered("web");
        await("healthy again, checked at once without waiting for a turn", () -> m.status() == HealthStatus.HEALTHY);
        await("up delivered", () -> got.size() == 2);
        assertTrue(got.get(1).contains("\"event\":\"up\",\"status\":\"healthy\""), got.get(1));
        assertFalse(m.downByCrash());
    }

    @Test
    void aRouteWithoutAMonitorStillReportsItsCrashAndItsRecovery() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        Notifications n = new Notifications(List.of(new NotificationConfig("hook", "webhook", receiver(got, 0), Optional.empty(),
                List.of(), Map.of())), 1, Duration.ofMillis(10), time);
        HealthMonitors ms = monitors();
        ms.subscribe(n);
        List<StatusChange> changes = new CopyOnWriteArrayList<>();
        ms.subscribe(changes::add);
        ms.crashed("unchecked", "OOM killed");
        ms.crashed("unchecked", "OOM killed");
        await("crashed delivered", () -> got.size() == 1);
        assertTrue(got.get(0).contains("\"event\":\"crashed\",\"status\":\"error\",\"detail\":\"OOM killed\""), got.get(0));
        ms.recovered("unchecked");
        ms.recovered("unchecked");
        await("up delivered", () -> got.size() == 2);
        assertTrue(got.get(1).contains("\"event\":\"up\""), got.get(1));
        ms.recovered("unchecked");
        assertEquals(2, changes.size(), "a recovery without a crash before it is no change: " + changes);
        assertEquals(2, got.size(), String.join("\n", got));
    }

    @Test
    void crashesAndFailedWakesGoToTheNotifiersThatAskForThemInEachFormat() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", x -> {
            got.add(x.getRequestURI().getPath() + " title=" + x.getRequestHeaders().getFirst("Title") + " tags="
                    + x.getRequestHeaders().getFirst("Tags") + " priority=" + x.getRequestHeaders().getFirst("Priority") + " body="
                    + new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        s.start();
        closing.add(() -> s.stop(0));
        String base = "http://127.0.0.1:" + s.getAddress().getPort();
        Notifications n = new Notifications(List.of(
                new NotificationConfig("n", "ntfy", base + "/alerts", Optional.empty(), List.of("down"), Map.of()),
                new NotificationConfig("g", "gotify", base, Optional.empty(), List.of("wake_failed"), Map.of()),
                new NotificationConfig("w", "webhook", base + "/hook", Optional.empty(), List.of("crashed", "wake_failed"), Map.of())),
                1, Duration.ofMillis(10), time);
        java.time.Instant t = java.time.Instant.parse("2026-11-23T10:00:00Z");
        n.accept(new StatusChange("db", HealthStatus.HEALTHY, HealthStatus.ERROR, "exited with code 137", 0, t, true));
        await("the crash to ntfy (it wants downs) and the webhook", () -> got.size() == 2);
        assertTrue(got.contains("/alerts title=dormouse: db crashed tags=boom priority=high body=route db crashed: exited with code 137"), got.toString());
        assertTrue(got.contains("/hook title=null tags=null priority=null body={\"route\":\"db\",\"event\":\"crashed\",\"status\":\"error\","
                + "\"detail\":\"exited with code 137\",\"latency_ms\":0,\"time\":\"2026-11-23T10:00:00Z\"}"), got.toString());
        got.clear();
        n.wakeFailed("app", "wake of route 'app' timed out after 2s (container app did not become ready)", t);
        await("the failed wake to gotify and the webhook", () -> got.size() == 2);
        assertTrue(got.contains("/message title=null tags=null priority=null body={\"title\":\"dormouse: app wake_failed\",\"message\":"
                + "\"route app failed to wake: wake of route 'app' timed out after 2s (container app did not become ready)\",\"priority\":8}"),
                got.toString());
        assertTrue(got.stream().anyMatch(g -> g.startsWith("/hook") && g.contains("\"event\":\"wake_failed\",\"status\":\"error\"")), got.toString());
        got.clear();
        n.accept(new StatusChange("web", HealthStatus.HEALTHY, HealthStatus.UNHEALTHY, "HTTP 503", 2, t));
        await("a plain down to ntfy only", () -> got.size() == 1);
        assertTrue(got.get(0).startsWith("/alerts title=dormouse: web down tags=warning"), got.get(0));
    }

    @Test
    void aFlappingTargetWithThreeRetriesNeverNotifies() throws Exception {
        AtomicInteger status = new AtomicInteger(200);
        AtomicInteger calls = new AtomicInteger();
        HttpServer t = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        t.createContext("/", x -> {
            x.sendResponseHeaders(calls.incrementAndGet() % 2 == 0 ? 503 : 200, -1);
            x.close();
        });
        t.start();
        closing.add(() -> t.stop(0));
        List<String> got = new CopyOnWriteArrayList<>();
        Notifications n = new Notifications(List.of(new NotificationConfig("hook", "webhook", receiver(got, 0), Optional.empty(),
                List.of(), Map.of())), 1, Duration.ofMillis(10), time);
        HealthMonitors ms = monitors();
        ms.subscribe(n);
        HealthcheckConfig cfg = hc(3, "20ms", "<500", false);
        HealthMonitor m = ms.add("flap", cfg, Checks.forTarget(URI.create("http://127.0.0.1:" + t.getAddress().getPort()), cfg,
                cfg.expectedStatus()), () -> false);
        ms.start();
        advanceUntil("40 checks", Duration.ofMillis(20), () -> m.snapshot().checks() >= 40);
        assertEquals(0, got.size());
        assertFalse(m.status().isDown());
        assertTrue(status.get() == 200);
    }

    @Test
    void aNappingRouteIsNeverChecked() throws Exception {
        AtomicInteger hits = new AtomicInteger();
        HealthMonitors ms = monitors();
        HealthcheckConfig cfg = hc(1, "20ms", "<500", false);
        HealthMonitor m = ms.add("sleepy", cfg, timeout -> {
            hits.incrementAndGet();
            return new CheckResult(true, false, Duration.ZERO, "ok");
        }, () -> true);
        ms.start();
        for (int i = 0; i < 20; i++) time.advance(Duration.ofMillis(20));
        await("napping", () -> m.status() == HealthStatus.NAPPING);
        assertEquals(0, hits.get(), "twenty intervals, no check");
        assertEquals(0, m.snapshot().checks());
    }

    @Test
    void statusesAndTls() throws Exception {
        AtomicInteger status = new AtomicInteger(404);
        HttpServer t = target(status);
        URI plain = URI.create("http://127.0.0.1:" + t.getAddress().getPort());
        HealthcheckConfig below500 = hc(1, "1s", "<500", false);
        assertTrue(Checks.forTarget(plain, below500, below500.expectedStatus()).check(Duration.ofSeconds(2)).healthy(), "404 is healthy");
        status.set(503);
        CheckResult r503 = Checks.forTarget(plain, below500, below500.expectedStatus()).check(Duration.ofSeconds(2));
        assertFalse(r503.healthy());
        assertFalse(r503.error());
        assertEquals("HTTP 503", r503.detail());
        status.set(204);
        HealthcheckConfig only200 = hc(1, "1s", "200", false);
        assertFalse(Checks.forTarget(plain, only200, only200.expectedStatus()).check(Duration.ofSeconds(2)).healthy());

        URI https = URI.create("https://127.0.0.1:" + selfSignedServer());
        HealthcheckConfig verify = hc(1, "1s", "<500", false);
        CheckResult strict = Checks.forTarget(https, verify, verify.expectedStatus()).check(Duration.ofSeconds(5));
        assertFalse(strict.healthy(), "a self-signed certificate is not trusted");
        assertTrue(strict.error());
        assertTrue(strict.detail().startsWith("TLS: "), strict.detail());
        HealthcheckConfig insecure = hc(1, "1s", "<500", true);
        CheckResult lax = Checks.forTarget(https, insecure, insecure.expectedStatus()).check(Duration.ofSeconds(5));
        assertTrue(lax.healthy(), lax.detail());

        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        CheckResult refused = Checks.forTarget(URI.create("tcp://127.0.0.1:" + closed), verify, verify.expectedStatus()).check(Duration.ofSeconds(1));
        assertEquals("connection refused", refused.detail());
        assertTrue(refused.error());
    }

    private int selfSignedServer() throws Exception {
        Path ks = dir.resolve("self.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", "t",
                "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", "changeit", "-ext", "SAN=dns:localhost,ip:127.0.0.1")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(ks.toFile())) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(ctx));
        s.createContext("/", x -> {
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        s.start();
        closing.add(() -> s.stop(0));
        return s.getAddress().getPort();
    }

    @Test
    void udpTargetsAnswerWhatIsSent() throws Exception {
        java.net.DatagramSocket echo = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress());
        closing.add(echo);
        Thread.ofVirtual().start(() -> {
            byte[] b = new byte[512];
            while (!echo.isClosed()) {
                try {
                    java.net.DatagramPacket p = new java.net.DatagramPacket(b, b.length);
                    echo.receive(p);
                    byte[] out = ("pong:" + new String(b, 0, p.getLength(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
                    echo.send(new java.net.DatagramPacket(out, out.length, p.getSocketAddress()));
                } catch (java.io.IOException e) {
                    return;
                }
            }
        });
        URI uri = URI.create("udp://127.0.0.1:" + echo.getLocalPort());
        HealthcheckConfig good = new HealthcheckConfig("/", Duration.ofSeconds(1), Duration.ofSeconds(1), 1, "GET", false, false,
                StatusRange.BELOW_500, "ping", "pong:ping");
        assertTrue(Checks.forTarget(uri, good, good.expectedStatus()).check(Duration.ofSeconds(1)).healthy());
        HealthcheckConfig wrong = new HealthcheckConfig("/", Duration.ofSeconds(1), Duration.ofSeconds(1), 1, "GET", false, false,
                StatusRange.BELOW_500, "ping", "PONG");
        CheckResult r = Checks.forTarget(uri, wrong, wrong.expectedStatus()).check(Duration.ofSeconds(1));
        assertFalse(r.healthy());
        assertEquals("answer without 'PONG'", r.detail());
        echo.close();
        CheckResult gone = Checks.forTarget(uri, good, good.expectedStatus()).check(Duration.ofSeconds(1));
        assertFalse(gone.healthy());
    }

    @Test
    void aThousandMonitorsAreAThousandPendingTasksSpreadOverOneInterval() throws Exception {
        ServerSocket listener = new ServerSocket(0, 4096);
        closing.add(listener);
        Thread.ofVirtual().start(() -> {
            while (!listener.isClosed()) {
                try {
                    listener.accept().close();
                } catch (java.io.IOException e) {
                    return;
                }
            }
        });
        HealthMonitors ms = monitors();
        URI uri = URI.create("tcp://127.0.0.1:" + listener.getLocalPort());
        HealthcheckConfig cfg = hc(3, "1s", "<500", false);
        List<HealthMonitor> all = new java.util.ArrayList<>();
        for (int i = 0; i < 1000; i++) all.add(ms.add("r" + i, cfg, Checks.forTarget(uri, cfg, cfg.expectedStatus()), () -> false));
        ms.start();
        assertEquals(1000, time.pending(), "one pending task per monitor, no thread of its own");
        int fired = 0;
        for (int tenth = 0; tenth < 10; tenth++) {
            int now = time.advance(Duration.ofMillis(100));
            assertTrue(now < 300, "first checks spread over the interval, got " + now + " in one tenth of it");
            fired += now;
        }
        assertEquals(1000, fired, "each monitor's first check within its first interval");
        await("every monitor checked", () -> all.stream().allMatch(m -> m.status() == HealthStatus.HEALTHY));
        ms.close();
        assertEquals(0, time.pending(), "closing cancels every monitor's turns");
    }
}
