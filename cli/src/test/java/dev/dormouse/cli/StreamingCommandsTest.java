package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** {@code wake} and {@code events --follow} against a fake daemon that streams SSE as the contract says. */
class StreamingCommandsTest extends FakeDaemonTest {
    static final String TOKEN = "tok-77c2e0_SECRET-streams";
    static final String WAKE = "POST /api/v1/routes/whoami/wake";
    static final String NL = System.lineSeparator();

    @Override
    String token() {
        return TOKEN;
    }

    /** {@code dormouse ARGS} against the fake daemon. */
    Result run(String... args) {
        return exec(Map.of(), admin(args));
    }

    static String wake(String type, String message, String error, String at) {
        return Fixtures.wake("whoami", type, message, error, "2026-12-02T04:05:" + at + "Z");
    }

    // ------------------------------------------------------------------ wake

    @Test
    void wakeSubscribesFirstThenShowsEachStepUntilReady() {
        server.answer(WAKE, 202, Fixtures.route("whoami", "waking"));
        server.events(sse -> {
            sse.comment("subscribed");
            sse.awaitRequest(WAKE);
            sse.event("wake", wake("starting", "waking whoami", null, "06.100"));
            sse.event("operation", "{\"id\":14,\"runtime_id\":\"whoami\",\"op_kind\":\"start\",\"op_source\":\"admin\",\"outcome\":\"success\"}");
            sse.event("wake", wake("waking_dependency", "waking db", null, "06.110"));
            sse.event("wake", wake("dependency_ready", "db is ready", null, "06.900"));
            sse.comment("keepalive");
            sse.event("wake", wake("container_started", "container whoami started", null, "07.000"));
            sse.event("health", "{\"route\":\"whoami\",\"from\":\"napping\",\"to\":\"starting\",\"detail\":null,\"latency_ms\":null,\"timestamp\":\"2026-12-02T04:05:07Z\"}");
            sse.event("wake", wake("waiting_ready", "waiting for http://127.0.0.1:8081/", null, "07.010"));
            sse.event("wake", wake("ready", "whoami is ready", null, "07.450"));
            sse.holdOpen();
        });
        Result r = run("wake", "whoami");
        assertEquals(0, r.code(), r.toString());
        assertEquals("", r.err());
        List<String> lines = r.outLines();
        assertEquals(List.of(
                "04:05:06  starting           waking whoami",
                "04:05:06  waking_dependency  waking db",
                "04:05:06  dependency_ready   db is ready",
                "04:05:07  container_started  container whoami started",
                "04:05:07  waiting_ready      waiting for http://127.0.0.1:8081/",
                "04:05:07  ready              whoami is ready"), lines.subList(0, 6));
        assertEquals(7, lines.size(), r.out());
        assertTrue(lines.get(6).matches("whoami is ready after [0-9.]+m?s"), lines.get(6));
        assertEquals(List.of("GET /api/v1/events?route=whoami", WAKE), server.lines());
    }

    @Test
    void wakePostsOnlyOnceTheSubscriptionIsConfirmed() {
        AtomicBoolean postedEarly = new AtomicBoolean();
        server.answer(WAKE, 202, Fixtures.route("whoami", "waking"));
        server.events(sse -> {
            // Hold the confirmation back a little: a client that posts before reading it would show here.
            try {
                server.awaitRequest(WAKE, Duration.ofMillis(300));
                postedEarly.set(true);
            } catch (AssertionError notPosted) {
                // as it should be
            }
            sse.comment("subscribed");
            sse.awaitRequest(WAKE);
            sse.event("wake", wake("ready", "whoami is ready", null, "06.000"));
            sse.holdOpen();
        });
        Result r = run("wake", "whoami");
        assertEquals(0, r.code(), r.toString());
        assertFalse(postedEarly.get(), "the wake was posted before ': subscribed'");
    }

