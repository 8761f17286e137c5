package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dormouse.admin.testkit.FakeWatcher;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.health.HealthStatus;
import dev.dormouse.health.StatusChange;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.idlewatcher.WakeEvent;
import dev.dormouse.rtmanager.HealthDetails;
import dev.dormouse.rtmanager.OpKind;
import dev.dormouse.rtmanager.Operation;
import dev.dormouse.rtmanager.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code wake} and {@code events --follow} against the real admin server's event stream: the wake's steps
 * are scripted on a fake idle watcher, and everything else is published on the daemon's event hub.
 */
class StreamingCommandsTest extends DaemonTest {
    static final String TOKEN = "tok-77c2e0_SECRET-streams";
    static final String NL = System.lineSeparator();

    @Override
    String token() {
        return TOKEN;
    }

    /** Short, so keepalive comments arrive between the events. */
    @Override
    Duration keepalive() {
        return Duration.ofMillis(20);
    }

    /** {@code dormouse ARGS} against the daemon. */
    Result run(String... args) {
        return exec(Map.of(), admin(args));
    }

    Running begin(String... args) {
        return start(Map.of(), admin(args));
    }

    /** 2026-12-02T04:05:{@code seconds}Z. */
    static Instant at(String seconds) {
        return Instant.parse("2026-12-02T04:05:" + seconds + "Z");
    }

    FakeWatcher whoami() {
        return backend.watcherOf("whoami");
    }

    // ------------------------------------------------------------------ wake

    @Test
    void wakeSubscribesFirstThenShowsEachStepUntilReady() {
        AtomicInteger subscribedAtWake = new AtomicInteger(-1);
        whoami().onWake = w -> {
            subscribedAtWake.set(events.subscribers());
            w.emit(WakeEvent.Type.STARTING, "Waking whoami", "", at("06.100"));
            events.runtime(new Operation(14, "whoami", OpKind.START, OpSource.ADMIN, Outcome.SUCCESS, "", "", at("06.100"), at("07.000"),
                    Fixtures.WHOAMI_ID));
            w.emit(WakeEvent.Type.WAKING_DEPENDENCY, "Waking dependency db", "", at("06.110"));
            w.emit(WakeEvent.Type.DEPENDENCY_READY, "Dependency db is ready", "", at("06.900"));
            w.emit(WakeEvent.Type.CONTAINER_STARTED, "Container whoami started", "", at("07.000"));
            events.health(new StatusChange("whoami", HealthStatus.NAPPING, HealthStatus.STARTING, "", 0, at("07.000")));
            w.emit(WakeEvent.Type.WAITING_READY, "Waiting for whoami to answer", "", at("07.010"));
            w.awaitWakeAnswered();
            w.finishWake("whoami is ready", at("07.450"));
        };
        Result r = run("wake", "whoami");
        assertEquals(0, r.code(), r.toString());
        assertEquals("", r.err());
        List<String> lines = r.outLines();
        assertEquals(List.of(
                "04:05:06  starting           Waking whoami",
                "04:05:06  waking_dependency  Waking dependency db",
                "04:05:06  dependency_ready   Dependency db is ready",
                "04:05:07  container_started  Container whoami started",
                "04:05:07  waiting_ready      Waiting for whoami to answer",
                "04:05:07  ready              whoami is ready"), lines.subList(0, Math.min(6, lines.size())));
        assertEquals(7, lines.size(), r.out());
        assertTrue(lines.get(6).matches("whoami is ready after [0-9.]+m?s"), lines.get(6));
        assertEquals(List.of(OpSource.ADMIN), whoami().wakeSources, "one wake, as the admin");
        assertEquals(1, subscribedAtWake.get(), "the event stream was subscribed before the wake was posted");
    }

    @Test
    void theWakeIsPostedOnlyOnceTheSubscriptionIsInPlace() {
        AtomicInteger subscribedAtWake = new AtomicInteger(-1);
        whoami().onWake = w -> {
            subscribedAtWake.set(events.subscribers());
            w.awaitWakeAnswered();
            w.finishWake("whoami is ready", at("06.000"));
        };
        Result r = run("wake", "whoami");
        assertEquals(0, r.code(), r.toString());
        assertEquals(1, subscribedAtWake.get(), "no subscription when the wake was posted: early events would be lost");
        await("the daemon to notice the command closed its stream", () -> events.subscribers() == 0);
    }

