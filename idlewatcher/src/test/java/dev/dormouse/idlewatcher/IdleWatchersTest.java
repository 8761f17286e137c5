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
import java.io.StringReader;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
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

    @AfterEach
    void close() {
        opened.forEach(IdleWatchers::close);
    }

    private IdleWatchers watchers(String routesYaml) {
        String yaml = "providers:\n  docker: [{name: local}]\nroutes:\n" + routesYaml;
        DormouseConfig cfg = ConfigLoader.parse(new StringReader(yaml), "test.yml", Path.of("."), Path.of("test.yml"));
        ReadinessProbe probe = (target, hc, timeout) -> {
            // a container answers once it runs, unless the test says otherwise
            Boolean a = answering.get(target.getPort());
            return a != null ? a : true;
        };
        IdleWatchers w = new IdleWatchers(new IdleWatchers.Deps(cfg.routes(), Map.of("docker:local", docker),
                Lifecycle.direct(), probe, Clock.systemUTC()));
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
        ExecutionException e = assertThrows(ExecutionException.class, () -> app.wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("container app has no address yet"), e.getCause().getMessage());
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
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1200);
        await("well past the idle timeout", () -> System.nanoTime() > until);
        assertTrue(ws.isReady(), "an open connection keeps the route awake");
        assertEquals(0, docker.count("stop ws"));
        ws.requestEnded();
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
        await("app sleeps", () -> docker.count("stop app") == 1);
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(600);
        await("a while", () -> System.nanoTime() > until);
        assertEquals(0, docker.count("stop db"), "db must stay awake while app2 is awake");
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
        long t0 = System.nanoTime();
        try {
            slow.wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS);
            fail("wake should fail");
        } catch (ExecutionException e) {
            assertInstanceOf(WakeFailedException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("timed out after 500ms"), e.getCause().getMessage());
        }
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(3));
        assertEquals(RouteState.ERROR, slow.state());
        WakeEvent last = seen.get(seen.size() - 1);
        assertEquals(WakeEvent.Type.ERROR, last.type());
        assertEquals(1, seen.stream().filter(e -> e.type() == WakeEvent.Type.ERROR).count(), "one error per failed wake: " + seen);
        assertFalse(last.error().isEmpty());
        // the next request tries again
        answering.put(9, true);
        slow.wake(OpSource.WAKE_REQUEST).get(5, TimeUnit.SECONDS);
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
}