    @Test
    void aFailedWakeEndsWithItsErrorAndExit1() {
        server.answer(WAKE, 202, Fixtures.route("whoami", "waking"));
        server.events(sse -> {
            sse.comment("subscribed");
            sse.awaitRequest(WAKE);
            sse.event("wake", wake("starting", "waking whoami", null, "06.100"));
            sse.event("wake", wake("error", "wake failed", "container exited with code 1", "08.000"));
            sse.holdOpen();
        });
        Result r = run("wake", "whoami");
        assertEquals(1, r.code(), r.toString());
        assertEquals("dormouse: wake of whoami failed: container exited with code 1" + NL, r.err());
        assertEquals(List.of(
                "04:05:06  starting           waking whoami",
                "04:05:08  error              wake failed: container exited with code 1"), r.outLines());
    }

    @Test
    void aRouteThatIsAlreadyReadyAnswersAtOnce() throws Exception {
        server.answer(WAKE, 200, Fixtures.route("whoami", "ready"));
        server.events(sse -> {
            sse.comment("subscribed");
            sse.holdOpen();
        });
        Result r = run("wake", "whoami");
        assertEquals(0, r.code(), r.toString());
        assertEquals("whoami is ready (it was already awake)" + NL, r.out());

        Result json = run("wake", "whoami", "--json");
        assertEquals(Output.MAPPER.readTree(Fixtures.route("whoami", "ready")), Output.MAPPER.readTree(json.out()));
    }

    @Test
    void wakeJsonPrintsOnlyTheFinalRoute() throws Exception {
        server.answer(WAKE, 202, Fixtures.route("whoami", "waking"));
        server.answer("GET /api/v1/routes/whoami", 200, Fixtures.route("whoami", "ready"));
        server.events(sse -> {
            sse.comment("subscribed");
            sse.awaitRequest(WAKE);
            sse.event("wake", wake("starting", "waking whoami", null, "06.100"));
            sse.event("wake", wake("ready", "whoami is ready", null, "07.000"));
            sse.holdOpen();
        });
        Result r = run("wake", "whoami", "--json");
        assertEquals(0, r.code(), r.toString());
        assertEquals(Output.MAPPER.readTree(Fixtures.route("whoami", "ready")), Output.MAPPER.readTree(r.out()));
    }