    @Test
    void aFailedWakeEndsWithItsErrorAndExit1() {
        whoami().onWake = w -> {
            w.emit(WakeEvent.Type.STARTING, "Waking whoami", "", at("06.100"));
            w.awaitWakeAnswered();
            w.failWake("container exited with code 1", at("08.000"));
        };
        Result r = run("wake", "whoami");
        assertEquals(1, r.code(), r.toString());
        assertEquals("dormouse: wake of whoami failed: container exited with code 1" + NL, r.err());
        assertEquals(List.of(
                "04:05:06  starting           Waking whoami",
                "04:05:08  error              Wake failed: container exited with code 1"), r.outLines());
    }

    @Test
    void aRouteThatIsAlreadyReadyAnswersAtOnce() throws Exception {
        whoami().state = RouteState.READY;
        Result r = run("wake", "whoami");
        assertEquals(0, r.code(), r.toString());
        assertEquals("whoami is ready (it was already awake)" + NL, r.out());

        Result json = run("wake", "whoami", "--json");
        assertEquals(api("/api/v1/routes/whoami"), Output.MAPPER.readTree(json.out()));
        assertEquals(0, whoami().wakes.get(), "a ready route is not woken again");
    }

    @Test
    void wakeJsonPrintsOnlyTheFinalRoute() throws Exception {
        whoami().onWake = w -> {
            w.emit(WakeEvent.Type.STARTING, "Waking whoami", "", at("06.100"));
            w.awaitWakeAnswered();
            w.finishWake("whoami is ready", at("07.000"));
        };
        Result r = run("wake", "whoami", "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode printed = Output.MAPPER.readTree(r.out());
        assertEquals(api("/api/v1/routes/whoami"), printed);
        assertEquals("ready", printed.get("state").asText());
    }

    @Test
    void wakeGivesUpAtItsTimeout() {
        whoami().onWake = w -> w.emit(WakeEvent.Type.STARTING, "Waking whoami", "", at("06.100"));
        long t0 = System.nanoTime();
        Result r = run("wake", "whoami", "--timeout", "400ms");
        long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
        assertEquals(1, r.code(), r.toString());
        assertEquals("dormouse: whoami is not ready after 400ms; the wake goes on in the daemon (follow it with "
                + "`dormouse events --follow --route whoami`)" + NL, r.err());
        assertEquals(List.of("04:05:06  starting           Waking whoami"), r.outLines());
        assertTrue(ms >= 400 && ms < 5000, "gave up after " + ms + " ms");

        Result bad = run("wake", "whoami", "--timeout", "soon");
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().startsWith("dormouse: Invalid value for option '--timeout': not a duration: 'soon'"), bad.err());
    }

    /**
     * The daemon cuts off an event stream whose client falls behind (here: one waiting message is too many,
     * and health changes pour in); the command then asks the route's state.
     */
    @Test
    void aStreamThatEndsEarlyIsSettledByTheRouteState() throws Exception {
        serve(1);
        Result ok = cutOffDuringTheWake(RouteState.READY, "");
        assertEquals(0, ok.code(), ok.toString());
        assertEquals("04:05:06  starting           Waking whoami", ok.outLines().get(0), ok.out());
        assertTrue(ok.outLines().get(1).startsWith("whoami is ready after "), ok.out());

        whoami().state = RouteState.NAPPING;
        Result failed = cutOffDuringTheWake(RouteState.ERROR, "no such image");
        assertEquals(1, failed.code(), failed.toString());
        // The daemon closes the connection of a client it cuts off, so the stream breaks rather than ends.
        assertEquals("dormouse: the event stream broke (closed) before whoami was ready (state error, last error: no such image)" + NL,
                failed.err());
    }

