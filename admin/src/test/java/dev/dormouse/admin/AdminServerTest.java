package dev.dormouse.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dormouse.admin.testkit.FakeBackend;
import dev.dormouse.admin.testkit.FakeWatcher;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.RouteSet;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.health.HealthMonitor;
import dev.dormouse.health.HealthStatus;
import dev.dormouse.health.StatusChange;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.idlewatcher.WakeEvent;
import dev.dormouse.rtmanager.HealthEvent;
import dev.dormouse.rtmanager.HealthEventType;
import dev.dormouse.rtmanager.OpKind;
import dev.dormouse.rtmanager.Operation;
import dev.dormouse.rtmanager.Outcome;
import dev.dormouse.rtmanager.RuntimeRecord;
import dev.dormouse.rtmanager.RuntimeStatus;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admin API over real HTTP against a fake backend: status codes, error codes, JSON shapes and the event stream. */
class AdminServerTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String TOKEN = "s3cret-Token_value";
    private static final Instant T0 = Instant.parse("2026-12-02T04:05:06.123456Z");

    private final FakeBackend backend = new FakeBackend();
    private final AdminEvents events = new AdminEvents();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private AdminServer server;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables) c.close();
        if (server != null) server.close();
        events.close();
    }

    private void start(Duration keepalive, int queue) {
        server = new AdminServer(new AdminServer.Deps("127.0.0.1:0", "9.9.9", AdminToken.of(TOKEN), backend, events, keepalive, queue));
        server.start();
    }

    private void start() {
        start(Duration.ofSeconds(15), 1024);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private HttpResponse<String> send(String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) b.header("Authorization", "Bearer " + token);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send("GET", path, TOKEN);
    }

    private HttpResponse<String> post(String path) throws Exception {
        return send("POST", path, TOKEN);
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""), r.body());
        return AdminJson.MAPPER.readTree(r.body());
    }

    private static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = json(r).get("error");
        assertEquals(code, e.get("code").asText(), r.body());
        assertFalse(e.get("message").asText().isBlank());
    }

    static void await(String what, BooleanSupplier cond) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!cond.getAsBoolean()) {
            // Time of the test, not the code's: the deadline of a wait for a condition.
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
        }
    }

    private FakeWatcher sleepy(String name) {
        return backend.watch(FakeBackend.route(name, "[" + name + ".test]", "http://127.0.0.1:8081",
                "idle_timeout: 15m, depends_on: [], wake_timeout: 5s"));
    }

    private RouteConfig plain(String name) {
        return backend.plain(FakeBackend.route(name, "[" + name + ".test]", "http://127.0.0.1:8082", null));
    }

    // ---------------------------------------------------------------- auth and errors

    @Test
    void healthzNeedsNoToken() throws Exception {
        start();
        HttpResponse<String> r = send("GET", "/healthz", null);
        assertEquals(200, r.statusCode());
        assertEquals("{\"status\":\"ok\",\"version\":\"9.9.9\"}", r.body());
    }

    @Test
    void aNonLoopbackListenerIsWarnedAbout() throws Exception {
        List<String> warnings = new CopyOnWriteArrayList<>();
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("dev.dormouse.admin");
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    warnings.add(new java.util.logging.SimpleFormatter().formatMessage(r));
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        jul.addHandler(h);
        try {
            start();
            assertEquals(List.of(), warnings, "127.0.0.1 is loopback");
            server.close();
            server = new AdminServer(new AdminServer.Deps("0.0.0.0:0", "9.9.9", AdminToken.of(TOKEN), backend, events));
            server.start();
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).contains("0.0.0.0:0") && warnings.get(0).contains("not a loopback address"), warnings.get(0));
            assertFalse(warnings.get(0).contains(TOKEN));
        } finally {
            jul.removeHandler(h);
        }
    }

    @Test
    void aTakenAddressIsAnAdminExceptionNamingIt() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String listen = "127.0.0.1:" + taken.getLocalPort();
            try (AdminServer s = new AdminServer(new AdminServer.Deps(listen, "9.9.9", AdminToken.of(TOKEN), backend, events))) {
                AdminException e = org.junit.jupiter.api.Assertions.assertThrows(AdminException.class, s::start);
                assertEquals("admin api: listen " + listen + ": address already in use", e.getMessage());
            }
        }
    }

    @Test
    void everyOtherPathNeedsTheToken() throws Exception {
        start();
        for (String path : List.of("/api/v1/routes", "/api/v1/runtimes", "/metrics", "/api/v1/events", "/nope")) {
            for (String token : new String[] {null, "wrong", TOKEN + "x", ""}) {
                HttpResponse<String> r = send("GET", path, token);
                assertError(r, 401, "unauthorized");
                assertEquals("Bearer realm=\"dormouse\"", r.headers().firstValue("WWW-Authenticate").orElse(""), path);
                assertFalse(r.body().contains(TOKEN), "the token is never echoed");
            }
        }
        HttpResponse<String> basic = HTTP.send(HttpRequest.newBuilder(uri("/api/v1/routes")).header("Authorization", "Basic " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, basic.statusCode());
        assertEquals(200, get("/api/v1/routes").statusCode());
        HttpResponse<String> lower = HTTP.send(HttpRequest.newBuilder(uri("/api/v1/routes")).header("Authorization", "bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, lower.statusCode(), "the scheme is case-insensitive");
    }

    @Test
    void unknownPathsAndWrongMethodsHaveTheirCodes() throws Exception {
        start();
        assertError(get("/api/v1/nothing"), 404, "not_found");
        assertError(get("/api/v1/routes/"), 404, "not_found");
        HttpResponse<String> m = send("DELETE", "/api/v1/routes", TOKEN);
        assertError(m, 405, "method_not_allowed");
        assertEquals("GET", m.headers().firstValue("Allow").orElse(""));
        HttpResponse<String> c = send("PUT", "/api/v1/cleanup", TOKEN);
        assertError(c, 405, "method_not_allowed");
        assertEquals("GET, POST", c.headers().firstValue("Allow").orElse(""));
        assertEquals("POST", send("GET", "/api/v1/reload", TOKEN).headers().firstValue("Allow").orElse(""));
        assertError(get("/api/v1/routes/ghost"), 404, "route_not_found");
        assertError(post("/api/v1/routes/ghost/wake"), 404, "route_not_found");
    }

    @Test
    void aBadLimitIsABadRequestNamingTheValue() throws Exception {
        start();
        for (String bad : List.of("abc", "0", "100000", "-1", "1.5")) {
            for (String path : List.of("/api/v1/operations", "/api/v1/health-events")) {
                HttpResponse<String> r = get(path + "?limit=" + bad);
                assertError(r, 400, "bad_request");
                assertTrue(json(r).at("/error/message").asText().contains("'" + bad + "'"), r.body());
            }
        }
        assertTrue(backend.asked.isEmpty(), "a bad request never reaches the backend");
        get("/api/v1/operations");
        get("/api/v1/operations?runtime=web&limit=1000");
        get("/api/v1/health-events?runtime=db&limit=1");
        assertEquals(List.of("operations * 50", "operations web 1000", "health-events db 1"), backend.asked);
        assertError(post("/api/v1/routes/x/wake?wait=maybe"), 404, "route_not_found");
        sleepy("x");
        assertError(post("/api/v1/routes/x/wake?wait=maybe"), 400, "bad_request");
    }

    @Test
    void unexpectedFailuresAreInternalWithoutDetails() throws Exception {
        start();
        backend.failure = new IllegalStateException("database at /secret/place exploded");
        HttpResponse<String> r = get("/api/v1/runtimes");
        assertError(r, 500, "internal");
        assertFalse(r.body().contains("exploded") || r.body().contains("/secret/place") || r.body().contains("at dev."), r.body());
        backend.failure = null;
        assertEquals(200, get("/api/v1/runtimes").statusCode(), "the server goes on");
    }

    // ---------------------------------------------------------------- JSON shapes

    @Test
    void routesShowStateTargetAndHealth() throws Exception {
        FakeWatcher w = sleepy("web");
        plain("plain");
        backend.health.put("web", new HealthMonitor.Snapshot("web", HealthStatus.HEALTHY, Duration.ofMillis(3), Duration.ZERO, Optional.empty(),
                0, "HTTP 200", 4));
        w.target = URI.create("http://172.17.0.5:8081");
        start();
        JsonNode all = json(get("/api/v1/routes")).get("routes");
        assertEquals(2, all.size());
        JsonNode web = all.get(0);
        assertEquals("web", web.get("name").asText());
        assertEquals("http", web.get("kind").asText());
        assertEquals("[\"web.test\"]", web.get("hosts").toString());
        assertTrue(web.get("listen").isNull());
        assertEquals("http://172.17.0.5:8081", web.get("target").asText(), "where requests go now");
        assertEquals("docker:local/c", web.get("container").asText());
        assertEquals("napping", web.get("state").asText());
        assertTrue(web.get("last_error").isNull());
        assertEquals("15m", web.get("idle_timeout").asText());
        assertEquals("stop", web.get("stop_method").asText());
        assertEquals("[]", web.get("depends_on").toString());
        assertEquals("{\"status\":\"healthy\",\"detail\":\"HTTP 200\",\"latency_ms\":3}", web.get("health").toString());

        JsonNode p = json(get("/api/v1/routes/plain"));
        assertEquals("plain", p.get("name").asText());
        assertTrue(p.get("state").isNull() && p.get("container").isNull() && p.get("health").isNull(), p.toString());
        assertEquals("0s", p.get("idle_timeout").asText());
        assertEquals("http://127.0.0.1:8082", p.get("target").asText());
        assertTrue(p.get("provider").isNull(), p.toString());
        assertEquals(false, p.get("rejected").asBoolean(true), p.toString());
        assertEquals("docker:local", web.get("provider").asText());
    }

    @Test
    void rejectedLabelRoutesAreListedInErrorAndServeNothing() throws Exception {
        sleepy("apps");
        RouteConfig claimant = FakeBackend.route("grab", "[x.apps.test]", "http://:8080", "idle_timeout: 1m");
        backend.rejected.add(new RouteSet.Rejected(new RouteSet.Label(claimant, "docker:local", "grab", Optional.of(T0)),
                "host 'x.apps.test' is covered by route 'apps' (*.apps.test)"));
        start();
        JsonNode all = json(get("/api/v1/routes")).get("routes");
        assertEquals(2, all.size(), all.toString());
        assertEquals("apps", all.get(0).get("name").asText());
        JsonNode grab = all.get(1);
        assertEquals("{\"name\":\"grab\",\"kind\":\"http\",\"hosts\":[\"x.apps.test\"],\"listen\":null,\"target\":\"http://:8080\","
                + "\"container\":\"docker:local/c\",\"provider\":\"docker:local\",\"state\":\"error\","
                + "\"last_error\":\"host 'x.apps.test' is covered by route 'apps' (*.apps.test)\",\"rejected\":true,"
                + "\"idle_timeout\":\"1m\",\"stop_method\":\"stop\",\"depends_on\":[],\"health\":null,\"certificates\":[]}", grab.toString());
        assertEquals(grab, json(get("/api/v1/routes/grab")), "found by name too");
        HttpResponse<String> wake = post("/api/v1/routes/grab/wake");
        assertError(wake, 404, "route_not_found");
        assertTrue(json(wake).get("error").get("message").asText().contains("was rejected: host 'x.apps.test' is covered"), wake.body());
    }

    @Test
    void runtimesOperationsAndHealthEventsHaveTheirShapes() throws Exception {
        backend.runtimes = List.of(new RuntimeRecord("web", "docker:local", "web-1", "4f1c", "busybox:test", RuntimeStatus.STOPPED,
                Optional.of(T0), Optional.of(T0.plusSeconds(60)), Optional.empty(), Optional.of(T0.plusSeconds(60)), T0, Optional.of(Duration.ofDays(7))));
        backend.operations = List.of(new Operation(12, "web", OpKind.START, OpSource.WAKE_REQUEST, Outcome.SUCCESS, "", "", T0,
                T0.plusMillis(112), "4f1c"));
        backend.healthEvents = List.of(new HealthEvent(3, "web", "4f1c", HealthEventType.INSPECT_UNHEALTHY, T0,
                "{\"restart_count\":2,\"state\":\"restarting\",\"health\":\"none\"}"));
        start();
        assertEquals("{\"runtimes\":[{\"runtime_id\":\"web\",\"provider\":\"docker:local\",\"container_ref\":\"web-1\",\"container_id\":\"4f1c\","
                + "\"image\":\"busybox:test\",\"status\":\"stopped\",\"started_at\":\"2026-12-02T04:05:06.123Z\",\"stopped_at\":\"2026-12-02T04:06:06.123Z\","
                + "\"removed_at\":null,\"last_op_at\":\"2026-12-02T04:06:06.123Z\",\"created_at\":\"2026-12-02T04:05:06.123Z\",\"retention\":\"7d\"}]}",
                get("/api/v1/runtimes").body());
        assertEquals("{\"operations\":[{\"id\":12,\"runtime_id\":\"web\",\"op_kind\":\"start\",\"op_source\":\"wake_request\",\"outcome\":\"success\","
                + "\"error_code\":null,\"error_message\":null,\"started_at\":\"2026-12-02T04:05:06.123Z\",\"finished_at\":\"2026-12-02T04:05:06.235Z\","
                + "\"duration_ms\":112,\"container_id\":\"4f1c\"}]}", get("/api/v1/operations").body());
        assertEquals("{\"health_events\":[{\"id\":3,\"runtime_id\":\"web\",\"container_id\":\"4f1c\",\"event_type\":\"inspect_unhealthy\","
                + "\"occurred_at\":\"2026-12-02T04:05:06.123Z\",\"details\":{\"restart_count\":2,\"state\":\"restarting\",\"health\":\"none\"}}]}",
                get("/api/v1/health-events").body());
        backend.candidates = backend.runtimes;
        backend.cleanupOps = backend.operations;
        backend.asked.clear();
        assertEquals(1, json(get("/api/v1/cleanup")).get("candidates").size());
        assertEquals(12, json(post("/api/v1/cleanup")).at("/operations/0/id").asInt());
        assertEquals(List.of("plan", "cleanup"), backend.asked);
    }

    @Test
    void metricsAreServedFromTheBackendWithTheToken() throws Exception {
        start();
        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        assertEquals("dormouse_up 1\n", r.body());
    }

    @Test
    void reloadAnswersEachOutcome() throws Exception {
        start();
        backend.reload = new AdminBackend.Reload.Done(3);
        assertEquals("{\"reloaded\":true,\"routes\":3}", post("/api/v1/reload").body());
        backend.reload = new AdminBackend.Reload.Refused("dormouse.yml:4:5: routes[0].name: must match [a-z0-9-]+");
        HttpResponse<String> bad = post("/api/v1/reload");
        assertError(bad, 422, "config_invalid");
        assertEquals("dormouse.yml:4:5: routes[0].name: must match [a-z0-9-]+", json(bad).at("/error/message").asText());
        backend.reload = new AdminBackend.Reload.Unavailable("the config was not read from a file");
        assertError(post("/api/v1/reload"), 409, "reload_unavailable");
    }

    // ---------------------------------------------------------------- wake and sleep

    @Test
    void wakeAnswersAtOnceOrWhenTheWakeEnds() throws Exception {
        FakeWatcher w = sleepy("web");
        plain("plain");
        start();
        HttpResponse<String> r = post("/api/v1/routes/web/wake");
        assertEquals(202, r.statusCode(), r.body());
        assertEquals("waking", json(r).get("state").asText());
        assertEquals(1, w.wakes.get());

        var waiting = HTTP.sendAsync(HttpRequest.newBuilder(uri("/api/v1/routes/web/wake?wait=true")).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        await("the waiting request to join the wake", () -> w.wakes.get() == 2);
        assertFalse(waiting.isDone(), "wait=true answers only when the wake ends");
        w.finishWake();
        HttpResponse<String> done = waiting.get(20, TimeUnit.SECONDS);
        assertEquals(200, done.statusCode(), done.body());
        assertEquals("ready", json(done).get("state").asText());
        assertEquals(200, post("/api/v1/routes/web/wake").statusCode(), "already ready");

        assertError(post("/api/v1/routes/plain/wake"), 409, "not_sleepable");
        assertError(post("/api/v1/routes/plain/sleep"), 409, "not_sleepable");
    }

    @Test
    void aFailedWakeIsBadGatewayWithItsError() throws Exception {
        FakeWatcher w = sleepy("web");
        start();
        var waiting = HTTP.sendAsync(HttpRequest.newBuilder(uri("/api/v1/routes/web/wake?wait=true")).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        await("the wake to begin", () -> w.wakes.get() == 1);
        w.failWake("container web exited with code 1");
        HttpResponse<String> r = waiting.get(20, TimeUnit.SECONDS);
        assertError(r, 502, "wake_failed");
        assertEquals("container web exited with code 1", json(r).at("/error/message").asText());
    }

    @Test
    void sleepAnswersWhenDoneOrWithTheProviderError() throws Exception {
        FakeWatcher w = sleepy("web");
        w.state = RouteState.READY;
        start();
        HttpResponse<String> r = post("/api/v1/routes/web/sleep");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("napping", json(r).get("state").asText());
        w.sleepFailure = new IllegalStateException("docker local: stop container 'web': 500 server error");
        HttpResponse<String> bad = post("/api/v1/routes/web/sleep");
        assertError(bad, 502, "sleep_failed");
        assertEquals("docker local: stop container 'web': 500 server error", json(bad).at("/error/message").asText());
    }

    // ---------------------------------------------------------------- events

    /** Reads an event stream line by line on a virtual thread. */
    private LinkedBlockingQueue<String> stream(String path) throws Exception {
        HttpResponse<java.io.InputStream> r = HTTP.send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        // Closing the stream itself, not the reader, whose lock the reading thread holds.
        closeables.add(r.body());
        Thread.ofVirtual().start(() -> {
            try {
                for (String l; (l = in.readLine()) != null; ) lines.add(l);
                lines.add("<eof>");
            } catch (java.io.IOException e) {
                lines.add("<eof>");
            }
        });
        return lines;
    }

    private static String next(LinkedBlockingQueue<String> lines) throws InterruptedException {
        String l = lines.poll(20, TimeUnit.SECONDS);
        if (l == null) fail("no line within 20 s");
        return l;
    }

    @Test
    void eventsSaySubscribedThenDeliverEveryKindWithIncreasingIds() throws Exception {
        FakeWatcher w = sleepy("web");
        events.follow(List.of(w));
        start();
        LinkedBlockingQueue<String> lines = stream("/api/v1/events");
        assertEquals(": subscribed", next(lines));
        assertEquals("", next(lines));
        assertEquals(1, events.subscribers());

        w.wake(OpSource.ADMIN);
        assertEquals("id: 1", next(lines));
        assertEquals("event: wake", next(lines));
        JsonNode wake = AdminJson.MAPPER.readTree(next(lines).substring("data: ".length()));
        assertEquals("web", wake.get("route").asText());
        assertEquals("starting", wake.get("type").asText());
        assertEquals("", next(lines));

        events.health(new StatusChange("web", HealthStatus.HEALTHY, HealthStatus.ERROR, "connection refused", 4, T0));
        assertEquals("id: 2", next(lines));
        assertEquals("event: health", next(lines));
        assertEquals("data: {\"route\":\"web\",\"from\":\"healthy\",\"to\":\"error\",\"detail\":\"connection refused\",\"latency_ms\":4,"
                + "\"timestamp\":\"2026-12-02T04:05:06.123Z\"}", next(lines));
        assertEquals("", next(lines));

        events.runtime(new Operation(7, "web", OpKind.STOP, OpSource.ADMIN, Outcome.SUCCESS, "", "", T0, T0, "4f1c"));
        events.runtime(new HealthEvent(8, "web", "4f1c", HealthEventType.CONTAINER_EXITED, T0, "{\"exit_code\":0,\"oom\":false}"));
        assertEquals("id: 3", next(lines));
        assertEquals("event: operation", next(lines));
        assertEquals("stop", AdminJson.MAPPER.readTree(next(lines).substring(6)).get("op_kind").asText());
        assertEquals("", next(lines));
        assertEquals("id: 4", next(lines));
        assertEquals("event: health_event", next(lines));
        assertEquals(0, AdminJson.MAPPER.readTree(next(lines).substring(6)).at("/details/exit_code").asInt());
    }

    @Test
    void aRouteFilterPassesOnlyThatRoutesEvents() throws Exception {
        sleepy("web");
        sleepy("db");
        start();
        assertError(get("/api/v1/events?route=ghost"), 404, "route_not_found");
        LinkedBlockingQueue<String> lines = stream("/api/v1/events?route=db");
        assertEquals(": subscribed", next(lines));
        assertEquals("", next(lines));
        events.wake(new WakeEvent(1, "web", WakeEvent.Type.STARTING, "Waking web", "", T0));
        events.runtime(new Operation(7, "web", OpKind.START, OpSource.ADMIN, Outcome.SUCCESS, "", "", T0, T0, ""));
        WakeEvent db = new WakeEvent(1, "db", WakeEvent.Type.READY, "db is ready", "", T0);
        events.wake(db);
        assertEquals("id: 1", next(lines));
        assertEquals("event: wake", next(lines));
        // The loading page's writer, so both streams carry the same JSON with the same timestamp format.
        assertEquals("data: {\"route\":\"db\",\"type\":\"ready\",\"message\":\"db is ready\",\"error\":\"\","
                + "\"timestamp\":\"2026-12-02T04:05:06.123Z\"}", next(lines));
        assertTrue(db.toSse().contains("data: " + db.toJson() + "\n"));
    }

    @Test
    void keepalivesAreComments() throws Exception {
        start(Duration.ofMillis(50), 1024);
        LinkedBlockingQueue<String> lines = stream("/api/v1/events");
        assertEquals(": subscribed", next(lines));
        assertEquals("", next(lines));
        assertEquals(": keepalive", next(lines));
        assertEquals("", next(lines));
        assertEquals(": keepalive", next(lines));
    }

    @Test
    void aClosedStreamUnsubscribes() throws Exception {
        start();
        LinkedBlockingQueue<String> lines = stream("/api/v1/events");
        assertEquals(": subscribed", next(lines));
        assertEquals(1, events.subscribers());
        for (AutoCloseable c : closeables) c.close();
        closeables.clear();
        // The close is noticed when a write fails; publishing makes the server write.
        await("the subscription to end", () -> {
            events.wake(new WakeEvent(1, "web", WakeEvent.Type.STARTING, "x", "", T0));
            return events.subscribers() == 0;
        });
    }

    @Test
    void aClientThatDoesNotReadIsDisconnected() throws Exception {
        start(Duration.ofSeconds(15), 4);
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setReceiveBufferSize(4096);
            s.getOutputStream().write(("GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            await("subscribed", () -> events.subscribers() == 1);
            String big = "x".repeat(64 * 1024);
            await("the slow client to be dropped", () -> {
                events.wake(new WakeEvent(1, "web", WakeEvent.Type.STARTING, big, "", T0));
                return events.subscribers() == 0;
            });
            // The daemon was never held up: a fast client is served as before.
            assertEquals(200, get("/api/v1/routes").statusCode());
        }
    }

    @Test
    void followPassesOnLiveWakeEventsButNotHistory() throws Exception {
        FakeWatcher a = sleepy("a");
        a.emit(WakeEvent.Type.STARTING, "an old wake", "");
        FakeWatcher b = sleepy("b");
        List<String> got = new CopyOnWriteArrayList<>();
        closeables.add(events.subscribe(Optional.empty(), m -> got.add(m.route() + " " + m.event())));
        events.follow(List.of(a, b));
        assertEquals(List.of(), got, "history is not replayed");
        a.emit(WakeEvent.Type.READY, "ready", "");
        assertEquals(List.of("a wake"), got);
        events.follow(List.of(b));
        assertEquals(0, a.listeners.size(), "a watcher no longer listed is unsubscribed");
        assertEquals(1, b.listeners.size());
        a.emit(WakeEvent.Type.READY, "ready", "");
        b.emit(WakeEvent.Type.READY, "ready", "");
        assertEquals(List.of("a wake", "b wake"), got);
    }
}