    @Test
    void wakeGivesUpAtItsTimeout() {
        server.answer(WAKE, 202, Fixtures.route("whoami", "waking"));
        server.events(sse -> {
            sse.comment("subscribed");
            sse.awaitRequest(WAKE);
            sse.event("wake", wake("starting", "waking whoami", null, "06.100"));
            sse.holdOpen();
        });
        long t0 = System.nanoTime();
        Result r = run("wake", "whoami", "--timeout", "400ms");
        long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
        assertEquals(1, r.code(), r.toString());
        assertEquals("dormouse: whoami is not ready after 400ms; the wake goes on in the daemon (follow it with "
                + "`dormouse events --follow --route whoami`)" + NL, r.err());
        assertEquals(List.of("04:05:06  starting           waking whoami"), r.outLines());
        assertTrue(ms >= 400 && ms < 5000, "gave up after " + ms + " ms");

        Result bad = run("wake", "whoami", "--timeout", "soon");
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().startsWith("dormouse: Invalid value for option '--timeout': not a duration: 'soon'"), bad.err());
    }

    @Test
    void aStreamThatEndsEarlyIsSettledByTheRouteState() {
        server.answer(WAKE, 202, Fixtures.route("whoami", "waking"));
        server.answer("GET /api/v1/routes/whoami", 200, Fixtures.route("whoami", "ready"));
        server.events(sse -> {
            sse.comment("subscribed");
            sse.awaitRequest(WAKE);
            sse.event("wake", wake("starting", "waking whoami", null, "06.100"));
        });
        Result ok = run("wake", "whoami");
        assertEquals(0, ok.code(), ok.toString());
        assertTrue(ok.outLines().get(1).startsWith("whoami is ready after "), ok.out());

        server.answer("GET /api/v1/routes/whoami", 200, Fixtures.route("whoami", "error")
                .replace("\"last_error\":null", "\"last_error\":\"no such image\""));
        Result failed = run("wake", "whoami");
        assertEquals(1, failed.code(), failed.toString());
        assertEquals("dormouse: the daemon closed the event stream before whoami was ready (state error, last error: no such image)" + NL,
                failed.err());
    }

    @Test
    void wakingAnUnknownRouteSaysSoAndPostsNothing() {
        server.answer("GET /api/v1/events?route=nope", 404, FakeAdminServer.error("route_not_found", "no route named 'nope'"));
        Result r = run("wake", "nope");
        assertEquals(1, r.code(), r.toString());
        assertEquals("dormouse: no route named 'nope'" + NL, r.err());
        assertEquals(List.of("GET /api/v1/events?route=nope"), server.lines());
    }

    // ------------------------------------------------------------------ events --follow

    @Test
    void followPrintsOneLinePerEventUntilTheDaemonClosesTheStream() {
        server.events(sse -> {
            sse.comment("subscribed");
            sse.event("wake", wake("starting", "waking whoami", null, "06.100"));
            sse.event("health", "{\"route\":\"db\",\"from\":\"healthy\",\"to\":\"unhealthy\",\"detail\":\"HTTP 500\",\"latency_ms\":3,\"timestamp\":\"2026-12-02T04:05:09Z\"}");
            sse.comment("keepalive");
            // data split over lines, with CRLF endings: joined with \n it is still one JSON document
            sse.raw("id: 3\r\nevent: operation\r\ndata: {\"id\":12,\"runtime_id\":\"whoami\",\"op_kind\":\"stop\",\r\n"
                    + "data: \"op_source\":\"idle_timeout\",\"outcome\":\"success\",\"error_code\":null,\"error_message\":null,\r\n"
                    + "data: \"started_at\":\"2026-12-02T04:06:00Z\",\"finished_at\":\"2026-12-02T04:06:01Z\",\"duration_ms\":1000}\r\n\r\n");
            sse.event("health_event", "{\"id\":3,\"runtime_id\":\"whoami\",\"container_id\":\"4f1c2d3e4f5a6b7c8d9e\",\"event_type\":\"container_exited\",\"occurred_at\":\"2026-12-02T04:06:01.100Z\",\"details\":{\"exit_code\":0}}");
        });
        Result r = run("events", "--follow");
        assertEquals(1, r.code(), r.toString());
        assertEquals("dormouse: the daemon closed the event stream" + NL, r.err());
        assertEquals(List.of(
                "04:05:06  whoami           wake starting            waking whoami",
                "04:05:09  db               health unhealthy         was healthy: HTTP 500 (3ms)",
                "04:06:01  whoami           stop                     idle_timeout success in 1.0s",
                "04:06:01  whoami           container_exited         exit_code=0 container=4f1c2d3e4f5a"), r.outLines());
        assertEquals(List.of("GET /api/v1/events"), server.lines());
    }

    @Test
    void followJsonPrintsOneObjectPerLineAndFiltersByRoute() throws Exception {
        String data = wake("ready", "whoami is ready", null, "07.000");
        server.events(sse -> {
            sse.comment("subscribed");
            sse.event("wake", data);
            sse.event("wake", wake("starting", "again", null, "08.000"));
        });
        Result r = run("events", "-f", "--route", "whoami", "--json");
        assertEquals(1, r.code(), r.toString());
        List<String> lines = r.outLines();
        assertEquals(2, lines.size(), r.out());
        JsonNode first = Output.MAPPER.readTree(lines.get(0));
        assertEquals("1", first.get("id").asText());
        assertEquals("wake", first.get("event").asText());
        assertEquals(Output.MAPPER.readTree(data), first.get("data"));
        assertEquals("2", Output.MAPPER.readTree(lines.get(1)).get("id").asText());
        assertEquals(List.of("GET /api/v1/events?route=whoami"), server.lines());
    }
}
