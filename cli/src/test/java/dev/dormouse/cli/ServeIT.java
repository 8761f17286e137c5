package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.ProviderKinds;
import dev.dormouse.core.Scheduler;
import dev.dormouse.core.testkit.ManualScheduler;
import dev.dormouse.provider.docker.testkit.TestDocker;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The whole daemon in-process against the real Docker engine: what a user of a sleeping route sees. */
class ServeIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String SUFFIX = Long.toHexString(new Random().nextLong() & 0xffffffL);

    @TempDir
    Path dir;
    private Daemon daemon;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    /** The daemon's time: it passes as real time does, and a test skips the long waits (idle timeouts, check intervals). */
    private final ManualScheduler time = ManualScheduler.flowing();

    @BeforeAll
    static void engine() {
        TestDocker.ensureEngine();
    }

    @AfterEach
    void cleanup() throws Exception {
        for (AutoCloseable c : closeables) c.close();
        if (daemon != null) daemon.close();
        time.close();
        TestDocker.removeAll();
    }

    // ---------------------------------------------------------------- helpers

    static String name(String base) {
        return "dm-it-" + base + "-" + SUFFIX;
    }

    /** A busybox httpd serving {@code body} at / that exits cleanly on SIGTERM; returns the container name. */
    static String httpd(String base, int port, String body, String... extraScript) {
        String name = name(base);
        String script = "mkdir -p /www/cgi-bin && echo '" + body + "' > /www/index.html && " + String.join(" && ", extraScript)
                + (extraScript.length > 0 ? " && " : "")
                + "trap 'kill $pid; exit 0' TERM; httpd -f -p 127.0.0.1:" + port + " -h /www & pid=$!; wait";
        TestDocker.run(name, "--network", "host", TestDocker.IMAGE, "sh", "-c", script);
        TestDocker.waitForPort(port, Duration.ofSeconds(20));
        return name;
    }

    void stop(String container) {
        TestDocker.exec("stop", "-t", "5", container);
        await(container + " stopped", () -> TestDocker.inspectStatus(container).equals("exited"));
    }

    void serve(String routes) throws Exception {
        daemon = start(dir, "  docker: [{name: local}]\n", routes, time);
    }

    /** Writes a config with an ephemeral HTTP port, the given providers and routes into {@code dir}, and starts a daemon on it. */
    static Daemon start(Path dir, String providers, String routes) throws Exception {
        return start(dir, providers, routes, Scheduler.system());
    }

    /** {@link #start(Path, String, String)} with the daemon's time on {@code time}. */
    static Daemon start(Path dir, String providers, String routes, Scheduler time) throws Exception {
        String yaml = "server:\n  http: \"127.0.0.1:0\"\n  admin: \"\"\n  data_dir: \"" + dir.resolve("data") + "\"\n"
                + "providers:\n" + providers + "routes:\n" + routes;
        Path cfg = dir.resolve("dormouse.yml");
        Files.writeString(cfg, yaml);
        Daemon d = new Daemon(ConfigLoader.load(cfg), ProviderKinds.installed(), time);
        d.start();
        return d;
    }

    static String route(String name, String host, int port, String container, String idle) {
        return "  - name: " + name + "\n    hosts: [" + host + "]\n    target: http://127.0.0.1:" + port
                + "\n    container: " + container + "\n    idlewatcher: {" + idle + "}\n";
    }

    HttpResponse<String> get(String host, String path, String accept) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + path))
                .header("Host", host).header("Accept", accept).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static void await(String what, BooleanSupplier cond) {
        await(what, Duration.ofSeconds(30), cond);
    }

    static void await(String what, Duration bound, BooleanSupplier cond) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!cond.getAsBoolean()) {
            // Time of the test, not the code's: the deadline of a wait for a condition.
            if (System.nanoTime() > deadline) fail("timed out after " + bound.toSeconds() + "s waiting for " + what);
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
        }
    }

    // ---------------------------------------------------------------- 1. sleep and wake per stop method

    @ParameterizedTest
    @ValueSource(strings = {"stop", "pause", "kill"})
    void sleepsAfterIdleAndWakesOnTheNextRequest(String method) throws Exception {
        int port = TestDocker.freePort();
        String c = httpd("idle-" + method, port, "hello " + method);
        serve(route("app", "app.test", port, c, "idle_timeout: 2s, stop_method: " + method + ", stop_timeout: 5s"));

        HttpResponse<String> first = get("app.test", "/", "*/*");
        assertEquals(200, first.statusCode());
        assertEquals("hello " + method, first.body().strip());

        String asleep = method.equals("pause") ? "paused" : "exited";
        Instant t0 = Instant.now();
        await(c + " " + asleep + " after the idle timeout", () -> TestDocker.inspectStatus(c).equals(asleep));
        assertTrue(Duration.between(t0, Instant.now()).toMillis() >= 1000, "slept too early");

        HttpResponse<String> woken = get("app.test", "/", "*/*");
        assertEquals(200, woken.statusCode(), woken.body());
        assertEquals("hello " + method, woken.body().strip());
        assertEquals("running", TestDocker.inspectStatus(c));
    }

    // ---------------------------------------------------------------- 2. loading page in a real browser

    @Test
    void aBrowserSeesTheLoadingPageThenTheApp() throws Exception {
        Assumptions.assumeTrue(Chrome.available() || System.getenv("CI") != null, "chromium and chromedriver are not installed");
        int port = TestDocker.freePort();
        String c = httpd("browser", port, "hello from the app");
        stop(c);
        serve(route("browser-app", "browser-app.localhost", port, c, "idle_timeout: 1h"));

        HttpResponse<String> nav = get("browser-app.localhost", "/", "text/html,application/xhtml+xml");
        assertEquals(503, nav.statusCode());
        assertTrue(nav.headers().firstValue("Retry-After").isPresent());
        assertEquals("no-store", nav.headers().firstValue("Cache-Control").orElse(""));
        assertTrue(nav.body().contains("<title>browser-app"), nav.body());
        await("container running", () -> TestDocker.inspectStatus(c).equals("running"));
        stop(c);
        await("route napping", () -> daemonState("browser-app").equals("napping"));

        try (Chrome chrome = Chrome.start()) {
            // The wake can finish before the first read, so the loading page is proven by what it did: it reloaded.
            chrome.open("http://browser-app.localhost:" + daemon.httpPort() + "/");
            await("the page to end on the app's content", () -> {
                try {
                    return chrome.text().contains("hello from the app");
                } catch (Exception e) {
                    return false;
                }
            });
            assertEquals("reload", chrome.eval("return performance.getEntriesByType('navigation')[0].type"),
                    "the app must be reached through the loading page's reload");
        }
    }

    private String daemonState(String route) {
        return daemon.watchers().get(route).orElseThrow().state().label();
    }

    // ---------------------------------------------------------------- 3. one start for 200 held requests

    @Test
    void twoHundredConcurrentRequestsShareOneStart() throws Exception {
        int port = TestDocker.freePort();
        String c = httpd("burst", port, "burst ok");
        stop(c);
        serve(route("burst", "burst.test", port, c, "idle_timeout: 1h"));
        int before = TestDocker.countEvents(c, "start", Instant.EPOCH);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 200; i++) all.add(pool.submit(() -> get("burst.test", "/", "*/*")));
            for (Future<HttpResponse<String>> f : all) {
                HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("burst ok", r.body().strip());
            }
        }
        assertEquals(1, TestDocker.countEvents(c, "start", Instant.EPOCH) - before, "container starts for 200 requests");
    }

    // ---------------------------------------------------------------- 4. bodies and WebSockets

    @Test
    void aLargePostToASleepingRouteArrivesIntact() throws Exception {
        int port = TestDocker.freePort();
        // CGI output reaches the proxy as written; headers end with CRLF as HTTP requires.
        String cgi = "printf '#!/bin/sh\\nprintf \"Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n\"\\n/bin/busybox head -c $CONTENT_LENGTH | /bin/busybox md5sum\\n'"
                + " > /www/cgi-bin/sum && chmod +x /www/cgi-bin/sum";
        String c = httpd("post", port, "post ok", cgi);
        stop(c);
        serve(route("post", "post.test", port, c, "idle_timeout: 1h"));
        byte[] body = new byte[5 * 1024 * 1024];
        new Random(7).nextBytes(body);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/cgi-bin/sum"))
                .header("Host", "post.test").header("Content-Type", "application/octet-stream")
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().startsWith(expected), "md5 of what arrived: " + r.body() + ", sent: " + expected);
    }

    @Test
    void anOpenWebSocketKeepsTheRouteAwake() throws Exception {
        int wsPort = TestDocker.freePort();
        Undertow ws = Undertow.builder().addHttpListener(wsPort, "127.0.0.1")
                .setHandler(Handlers.websocket((exchange, channel) -> {
                    channel.getReceiveSetter().set(new AbstractReceiveListener() {
                        @Override
                        protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage m) {
                            WebSockets.sendText("echo:" + m.getData(), ch, null);
                        }
                    });
                    channel.resumeReceives();
                })).build();
        ws.start();
        closeables.add(ws::stop);
        // the route's container is a plain sleeper; the WebSocket upstream runs in the test
        String c = name("ws");
        TestDocker.run(c, "--network", "host", TestDocker.IMAGE, "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done");
        serve(route("ws", "localhost", wsPort, c, "idle_timeout: 2s, stop_timeout: 2s"));

        LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        WebSocket socket = HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://localhost:" + daemon.httpPort() + "/chat"),
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        got.add(data.toString());
                        w.request(1);
                        return null;
                    }
                }).get(30, TimeUnit.SECONDS);
        socket.sendText("hi", true).get(5, TimeUnit.SECONDS);
        assertEquals("echo:hi", got.poll(10, TimeUnit.SECONDS));
        time.advance(Duration.ofSeconds(6));
        assertEquals("running", TestDocker.inspectStatus(c), "an open WebSocket must keep the route awake through three idle timeouts");
        assertEquals("ready", daemonState("ws"));
        socket.sendText("still", true).get(5, TimeUnit.SECONDS);
        assertEquals("echo:still", got.poll(10, TimeUnit.SECONDS));
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
        await("asleep after the socket closed", () -> TestDocker.inspectStatus(c).equals("exited"));
    }

    // ---------------------------------------------------------------- 5. dependencies

    @Test
    void dependenciesWakeFirstAndASharedOneStaysAwake() throws Exception {
        int dbPort = TestDocker.freePort();
        int appPort = TestDocker.freePort();
        int app2Port = TestDocker.freePort();
        String db = httpd("db", dbPort, "db");
        String app = httpd("app", appPort, "app");
        String app2 = httpd("app2", app2Port, "app2");
        stop(db);
        stop(app);
        stop(app2);
        serve(route("db", "db.test", dbPort, db, "idle_timeout: 1s")
                + route("app", "app.test", appPort, app, "idle_timeout: 2s, depends_on: [db]")
                + route("app2", "app2.test", app2Port, app2, "idle_timeout: 1h, depends_on: [db]"));

        assertEquals(200, get("app.test", "/", "*/*").statusCode());
        Instant dbStarted = Instant.parse(TestDocker.exec("inspect", "-f", "{{.State.StartedAt}}", db).strip());
        Instant appStarted = Instant.parse(TestDocker.exec("inspect", "-f", "{{.State.StartedAt}}", app).strip());
        assertTrue(dbStarted.isBefore(appStarted), "db must start before app: " + dbStarted + " vs " + appStarted);

        assertEquals(200, get("app2.test", "/", "*/*").statusCode());
        await("app asleep", () -> TestDocker.inspectStatus(app).equals("exited"));
        time.advance(Duration.ofSeconds(3));
        assertEquals("running", TestDocker.inspectStatus(db), "db must stay awake while app2 is awake, its idle timeout thrice over");
        assertEquals("ready", daemonState("db"));
    }

    // ---------------------------------------------------------------- 6. never ready

    @Test
    void aContainerThatNeverAnswersFailsAtWakeTimeout() throws Exception {
        int port = TestDocker.freePort();
        String c = name("mute");
        TestDocker.run(c, "--network", "host", TestDocker.IMAGE, "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done");
        stop(c);
        serve(route("mute", "mute.test", port, c, "idle_timeout: 1h, wake_timeout: 3s"));

        CompletableFuture<List<String>> events = CompletableFuture.supplyAsync(() -> readSse("mute.test", "event: error"));
        long t0 = System.nanoTime();
        HttpResponse<String> held = get("mute.test", "/api", "application/json");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(503, held.statusCode());
        assertTrue(held.headers().firstValue("Retry-After").isPresent());
        // The cause is for the log, the admin API and the CLI; an anonymous client reads the route's name only.
        assertTrue(held.body().contains("route 'mute' could not be woken") && !held.body().contains("timed out"), held.body());
        assertTrue(ms < 10_000, "answered after " + ms + " ms");
        assertTrue(daemon.watchers().get("mute").orElseThrow().lastError().orElse("").contains("timed out"), "the detail stays with the watcher");
        List<String> lines = events.get(30, TimeUnit.SECONDS);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("data:") && l.contains("\"type\":\"error\"")
                && l.contains("route 'mute' could not be woken")), String.join("\n", lines));
    }

    @Test
    void theLoadingPageShowsAWakeErrorWithARetryButton() throws Exception {
        Assumptions.assumeTrue(Chrome.available() || System.getenv("CI") != null, "chromium and chromedriver are not installed");
        int port = TestDocker.freePort();
        String c = name("mute-page");
        TestDocker.run(c, "--network", "host", TestDocker.IMAGE, "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done");
        stop(c);
        serve(route("mute-page", "mute-page.localhost", port, c, "idle_timeout: 1h, wake_timeout: 2s"));
        try (Chrome chrome = Chrome.start()) {
            chrome.open("http://mute-page.localhost:" + daemon.httpPort() + "/");
            await("the error on the page", () -> {
                try {
                    return chrome.text().contains("route 'mute-page' could not be woken");
                } catch (Exception e) {
                    return false;
                }
            });
            assertEquals("Try again", chrome.eval("return document.getElementById('retry').textContent"));
            assertEquals("false", chrome.eval("return String(document.getElementById('error').hidden)"));
        }
    }

    /** Reads the route's wake events until a line equal to {@code until} and the data line after it. */
    private List<String> readSse(String host, String until) {
        List<String> lines = new ArrayList<>();
        try {
            HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + daemon.httpPort() + "/.well-known/dormouse/events"))
                    .header("Host", host).header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                boolean seen = false;
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                    if (line.equals(until)) seen = true;
                    else if (seen && line.startsWith("data:")) break;
                }
            }
        } catch (Exception e) {
            lines.add("failed: " + e);
        }
        return lines;
    }

    // ---------------------------------------------------------------- labels

    @Test
    void containersDeclareRoutesWithLabels() throws Exception {
        int port = TestDocker.freePort();
        String c = name("labelled");
        TestDocker.run(c, "--network", "host", "--label", "dormouse.enable=true", "--label", "dormouse.hosts=labelled.test",
                "--label", "dormouse.port=" + port, "--label", "dormouse.idle_timeout=2s", "--label", "dormouse.stop_timeout=5s",
                TestDocker.IMAGE, "sh", "-c", "mkdir -p /www && echo from labels > /www/index.html && "
                        + "trap 'kill $pid; exit 0' TERM; httpd -f -p 127.0.0.1:" + port + " -h /www & pid=$!; wait");
        TestDocker.waitForPort(port, Duration.ofSeconds(20));
        stop(c);
        String bad = name("badlabel");
        TestDocker.run(bad, "--network", "host", "--label", "dormouse.enable=true", "--label", "dormouse.hosts=bad.test",
                TestDocker.IMAGE, "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done");
        daemon = start(dir, "  docker: [{name: local, labels: true}]\n", "  - {name: file, hosts: [file.test], target: \"http://127.0.0.1:1\"}\n");
        HttpResponse<String> r = get("labelled.test", "/", "*/*");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("from labels", r.body().strip());
        await("asleep after the label's idle timeout", () -> TestDocker.inspectStatus(c).equals("exited"));
        assertEquals(404, get("bad.test", "/", "*/*").statusCode(), "a container with a bad label is skipped");
        assertEquals(502, get("file.test", "/", "*/*").statusCode(), "file routes still serve");
    }

    // ---------------------------------------------------------------- health monitors

    @Test
    void aSleepingRouteIsReportedNappingAndStaysAsleepThroughItsChecks() throws Exception {
        int port = TestDocker.freePort();
        String c = httpd("health-nap", port, "nap");
        stop(c);
        serve(route("nap", "nap.test", port, c, "idle_timeout: 1h") + "    healthcheck: {interval: 100ms, retries: 1}\n");
        var monitor = daemon.monitors().get("nap").orElseThrow();
        await("napping", () -> monitor.status() == dev.dormouse.health.HealthStatus.NAPPING);
        for (int i = 0; i < 20; i++) time.advance(Duration.ofMillis(100));
        assertEquals("exited", TestDocker.inspectStatus(c), "a health check must never wake a route");
        assertEquals(dev.dormouse.health.HealthStatus.NAPPING, monitor.status());
        assertEquals(0, monitor.snapshot().checks());
        assertEquals(200, get("nap.test", "/", "*/*").statusCode());
        await("healthy once awake", () -> monitor.status() == dev.dormouse.health.HealthStatus.HEALTHY);
    }

    @Test
    void aContainersOwnHealthcheckDecidesItsHealth() throws Exception {
        int port = TestDocker.freePort();
        String c = name("health-cmd");
        TestDocker.run(c, "--network", "host", "--health-cmd", "test -f /tmp/ok", "--health-interval", "1s", "--health-retries", "1",
                TestDocker.IMAGE, "sh", "-c", "mkdir -p /www && echo up > /www/index.html && touch /tmp/ok && "
                        + "trap 'kill $pid; exit 0' TERM; httpd -f -p 127.0.0.1:" + port + " -h /www & pid=$!; wait");
        TestDocker.waitForPort(port, Duration.ofSeconds(20));
        await("docker says healthy", () -> TestDocker.exec("inspect", "-f", "{{.State.Health.Status}}", c).strip().equals("healthy"));
        serve(route("hc", "hc.test", port, c, "idle_timeout: 1h") + "    healthcheck: {interval: 200ms, retries: 1}\n");
        var monitor = daemon.monitors().get("hc").orElseThrow();
        await("healthy", () -> monitor.status() == dev.dormouse.health.HealthStatus.HEALTHY);
        TestDocker.exec("exec", c, "rm", "/tmp/ok");
        await("unhealthy from the container's HEALTHCHECK", () -> monitor.status() == dev.dormouse.health.HealthStatus.UNHEALTHY);
        assertEquals("container unhealthy", monitor.snapshot().detail());
        TestDocker.exec("exec", c, "touch", "/tmp/ok");
        await("healthy again", () -> monitor.status() == dev.dormouse.health.HealthStatus.HEALTHY);
    }

    // ---------------------------------------------------------------- 7. changes made outside dormouse

    @Test
    void followsDockerStopAndStartDoneOutside() throws Exception {
        int port = TestDocker.freePort();
        String c = httpd("outside", port, "outside ok");
        serve(route("outside", "outside.test", port, c, "idle_timeout: 3s, stop_timeout: 5s"));
        assertEquals(200, get("outside.test", "/", "*/*").statusCode());

        stop(c);
        await("route napping after docker stop", () -> daemonState("outside").equals("napping"));
        HttpResponse<String> woken = get("outside.test", "/", "*/*");
        assertEquals(200, woken.statusCode());
        assertEquals("outside ok", woken.body().strip());

        stop(c);
        await("napping again", () -> daemonState("outside").equals("napping"));
        TestDocker.exec("start", c);
        await("ready after docker start", () -> daemonState("outside").equals("ready"));
        await("put back to sleep after the idle timeout", () -> TestDocker.inspectStatus(c).equals("exited"));
        assertEquals("napping", daemonState("outside"));
    }
}
