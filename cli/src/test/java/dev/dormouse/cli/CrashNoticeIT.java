package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.ProviderKinds;
import dev.dormouse.core.testkit.ManualScheduler;
import dev.dormouse.health.HealthStatus;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.idlewatcher.WakeEvent;
import dev.dormouse.provider.docker.testkit.TestDocker;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Crashes and failed wakes reach the operator: a real daemon in front of real containers, its
 * notifications received by a small HTTP server standing in for the webhooks. Two notifiers: {@code ops}
 * with the default events (down, up; a crash is a kind of down) and {@code wakes} with only
 * {@code wake_failed}.
 */
class CrashNoticeIT extends EngineTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpServer receiver;
    /** Every notification received: {@code <notifier> <event> <route> <detail>}. */
    private final List<String> got = new CopyOnWriteArrayList<>();

    @BeforeEach
    void receive() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", x -> {
            JsonNode n = JSON.readTree(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            got.add(x.getRequestURI().getPath().substring(1) + " " + n.get("event").asText() + " " + n.get("route").asText() + " "
                    + n.get("detail").asText());
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        receiver.start();
    }

    /** The daemon's time: it passes as real time does, and a hold moves it on faster. */
    private final ManualScheduler time = ManualScheduler.flowing();

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
        time.close();
    }

    private void serve(String routes) throws Exception {
        String hook = "http://127.0.0.1:" + receiver.getAddress().getPort();
        String yaml = "server:\n  http: \"127.0.0.1:0\"\n  admin: \"\"\n  data_dir: \"" + dir.resolve("data") + "\"\n"
                + "providers:\n  docker: [{name: local}]\n"
                + "notifications:\n  - {name: ops, type: webhook, url: \"" + hook + "/ops\"}\n"
                + "  - {name: wakes, type: webhook, url: \"" + hook + "/wakes\", events: [wake_failed]}\n"
                + "routes:\n" + routes;
        Path cfg = dir.resolve("dormouse.yml");
        Files.writeString(cfg, yaml);
        daemon = new Daemon(ConfigLoader.load(cfg), ProviderKinds.installed(), time);
        daemon.start();
    }

    private static String route(String name, int port, String container, String idle, String healthcheck) {
        return "  - name: " + name + "\n    hosts: [" + name + ".test]\n    target: http://127.0.0.1:" + port + "\n    container: " + container
                + "\n    idlewatcher: {" + idle + "}\n    healthcheck: " + healthcheck + "\n";
    }

    private HttpResponse<String> get(String host) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/")).header("Host", host)
                .header("Accept", "*/*").timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private IdleWatcher watcher(String route) {
        return daemon.watchers().get(route).orElseThrow();
    }

    /**
     * For "nothing more is sent": the condition keeps holding while {@code d} of the daemon's time passes
     * (its checks, backoffs and timers run as over {@code d}), in steps of 100 ms, each with a moment of real
     * time for what is asynchronous (deliveries, the engine's events).
     */
    private void holds(String what, Duration d, java.util.function.BooleanSupplier c) {
        for (long step = 0; step < d.toMillis() / 100; step++) {
            assertTrue(c.getAsBoolean(), what);
            time.advance(Duration.ofMillis(100));
            // A moment of real time for what is asynchronous (webhook deliveries, the engine's events); the timers moved above.
            java.util.concurrent.locks.LockSupport.parkNanos(25_000_000L);
        }
        assertTrue(c.getAsBoolean(), what);
    }

    @Test
    void aKilledContainerIsOneCrashAndOneUpButAnOperatorsStopOfANappingRouteSendsNothing() throws Exception {
        int webPort = TestDocker.freePort();
        String web = ServeIT.httpd("crash-web", webPort, "web");
        int napPort = TestDocker.freePort();
        String nap = ServeIT.httpd("crash-nap", napPort, "nap");
        String checks = "{interval: 500ms, retries: 2}";
        serve(route("web", webPort, web, "", checks) + route("nap", napPort, nap, "idle_timeout: 1h", checks));
        var webHealth = daemon.monitors().get("web").orElseThrow();
        var napHealth = daemon.monitors().get("nap").orElseThrow();
        ServeIT.await("both healthy", () -> webHealth.status() == HealthStatus.HEALTHY && napHealth.status() == HealthStatus.HEALTHY);

        // The operator stops the route that sleeps anyway (exit 0): a nap, nothing sent.
        TestDocker.exec("stop", "-t", "5", nap);
        ServeIT.await("nap napping, also to its monitor", () -> watcher("nap").state() == RouteState.NAPPING
                && napHealth.status() == HealthStatus.NAPPING);
        assertEquals("0", TestDocker.exec("inspect", "-f", "{{.State.ExitCode}}", nap).strip());

        // The never-sleeping route's container is killed: one crash, naming the exit code, within 5 s.
        long killed = System.nanoTime();
        TestDocker.exec("kill", web);
        ServeIT.await("the crash notified", Duration.ofSeconds(5), () -> !got.isEmpty());
        long tookMs = (System.nanoTime() - killed) / 1_000_000;
        assertEquals(List.of("ops crashed web exited with code 137"), got, "one notification, to the notifier that wants downs");
        System.out.println("crash: docker kill to notification " + tookMs + " ms");
        assertEquals(RouteState.ERROR, watcher("web").state(), "a crash is not a nap");
        assertEquals("container " + web + " exited with code 137", watcher("web").lastError().orElseThrow());
        assertEquals(HealthStatus.ERROR, webHealth.status());
        holds("still one notification while the container stays down (checks go on failing)", Duration.ofSeconds(2), () -> got.size() == 1);
        assertTrue(webHealth.snapshot().detail().startsWith("exited with code 137"), webHealth.snapshot().detail());

        // The next request wakes it as ever; once it runs and passes its check, one up.
        HttpResponse<String> r = get("web.test");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("web", r.body().strip());
        ServeIT.await("up notified", Duration.ofSeconds(10), () -> got.size() == 2);
        assertTrue(got.get(1).startsWith("ops up web "), got.get(1));
        assertEquals(HealthStatus.HEALTHY, webHealth.status());
        holds("nothing more", Duration.ofSeconds(1), () -> got.size() == 2);
    }

    @Test
    void anOomKillIsACrashEvenOfARouteThatSleeps() throws Exception {
        int port = TestDocker.freePort();
        String hog = ServeIT.name("crash-oom");
        // Serves until told to, then its main process eats memory past the limit and is killed by the kernel.
        TestDocker.run(hog, "--network", "host", "--memory", "16m", "--memory-swap", "16m", TestDocker.IMAGE, "sh", "-c",
                "mkdir -p /www && echo hog > /www/index.html && httpd -p 127.0.0.1:" + port + " -h /www"
                        + " && while [ ! -f /tmp/go ]; do sleep 0.1; done; exec tail /dev/zero");
        TestDocker.waitForPort(port, Duration.ofSeconds(20));
        serve(route("hog", port, hog, "idle_timeout: 1h", "{interval: 500ms}"));
        ServeIT.await("healthy", () -> daemon.monitors().get("hog").orElseThrow().status() == HealthStatus.HEALTHY);
        TestDocker.exec("exec", hog, "touch", "/tmp/go");
        ServeIT.await("the crash notified", Duration.ofSeconds(10), () -> !got.isEmpty());
        assertEquals("true 137", TestDocker.exec("inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", hog).strip());
        assertEquals(List.of("ops crashed hog OOM killed"), got);
        assertEquals("container " + hog + " OOM killed", watcher("hog").lastError().orElseThrow());
        assertEquals(RouteState.ERROR, watcher("hog").state(), "a route that sleeps, but did not go to sleep: it crashed");
    }

    @Test
    void dormousesOwnStopOfAContainerThatIgnoresSigtermIsNoCrash() throws Exception {
        String stubborn = ServeIT.name("crash-stubborn");
        // PID 1 without a handler ignores SIGTERM: the stop ends with SIGKILL after stop_timeout, exit 137.
        TestDocker.run(stubborn, "--network", "host", TestDocker.IMAGE, "sleep", "100000");
        serve(route("stubborn", TestDocker.freePort(), stubborn, "stop_timeout: 1s", "{disable: true}"));
        assertEquals(RouteState.READY, watcher("stubborn").state());
        watcher("stubborn").sleep(dev.dormouse.core.spi.OpSource.ADMIN).get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("137", TestDocker.exec("inspect", "-f", "{{.State.ExitCode}}", stubborn).strip());
        holds("no crash: dormouse asked for the stop", Duration.ofSeconds(2), () -> got.isEmpty() && watcher("stubborn").state() == RouteState.NAPPING);
        assertTrue(watcher("stubborn").lastError().isEmpty());
    }

    @Test
    void aWakeThatTimesOutIsOneWakeFailedHoweverOftenItFailsAgain() throws Exception {
        String mute = ServeIT.name("crash-mute");
        int port = TestDocker.freePort();
        // Runs, but never answers on its port: every wake times out.
        TestDocker.run(mute, "--network", "host", TestDocker.IMAGE, "sleep", "100000");
        TestDocker.exec("kill", mute);
        ServeIT.await(mute + " exited", () -> TestDocker.inspectStatus(mute).equals("exited"));
        int startsBefore = TestDocker.countEvents(mute, "start", java.time.Instant.EPOCH);
        serve(route("mute", port, mute, "idle_timeout: 1h, wake_timeout: 2s", "{interval: 500ms}"));
        assertEquals(RouteState.NAPPING, watcher("mute").state());
        List<WakeEvent> wakes = new CopyOnWriteArrayList<>();
        watcher("mute").subscribe(wakes::add);

        assertEquals(503, get("mute.test").statusCode());
        ServeIT.await("wake_failed notified", Duration.ofSeconds(5), () -> !got.isEmpty());
        assertEquals(1, got.size(), got.toString());
        assertTrue(got.get(0).startsWith("wakes wake_failed mute wake of route 'mute' timed out after 2s"), got.get(0));

        // Within the backoff requests are refused without a wake; after it the next one tries again, and times out again.
        ServeIT.await("a second attempt timed out", Duration.ofSeconds(20), () -> {
            try {
                assertEquals(503, get("mute.test").statusCode());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return attempts(wakes) >= 2 && wakes.getLast().type() == WakeEvent.Type.ERROR;
        });
        assertTrue(wakes.getLast().error().contains("timed out after 2s"), wakes.getLast().error());
        holds("one wake_failed for the episode", Duration.ofSeconds(1), () -> got.size() == 1);
        assertEquals(startsBefore + 1, TestDocker.countEvents(mute, "start", java.time.Instant.EPOCH),
                "dormouse started it once; the second attempt found it running");
    }

    /** Real wake attempts: each begins with a {@code starting} event (a refusal adds only an error). */
    private static long attempts(List<WakeEvent> wakes) {
        return wakes.stream().filter(e -> e.type() == WakeEvent.Type.STARTING).count();
    }
}