    private Result cutOffDuringTheWake(RouteState end, String lastError) throws InterruptedException {
        CountDownLatch shown = new CountDownLatch(1);
        whoami().wake = new java.util.concurrent.CompletableFuture<>();
        whoami().onWake = w -> {
            w.emit(WakeEvent.Type.STARTING, "Waking whoami", "", at("06.100"));
            try {
                if (!shown.await(20, TimeUnit.SECONDS)) return;
            } catch (InterruptedException e) {
                return;
            }
            w.state = end;
            w.lastError = lastError;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            // Deadline of a wait for the client to hang up: the condition, not a timer of the code.
            while (events.subscribers() > 0 && System.nanoTime() < deadline) {
                events.health(new StatusChange("whoami", HealthStatus.STARTING, HealthStatus.STARTING, "probing", 1, at("07.000")));
            }
        };
        Running running = begin("wake", "whoami");
        running.awaitOut("starting");
        shown.countDown();
        return running.result();
    }

    @Test
    void wakingAnUnknownRouteSaysSoAndPostsNothing() {
        Result r = run("wake", "nope");
        assertEquals(1, r.code(), r.toString());
        assertEquals("dormouse: no route named 'nope'" + NL, r.err());
        for (String route : List.of("whoami", "db", "minecraft")) assertEquals(0, backend.watcherOf(route).wakes.get(), route);
    }

    // ------------------------------------------------------------------ events --follow

    @Test
    void followPrintsOneLinePerEventUntilTheDaemonStops() {
        Running running = begin("events", "--follow");
        await("the subscription", () -> events.subscribers() == 1);
        whoami().emit(WakeEvent.Type.STARTING, "Waking whoami", "", at("06.100"));
        events.health(new StatusChange("db", HealthStatus.HEALTHY, HealthStatus.UNHEALTHY, "HTTP 500", 3, at("09.000")));
        events.runtime(new Operation(12, "whoami", OpKind.STOP, OpSource.IDLE_TIMEOUT, Outcome.SUCCESS, "", "",
                Instant.parse("2026-12-02T04:06:00Z"), Instant.parse("2026-12-02T04:06:01Z"), Fixtures.WHOAMI_ID));
        events.runtime(Fixtures.healthEvent(3, "whoami", Fixtures.WHOAMI_ID, new HealthDetails.Exited(0, false),
                Instant.parse("2026-12-02T04:06:01.100Z")));
        running.awaitOut("container_exited");
        server.close();
        Result r = running.result();
        assertEquals(1, r.code(), r.toString());
        // A daemon that stops closes its connections: the stream breaks, it is never ended cleanly.
        assertEquals("dormouse: the event stream broke (closed)" + NL, r.err());
        assertEquals(List.of(
                "04:05:06  whoami           wake starting            Waking whoami",
                "04:05:09  db               health unhealthy         was healthy: HTTP 500 (3ms)",
                "04:06:01  whoami           stop                     idle_timeout success in 1.0s",
                "04:06:01  whoami           container_exited         exit_code=0 oom=false container=4f1c2d3e4f5a"), r.outLines());
    }

    @Test
    void followJsonPrintsOneObjectPerLineAndFiltersByRoute() throws Exception {
        Running running = begin("events", "-f", "--route", "whoami", "--json");
        await("the subscription", () -> events.subscribers() == 1);
        whoami().emit(WakeEvent.Type.READY, "whoami is ready", "", at("07.000"));
        backend.watcherOf("db").emit(WakeEvent.Type.STARTING, "Waking db", "", at("07.500"));
        whoami().emit(WakeEvent.Type.STARTING, "Waking whoami", "", at("08.000"));
        running.awaitOut("Waking whoami");
        server.close();
        Result r = running.result();
        assertEquals(1, r.code(), r.toString());
        List<String> lines = r.outLines();
        assertEquals(2, lines.size(), "only whoami's events: " + r.out());
        JsonNode first = Output.MAPPER.readTree(lines.get(0));
        assertEquals("1", first.get("id").asText());
        assertEquals("wake", first.get("event").asText());
        assertEquals(Output.MAPPER.readTree(whoami().history.get(0).toJson()), first.get("data"), "the wake event's own JSON");
        JsonNode second = Output.MAPPER.readTree(lines.get(1));
        assertEquals("2", second.get("id").asText());
        assertEquals("Waking whoami", second.at("/data/message").asText());
    }
}
