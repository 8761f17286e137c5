package dev.dormouse.idlewatcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.core.testkit.ManualScheduler;
import java.io.StringReader;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IdleWatchersTest {
    private final FakeProvider docker = new FakeProvider();
    /** Upstreams that answer the probe, by route target port. */
    private final Map<Integer, Boolean> answering = new ConcurrentHashMap<>();
    private final List<IdleWatchers> opened = new ArrayList<>();
    /** When each readiness probe ran, in scheduler time. */
    private final List<Long> probed = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(IdleWatchers::close);
    }

    /**
     * The watchers' time: idle timers, wake deadlines, readiness back-off and backoffs move only when a test
     * advances it (its readings wrap around, as {@link System#nanoTime()} may).
     */
    private final ManualScheduler time = new ManualScheduler();

    private void advance(Duration d) {
        time.advance(d);
    }

    /** The runtime manager's part, done directly: every route's container is named as the route. */
    private final Lifecycle lifecycle = (route, action, source) -> {
        switch (action) {
            case START -> docker.start(route);
            case UNPAUSE -> docker.unpause(route);
            case STOP -> docker.stop(route, "SIGTERM", Duration.ofSeconds(10));
            case PAUSE -> docker.pause(route);
            case KILL -> docker.kill(route, "SIGKILL");
            default -> throw new IllegalArgumentException(action + " is no action of the idle watcher");
        }
    };

    private IdleWatchers watchers(String routesYaml) {
        String yaml = "providers:\n  docker: [{name: local}]\nroutes:\n" + routesYaml;
        DormouseConfig cfg = ConfigLoader.parse(new StringReader(yaml), "test.yml", Path.of("."), Path.of("test.yml"));
        ReadinessProbe probe = (target, hc, timeout) -> {
            probed.add(time.nanoTime());
            // a container answers once it runs, unless the test says otherwise
            Boolean a = answering.get(target.getPort());
            return a != null ? a : true;
        };
        IdleWatchers w = new IdleWatchers(new IdleWatchers.Deps(cfg.routes(), Map.of("docker:local", docker), lifecycle, probe,
                time.clock(), time));
        opened.add(w);
        w.start();
        return w;
    }

    private static String route(String name, int port, String idle) {
        return "  - name: " + name + "\n    hosts: [" + name + ".test]\n    target: http://127.0.0.1:" + port
                + "\n    container: " + name + "\n    idlewatcher: {" + idle + "}\n";
    }

    static void await(String what, BooleanSupplier cond) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!cond.getAsBoolean()) {
            // Time of the test, not the code's: the deadline of a wait for a condition.
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            Thread.onSpinWait();
            try {
                TimeUnit.MILLISECONDS.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void startupStatesFollowContainers() {
        docker.add("a", ContainerStatus.RUNNING);
        docker.add("b", ContainerStatus.STOPPED);
        docker.add("c", ContainerStatus.PAUSED);
        IdleWatchers w = watchers(route("a", 1, "idle_timeout: 1h") + route("b", 2, "idle_timeout: 1h")
                + route("c", 3, "idle_timeout: 1h") + route("d", 4, "idle_timeout: 1h"));
        assertEquals(RouteState.READY, w.get("a").orElseThrow().state());
        assertEquals(RouteState.NAPPING, w.get("b").orElseThrow().state());
        assertEquals(RouteState.NAPPING, w.get("c").orElseThrow().state());
        assertEquals(RouteState.MISSING, w.get("d").orElseThrow().state());
    }

    @Test
    void aTargetWithoutAHostIsFoundEachTimeTheContainerStarts() throws Exception {
        docker.add("app", ContainerStatus.STOPPED);
        IdleWatcher app = watchers(route("app", 1, "idle_timeout: 1h").replace("http://127.0.0.1:1", "http://:8080")).get("app").orElseThrow();
        assertEquals(URI.create("http://:8080"), app.target(), "unknown while it never ran");
        docker.addresses.put("app", "172.17.0.5");
        app.wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS);
        assertEquals(URI.create("http://172.17.0.5:8080"), app.target());
        URI first = app.target();
        assertSame(first, app.target(), "the same instance while the address holds, so the proxy keeps its client");
        app.sleep(OpSource.ADMIN).get(5, TimeUnit.SECONDS);
        docker.addresses.put("app", "172.17.0.9");
        app.wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS);
        assertEquals(URI.create("http://172.17.0.9:8080"), app.target(), "a new IP after a restart is followed");
    }

    @Test
    void aTargetWithoutAHostTimesOutNamingTheMissingAddress() {
        docker.add("app", ContainerStatus.STOPPED);
        IdleWatcher app = watchers(route("app", 1, "idle_timeout: 1h, wake_timeout: 300ms").replace("http://127.0.0.1:1", "http://:8080"))
                .get("app").orElseThrow();
        CompletableFuture<Void> wake = app.wake(OpSource.WAKE_REQUEST);
        time.awaitPending(2); // the wake's deadline, and the pause after the first look for an address
        advance(Duration.ofMillis(300));
        ExecutionException e = assertThrows(ExecutionException.class, () -> wake.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("timed out after 300ms (container app has no address yet)"), e.getCause().getMessage());
    }

    private static List<dev.dormouse.core.RouteConfig> routes(String routesYaml) {
        String yaml = "providers:\n  docker: [{name: local}]\nroutes:\n" + routesYaml;
        return ConfigLoader.parse(new StringReader(yaml), "test.yml", Path.of("."), Path.of("test.yml")).routes();
    }

    @Test
    void anUpdateKeepsUnchangedRoutesAndRewiresDependencies() throws Exception {
        docker.add("db", ContainerStatus.RUNNING);
        docker.add("app", ContainerStatus.STOPPED);
        docker.add("old", ContainerStatus.RUNNING);
        String db = route("db", 1, "idle_timeout: 1h");
        IdleWatchers w = watchers(db + route("app", 2, "idle_timeout: 1h, depends_on: [db]") + route("old", 3, "idle_timeout: 1h"));
        IdleWatcher keptDb = w.get("db").orElseThrow();
        IdleWatcher oldApp = w.get("app").orElseThrow();
        docker.add("new", ContainerStatus.RUNNING);
        List<IdleWatcher> gone = w.update(routes(db + route("app", 2, "idle_timeout: 2h, depends_on: [db]") + route("new", 4, "idle_timeout: 1h")));
        assertSame(keptDb, w.get("db").orElseThrow(), "unchanged: same watcher, state and timer");
        assertTrue(w.get("old").isEmpty());
        assertEquals(RouteState.READY, w.get("new").orElseThrow().state(), "a new route reads its container as at start-up");
        assertEquals(List.of("app", "old"), gone.stream().map(IdleWatcher::route).sorted().toList());
        IdleWatcher app = w.get("app").orElseThrow();
        assertTrue(app != oldApp, "a changed route gets a new watcher");
        docker.status.put("db", ContainerStatus.STOPPED);
        docker.external("db", ContainerStatus.STOPPED, ContainerEvent.Action.STOP);
        await("db napping", () -> keptDb.state() == RouteState.NAPPING);
        app.wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS);
        assertEquals(RouteState.READY, keptDb.state(), "the new app watcher wakes the kept db first");
    }

    @Test
    void concurrentWakesShareOneStart() throws Exception {
        docker.add("app", ContainerStatus.STOPPED);
        IdleWatcher app = watchers(route("app", 1, "idle_timeout: 1h")).get("app").orElseThrow();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) all.add(app.wake(OpSource.WAKE_REQUEST));
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertEquals(1, docker.count("start app"));
        assertTrue(app.isReady());
    }

    @Test
    void sleepsAfterIdleTimeoutWithItsStopMethod() {
        docker.add("p", ContainerStatus.RUNNING);
        docker.add("k", ContainerStatus.RUNNING);
        IdleWatchers w = watchers(route("p", 1, "idle_timeout: 200ms, stop_method: pause")
                + route("k", 2, "idle_timeout: 200ms, stop_method: kill"));
        advance(Duration.ofMillis(199));
        assertEquals(2, time.pending(), "both timers still wait");
        advance(Duration.ofMillis(1));
        await("pause", () -> docker.count("pause p") == 1 && docker.count("kill k") == 1);
        assertEquals(RouteState.NAPPING, w.get("p").orElseThrow().state());
        assertEquals(ContainerStatus.PAUSED, docker.status.get("p"));
        assertEquals(ContainerStatus.STOPPED, docker.status.get("k"));
    }

    @Test
    void wakeUnpausesAPausedContainer() throws Exception {
        docker.add("p", ContainerStatus.PAUSED);
        IdleWatcher p = watchers(route("p", 1, "idle_timeout: 1h, stop_method: pause")).get("p").orElseThrow();
        p.wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS);
        assertEquals(1, docker.count("unpause p"));
        assertEquals(0, docker.count("start p"));
    }

    @Test
    void activityAndOpenConnectionsKeepTheRouteAwake() throws Exception {
        docker.add("ws", ContainerStatus.RUNNING);
        IdleWatcher ws = watchers(route("ws", 1, "idle_timeout: 300ms")).get("ws").orElseThrow();
        ws.requestStarted();
        advance(Duration.ofMillis(1200));
        assertTrue(ws.isReady(), "an open connection keeps the route awake");
        assertEquals(1, time.pending(), "one timer, re-armed each time it found the connection open");
        assertEquals(0, docker.count("stop ws"));
        ws.requestEnded();
        advance(Duration.ofMillis(299));
        assertEquals(0, docker.count("stop ws"));
        assertEquals(1, time.pending(), "closing the connection was activity: the idle timeout starts over");
        advance(Duration.ofMillis(1));
        await("sleep after the connection closed", () -> docker.count("stop ws") == 1);
    }

    @Test
    void dependenciesWakeFirstAndASharedOneStaysAwakeWhileADependentIs() throws Exception {
        docker.add("db", ContainerStatus.STOPPED);
        docker.add("app", ContainerStatus.STOPPED);
        docker.add("app2", ContainerStatus.STOPPED);
        IdleWatchers w = watchers(route("db", 1, "idle_timeout: 200ms")
                + route("app", 2, "idle_timeout: 300ms, depends_on: [db]")
                + route("app2", 3, "idle_timeout: 1h, depends_on: [db]"));
        IdleWatcher app = w.get("app").orElseThrow();
        List<String> seen = new CopyOnWriteArrayList<>();
        app.subscribe(e -> seen.add(e.type().label()));
        app.wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS);
        assertEquals(List.of("start db", "start app"), docker.actions);
        assertEquals(List.of("starting", "waking_dependency", "dependency_ready", "container_started", "waiting_ready", "ready"), seen);
        w.get("app2").orElseThrow().wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS);
        advance(Duration.ofMillis(300));
        await("app sleeps", () -> docker.count("stop app") == 1);
        advance(Duration.ofMillis(600));
        assertEquals(0, docker.count("stop db"), "db must stay awake while app2 is awake");
        assertEquals(RouteState.READY, w.get("db").orElseThrow().state());
        w.get("app2").orElseThrow().sleep(OpSource.ADMIN).get(5, TimeUnit.SECONDS);
        await("db sleeps after its last dependent", () -> docker.count("stop db") == 1);
    }

    @Test
    void aContainerThatNeverAnswersFailsAtWakeTimeout() throws Exception {
        docker.add("slow", ContainerStatus.STOPPED);
        answering.put(9, false);
        IdleWatcher slow = watchers(route("slow", 9, "idle_timeout: 1h, wake_timeout: 500ms")).get("slow").orElseThrow();
        List<WakeEvent> seen = new CopyOnWriteArrayList<>();
        slow.subscribe(seen::add);
        CompletableFuture<Void> wake = slow.wake(OpSource.WAKE_REQUEST);
        await("probing", () -> seen.stream().anyMatch(e -> e.type() == WakeEvent.Type.WAITING_READY));
        advance(Duration.ofMillis(499));
        assertFalse(wake.isDone(), "still probing before the wake timeout");
        advance(Duration.ofMillis(1));
        try {
            wake.get(5, TimeUnit.SECONDS);
            fail("wake should fail");
        } catch (ExecutionException e) {
            assertInstanceOf(WakeFailedException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("timed out after 500ms (container slow did not become ready)"), e.getCause().getMessage());
        }
        assertEquals(RouteState.ERROR, slow.state());
        WakeEvent last = seen.get(seen.size() - 1);
        assertEquals(WakeEvent.Type.ERROR, last.type());
        assertEquals(1, seen.stream().filter(e -> e.type() == WakeEvent.Type.ERROR).count(), "one error per failed wake: " + seen);
        assertFalse(last.error().isEmpty());
        // the next request after the backoff tries again
        answering.put(9, true);
        assertThrows(ExecutionException.class, () -> slow.wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS), "backing off");
        advance(Duration.ofSeconds(1));
        slow.wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS);
        assertTrue(slow.isReady());
    }

    @Test
    void readinessIsProbedAtOnceThenBacksOffFromTwoMillisecondsToFifty() throws Exception {
        docker.add("slow", ContainerStatus.STOPPED);
        answering.put(9, false);
        IdleWatcher slow = watchers(route("slow", 9, "idle_timeout: 1h, wake_timeout: 10s")).get("slow").orElseThrow();
        long t0 = time.nanoTime();
        CompletableFuture<Void> wake = slow.wake(OpSource.WAKE_REQUEST);
        for (int ms = 0; ms < 300 && !wake.isDone(); ms++) {
            await("the pause before the next probe", () -> time.pending() >= 2 || wake.isDone()); // with the wake's deadline
            if (probed.size() == 9) answering.put(9, true);
            advance(Duration.ofMillis(1));
        }
        wake.get(5, TimeUnit.SECONDS);
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < probed.size(); i++) gaps.add((probed.get(i) - probed.get(i - 1)) / 1_000_000);
        assertEquals(0, (probed.get(0) - t0) / 1_000_000, "the first probe right after the start");
        assertEquals(List.of(2L, 4L, 8L, 16L, 32L, 50L, 50L, 50L, 50L), gaps, "doubling from 2 ms, capped at 50 ms");
        assertTrue(slow.isReady());
    }

    @Test
    void aFailedStartIsAWakeErrorNamingTheContainer() {
        docker.add("bad", ContainerStatus.STOPPED);
        docker.failStart = true;
        IdleWatcher bad = watchers(route("bad", 1, "idle_timeout: 1h")).get("bad").orElseThrow();
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> bad.wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("start container 'bad'"), e.getCause().getMessage());
        assertEquals("docker local: start container 'bad': boom", bad.lastError().orElseThrow());
    }

    @Test
    void followsChangesMadeOutsideDormouse() {
        docker.add("ext", ContainerStatus.STOPPED);
        IdleWatcher ext = watchers(route("ext", 1, "idle_timeout: 400ms")).get("ext").orElseThrow();
        docker.external("ext", ContainerStatus.RUNNING, ContainerEvent.Action.START);
        await("ready after an outside start", ext::isReady);
        advance(Duration.ofMillis(400));
        await("put back to sleep after the idle timeout", () -> docker.count("stop ext") == 1);
        docker.status.put("ext", ContainerStatus.RUNNING);
        docker.external("ext", ContainerStatus.RUNNING, ContainerEvent.Action.START);
        await("ready again", ext::isReady);
        docker.external("ext", ContainerStatus.STOPPED, ContainerEvent.Action.STOP);
        await("napping after an outside stop", () -> ext.state() == RouteState.NAPPING);
        docker.external("ext", ContainerStatus.MISSING, ContainerEvent.Action.DESTROY);
        await("missing after destroy", () -> ext.state() == RouteState.MISSING);
        docker.external("ext", ContainerStatus.STOPPED, ContainerEvent.Action.CREATE);
        await("adopted after a recreate", () -> ext.state() == RouteState.NAPPING);
    }

    @Test
    void newSubscribersGetTheCurrentWakesHistory() throws Exception {
        docker.add("h", ContainerStatus.STOPPED);
        IdleWatcher h = watchers(route("h", 1, "idle_timeout: 1h")).get("h").orElseThrow();
        h.wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS);
        List<WakeEvent> seen = new ArrayList<>();
        h.subscribe(seen::add).close();
        assertEquals(WakeEvent.Type.STARTING, seen.get(0).type());
        assertEquals(WakeEvent.Type.READY, seen.get(seen.size() - 1).type());
        for (int i = 1; i < seen.size(); i++) assertTrue(seen.get(i).id() > seen.get(i - 1).id());
        assertTrue(seen.get(0).toSse().startsWith("id: "));
        assertTrue(seen.get(0).toJson().contains("\"route\":\"h\""));
    }

    @Test
    void idlenessIsMeasuredWithTheInjectedTimeAndActivityIsLazy() {
        docker.add("app", ContainerStatus.RUNNING);
        IdleWatcher app = watchers(route("app", 1, "idle_timeout: 100ms")).get("app").orElseThrow();
        assertEquals(1, time.pending(), "a ready route has one pending timer");
        for (int i = 0; i < 1_000; i++) {
            advance(Duration.ofMillis(60));
            app.touch();
        }
        assertEquals(1, time.pending(), "a thousand requests re-arm nothing: the one timer re-arms itself from the last activity");
        assertTrue(app.isReady(), "never idle for a whole idle timeout");
        advance(Duration.ofMillis(99));
        assertEquals(0, docker.count("stop app"));
        advance(Duration.ofMillis(1));
        await("asleep once the injected time passed the idle timeout", () -> docker.count("stop app") == 1);
        assertEquals(0, time.pending(), "a napping route has no timer");
    }

    // ---------------------------------------------------------------- backoff after failed wakes

    /** The wake's failure, which must come at once (a refused wake never waits). */
    private static WakeFailedException failure(CompletableFuture<Void> wake) throws Exception {
        try {
            wake.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return assertInstanceOf(WakeFailedException.class, e.getCause());
        }
        throw new AssertionError("the wake should have failed");
    }

    /** A refusal: failed already when returned, with exactly {@code left} to go, and nothing asked of the provider. */
    private WakeFailedException refused(IdleWatcher w, Duration left) throws Exception {
        int actions = docker.actions.size();
        int inspections = docker.inspections.size();
        CompletableFuture<Void> wake = w.wake(OpSource.WAKE_REQUEST);
        assertTrue(wake.isCompletedExceptionally(), "refused at once");
        WakeFailedException e = failure(wake);
        assertEquals(left, e.retryAfter().orElseThrow(), e.getMessage());
        assertEquals(actions, docker.actions.size(), "no container action while backing off");
        assertEquals(inspections, docker.inspections.size(), "not even an inspection while backing off");
        return e;
    }

    @Test
    void failedWakesBackOffFromOneSecondDoublingToAMinute() throws Exception {
        docker.add("crash", ContainerStatus.STOPPED);
        docker.failStart = true;
        IdleWatcher crash = watchers(route("crash", 1, "idle_timeout: 1h")).get("crash").orElseThrow();
        WakeFailedException first = failure(crash.wake(OpSource.WAKE_REQUEST));
        assertEquals(Duration.ofSeconds(1), first.retryAfter().orElseThrow(), "the failure itself says when to come back");
        assertEquals(1, docker.count("start crash"));

        long[] expected = {1, 2, 4, 8, 16, 32, 60, 60, 60};
        for (int i = 0; i < expected.length; i++) {
            Duration length = Duration.ofSeconds(expected[i]);
            WakeFailedException e = refused(crash, length);
            assertTrue(e.getMessage().contains("backing off for " + dev.dormouse.core.Durations.format(length) + " after " + (i + 1) + " failed wake"), e.getMessage());
            assertTrue(e.getMessage().contains("start container 'crash': boom"), "names the failure behind it: " + e.getMessage());
            advance(length.minusMillis(1));
            refused(crash, Duration.ofMillis(1));
            advance(Duration.ofMillis(1));
            WakeFailedException tried = failure(crash.wake(OpSource.WAKE_REQUEST));
            assertEquals(i + 2, docker.count("start crash"), "tried again once the backoff was over");
            long nextLength = i + 1 < expected.length ? expected[i + 1] : 60;
            assertEquals(Duration.ofSeconds(nextLength), tried.retryAfter().orElseThrow());
        }
        assertEquals(RouteState.ERROR, crash.state());
    }

    @Test
    void aSuccessfulWakeResetsTheBackoff() throws Exception {
        docker.add("flaky", ContainerStatus.STOPPED);
        docker.failStart = true;
        IdleWatcher flaky = watchers(route("flaky", 1, "idle_timeout: 1h")).get("flaky").orElseThrow();
        for (int i = 0; i < 3; i++) {
            if (i > 0) advance(Duration.ofMinutes(1));
            failure(flaky.wake(OpSource.WAKE_REQUEST));
        }
        refused(flaky, Duration.ofSeconds(4));
        docker.failStart = false;
        advance(Duration.ofSeconds(4));
        flaky.wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS);
        assertTrue(flaky.isReady());
        assertTrue(flaky.lastError().isEmpty());
        flaky.sleep(OpSource.ADMIN).get(5, TimeUnit.SECONDS);
        docker.failStart = true;
        assertEquals(Duration.ofSeconds(1), failure(flaky.wake(OpSource.WAKE_REQUEST)).retryAfter().orElseThrow(),
                "after a success the count starts over");
        refused(flaky, Duration.ofSeconds(1));
    }

    @Test
    void anAdminWakeIgnoresTheBackoffAndStartsTheCountOver() throws Exception {
        docker.add("crash", ContainerStatus.STOPPED);
        docker.failStart = true;
        IdleWatcher crash = watchers(route("crash", 1, "idle_timeout: 1h")).get("crash").orElseThrow();
        for (int i = 0; i < 4; i++) {
            if (i > 0) advance(Duration.ofMinutes(1));
            failure(crash.wake(OpSource.WAKE_REQUEST));
        }
        refused(crash, Duration.ofSeconds(8));
        assertEquals(4, docker.count("start crash"));

        WakeFailedException admin = failure(crash.wake(OpSource.ADMIN));
        assertEquals(5, docker.count("start crash"), "tried at once, inside the backoff");
        assertTrue(admin.getMessage().contains("boom"), admin.getMessage());
        assertEquals(Duration.ofSeconds(1), admin.retryAfter().orElseThrow(), "the admin wake started the count over");
        refused(crash, Duration.ofSeconds(1));

        docker.failStart = false;
        crash.wake(OpSource.ADMIN).get(5, TimeUnit.SECONDS);
        assertTrue(crash.isReady(), "an admin wake inside the backoff may succeed");
        crash.sleep(OpSource.ADMIN).get(5, TimeUnit.SECONDS);
        crash.wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS);
        assertTrue(crash.isReady(), "and its success lifted the backoff for everyone");
    }

    @Test
    void aDependencyThatBacksOffRefusesItsDependentsWithItsTimeLeft() throws Exception {
        docker.add("db", ContainerStatus.STOPPED);
        docker.add("app", ContainerStatus.STOPPED);
        docker.add("web", ContainerStatus.STOPPED);
        docker.failStartOf.add("db");
        IdleWatchers w = watchers(route("db", 1, "idle_timeout: 1h") + route("app", 2, "idle_timeout: 1h, depends_on: [db]")
                + route("web", 3, "idle_timeout: 1h, depends_on: [app]"));
        IdleWatcher db = w.get("db").orElseThrow();
        IdleWatcher app = w.get("app").orElseThrow();
        IdleWatcher web = w.get("web").orElseThrow();

        WakeFailedException first = failure(app.wake(OpSource.WAKE_REQUEST));
        assertTrue(first.getMessage().startsWith("dependency 'db' of route 'app' failed to wake"), first.getMessage());
        assertEquals(Duration.ofSeconds(1), first.retryAfter().orElseThrow(), "the dependency's backoff");
        assertEquals(List.of("start db"), docker.actions);

        advance(Duration.ofMillis(300));
        WakeFailedException e = refused(app, Duration.ofMillis(700));
        assertTrue(e.getMessage().startsWith("dependency 'db' of route 'app' failed to wake: wake of route 'db' not tried: backing off"),
                e.getMessage());
        refused(web, Duration.ofMillis(700));
        refused(db, Duration.ofMillis(700));

        advance(Duration.ofMillis(700));
        failure(web.wake(OpSource.WAKE_REQUEST));
        assertEquals(List.of("start db", "start db"), docker.actions, "tried again through the chain once the backoff was over");
        refused(app, Duration.ofSeconds(2));
        refused(web, Duration.ofSeconds(2));

        docker.failStartOf.clear();
        failure(app.wake(OpSource.WAKE_REQUEST));
        assertEquals(2, docker.count("start db"));
        app.wake(OpSource.ADMIN).get(5, TimeUnit.SECONDS);
        assertEquals(List.of("start db", "start db", "start db", "start app"), docker.actions,
                "an admin wake ignores the dependency's backoff too");
        assertTrue(db.isReady() && app.isReady());
        web.wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS);
        assertTrue(web.isReady(), "the dependents' own backoff never grew: the failures were the dependency's");
    }

    @Test
    void aRefusedWakeEmitsNothingAndTheErrorStaysForNewSubscribers() throws Exception {
        docker.add("crash", ContainerStatus.STOPPED);
        docker.failStart = true;
        IdleWatcher crash = watchers(route("crash", 1, "idle_timeout: 1h")).get("crash").orElseThrow();
        List<WakeEvent> live = new CopyOnWriteArrayList<>();
        crash.subscribe(live::add);
        failure(crash.wake(OpSource.WAKE_REQUEST));
        int afterFailure = live.size();
        assertEquals(WakeEvent.Type.ERROR, live.get(afterFailure - 1).type());
        for (int i = 0; i < 1_000; i++) refused(crash, Duration.ofSeconds(1));
        assertEquals(afterFailure, live.size(), "a thousand refused wakes, no event: " + live.subList(afterFailure, live.size()));
        List<WakeEvent> late = new ArrayList<>();
        crash.subscribe(late::add).close();
        assertEquals(live, late, "a page opened during the backoff sees the last wake, ending in its error");
        assertTrue(late.get(late.size() - 1).error().contains("boom"));
        assertEquals(1, docker.count("start crash"));
    }

    @Test
    void aDependentRefusedForItsDependencyGetsOneErrorInsteadOfAnOldReady() throws Exception {
        docker.add("db", ContainerStatus.STOPPED);
        docker.add("app", ContainerStatus.STOPPED);
        docker.add("other", ContainerStatus.STOPPED);
        IdleWatchers w = watchers(route("db", 1, "idle_timeout: 1h") + route("app", 2, "idle_timeout: 1h, depends_on: [db]")
                + route("other", 3, "idle_timeout: 1h, depends_on: [db]"));
        IdleWatcher app = w.get("app").orElseThrow();
        app.wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS);
        app.sleep(OpSource.ADMIN).get(5, TimeUnit.SECONDS);
        w.get("db").orElseThrow().sleep(OpSource.ADMIN).get(5, TimeUnit.SECONDS);
        docker.failStartOf.add("db");
        failure(w.get("other").orElseThrow().wake(OpSource.WAKE_REQUEST));

        List<WakeEvent> live = new CopyOnWriteArrayList<>();
        app.subscribe(live::add);
        assertEquals(WakeEvent.Type.READY, live.get(live.size() - 1).type(), "app's history is its last, successful wake");
        int before = live.size();
        for (int i = 0; i < 100; i++) refused(app, Duration.ofSeconds(1));
        assertEquals(before + 1, live.size(), "one error for the whole backoff, not one per request");
        WakeEvent error = live.get(before);
        assertEquals(WakeEvent.Type.ERROR, error.type());
        assertTrue(error.error().startsWith("dependency 'db' of route 'app' failed to wake"), error.error());
        List<WakeEvent> late = new ArrayList<>();
        app.subscribe(late::add).close();
        assertEquals(List.of(error), late, "a loading page opened now is told the route is not coming, not that it is ready");
    }

    // ---------------------------------------------------------------- crashes and failed wakes

    private final List<RouteIncident> incidents = new CopyOnWriteArrayList<>();

    private IdleWatchers following(IdleWatchers w) {
        w.subscribe(incidents::add);
        return w;
    }

    private List<String> incidents() {
        return incidents.stream().map(i -> i.route() + " " + i.kind().name().toLowerCase() + (i.reason().isEmpty() ? "" : " " + i.reason())).toList();
    }

    @Test
    void aContainerThatStopsWithoutDormouseAskingIsACrashUnlessItIsANap() throws Exception {
        for (String c : List.of("never", "clean", "failed", "oom", "paused")) docker.add(c, ContainerStatus.RUNNING);
        IdleWatchers w = following(watchers(route("never", 1, "") + route("clean", 2, "idle_timeout: 1h") + route("failed", 3, "idle_timeout: 1h")
                + route("oom", 4, "idle_timeout: 1h") + route("paused", 5, "")));
        for (String c : List.of("never", "clean", "failed", "oom", "paused")) assertEquals(RouteState.READY, w.get(c).orElseThrow().state(), c);

        docker.exits("never", 137, false);
        docker.exits("clean", 0, false);
        docker.exits("failed", 1, false);
        docker.exits("oom", 137, true);
        docker.external("paused", ContainerStatus.PAUSED, ContainerEvent.Action.PAUSE);
        await("three crashes", () -> incidents.size() == 3);
        await("clean and paused nap", () -> w.get("clean").orElseThrow().state() == RouteState.NAPPING
                && w.get("paused").orElseThrow().state() == RouteState.NAPPING);
        assertEquals(java.util.Set.of("never crashed exited with code 137", "failed crashed exited with code 1", "oom crashed OOM killed"),
                java.util.Set.copyOf(incidents()));
        IdleWatcher never = w.get("never").orElseThrow();
        assertEquals(RouteState.ERROR, never.state(), "a crash is no nap");
        assertEquals("container never exited with code 137", never.lastError().orElseThrow());
        assertEquals(RouteState.ERROR, w.get("oom").orElseThrow().state());

        // The rest of Docker's events for the same exit re-read the container: no second incident, still in error.
        long inspections = docker.inspections.stream().filter("never"::equals).count();
        docker.event("never", ContainerEvent.Action.STOP);
        docker.event("oom", ContainerEvent.Action.DIE);
        // at start-up, after the die, after the stop
        await("the later events were followed", () -> ((RouteWatcher) never).resyncs() == 3 && ((RouteWatcher) w.get("oom").orElseThrow()).resyncs() == 3);
        assertTrue(docker.inspections.stream().filter("never"::equals).count() > inspections);
        assertEquals(RouteState.ERROR, never.state());
        assertEquals(3, incidents.size(), incidents().toString());

        never.wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS);
        assertEquals(RouteState.READY, never.state(), "the next request wakes it as ever");
        assertTrue(never.lastError().isEmpty());
        assertEquals("never recovered", incidents().get(3));
        docker.exits("never", 2, false);
        await("a new episode", () -> incidents.size() == 5);
        assertEquals("never crashed exited with code 2", incidents().get(4));
    }

    @Test
    void dormousesOwnStopIsANapWhateverTheExitCodeEvenWhenItsEventComesWhileItStops() throws Exception {
        docker.add("web", ContainerStatus.RUNNING);
        IdleWatchers w = following(watchers(route("web", 1, "")));
        IdleWatcher web = w.get("web").orElseThrow();
        // The container ignores SIGTERM: the engine kills it after stop_timeout (exit 137), and its die event arrives mid-stop.
        docker.duringStop = c -> {
            docker.exitCodes.put(c, 137);
            docker.event(c, ContainerEvent.Action.DIE);
        };
        web.sleep(OpSource.ADMIN).get(5, TimeUnit.SECONDS);
        docker.event("web", ContainerEvent.Action.STOP);
        // at start-up, after the die that came mid-stop, after the stop
        await("the events were followed", () -> ((RouteWatcher) web).resyncs() == 3);
        assertEquals(RouteState.NAPPING, web.state());
        assertEquals(List.of(), incidents(), "no crash: dormouse asked");
    }

    @Test
    void aCrashedRouteStartedElsewhereIsAdoptedAndRecovers() throws Exception {
        docker.add("web", ContainerStatus.RUNNING);
        IdleWatchers w = following(watchers(route("web", 1, "")));
        docker.exits("web", 139, false);
        await("crashed", () -> incidents.size() == 1);
        docker.external("web", ContainerStatus.RUNNING, ContainerEvent.Action.START);
        await("adopted", () -> w.get("web").orElseThrow().state() == RouteState.READY);
        await("recovered", () -> incidents.size() == 2);
        assertEquals(List.of("web crashed exited with code 139", "web recovered"), incidents());
    }

    @Test
    void aFailedWakeIsReportedOncePerEpisode() throws Exception {
        docker.add("flaky", ContainerStatus.STOPPED);
        docker.failStart = true;
        IdleWatcher flaky = following(watchers(route("flaky", 1, "idle_timeout: 1h"))).get("flaky").orElseThrow();
        failure(flaky.wake(OpSource.WAKE_REQUEST));
        refused(flaky, Duration.ofSeconds(1));
        advance(Duration.ofSeconds(1));
        failure(flaky.wake(OpSource.WAKE_REQUEST));
        failure(flaky.wake(OpSource.ADMIN));
        assertEquals(3, docker.count("start flaky"), "three real attempts");
        assertEquals(List.of("flaky wake_failed docker local: start container 'flaky': boom"), incidents(), "one report for the episode");

        docker.failStart = false;
        flaky.wake(OpSource.ADMIN).get(5, TimeUnit.SECONDS);
        assertEquals("flaky recovered", incidents().get(1));
        flaky.sleep(OpSource.ADMIN).get(5, TimeUnit.SECONDS);
        docker.failStart = true;
        failure(flaky.wake(OpSource.WAKE_REQUEST));
        assertEquals(3, incidents.size(), "a new episode, a new report: " + incidents());
        assertEquals(RouteIncident.Kind.WAKE_FAILED, incidents.get(2).kind());
    }
}
