package dev.dormouse.rtmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.spi.ContainerHealth;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.core.testkit.ManualScheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconcilerTest {
    @TempDir
    Path dir;
    private final FakeProvider docker = new FakeProvider();
    private final MutableClock clock = new MutableClock();
    private RuntimeStore store;
    private LifecycleService lifecycle;
    private Reconciler reconciler;

    @BeforeEach
    void setUp() {
        store = RuntimeStore.open(dir);
        lifecycle = new LifecycleService(new LifecycleService.Deps(store, Map.of("docker:local", docker), clock));
        reconciler = new Reconciler(new Reconciler.Deps(lifecycle, clock, Duration.ofMinutes(5)));
    }

    @AfterEach
    void tearDown() {
        reconciler.close();
        lifecycle.close();
    }

    private void register(String... ids) {
        for (String id : ids) {
            lifecycle.register(List.of(new RuntimeSpec(id, "docker:local", id, "SIGTERM", Duration.ofSeconds(10), Optional.empty())));
        }
    }

    /** Puts a record in a state as if events had been seen. */
    private void recordSays(String id, RuntimeStatus status, String containerId) {
        store.observe(id, new RecordUpdate(status, containerId, "img:1", false), clock.instant(), EnumSet.allOf(RuntimeStatus.class), "", false,
                Optional.empty());
    }

    private RuntimeRecord record(String id) {
        return store.record(id).orElseThrow();
    }

    private static String row(Operation o) {
        return o.runtimeId() + " " + o.kind().label() + "/" + o.source().label() + "/" + o.outcome().label() + " " + o.containerId();
    }

    private List<String> health() {
        return store.healthEvents(Optional.empty(), 100).reversed().stream()
                .map(e -> e.runtimeId() + " " + e.type().label() + " " + e.containerId() + " " + e.details()).toList();
    }

    @Test
    void aContainerTheRecordDoesNotKnowIsAdopted() {
        register("fresh", "recreated", "back");
        docker.with("fresh", ContainerStatus.RUNNING, "f1");
        docker.with("recreated", ContainerStatus.RUNNING, "r2");
        docker.with("back", ContainerStatus.STOPPED, "b1");
        recordSays("recreated", RuntimeStatus.RUNNING, "r1");
        recordSays("back", RuntimeStatus.REMOVED, "b0");
        docker.box("back").image = "img:2";

        List<Operation> ops = reconciler.tick();
        assertEquals(List.of("back reconcile_adopt/startup/success b1", "fresh reconcile_adopt/startup/success f1",
                "recreated reconcile_adopt/startup/success r2"), ops.stream().map(ReconcilerTest::row).toList());
        assertEquals(List.of(RuntimeStatus.RUNNING, "f1", "img:1"), List.of(record("fresh").status(), record("fresh").containerId(),
                record("fresh").image()));
        assertEquals(List.of(RuntimeStatus.RUNNING, "r2"), List.of(record("recreated").status(), record("recreated").containerId()));
        assertEquals(List.of(RuntimeStatus.STOPPED, "b1", "img:2"), List.of(record("back").status(), record("back").containerId(),
                record("back").image()));
        assertEquals(List.of(), health(), "an adoption is no health event");
        assertEquals(ops, store.operations(Optional.empty(), 10).reversed(), "returned rows are the logged ones");

        assertEquals(List.of(), reconciler.tick(), "records and containers agree now");
        docker.box("fresh").status = ContainerStatus.PAUSED;
        assertEquals(List.of("fresh reconcile_adopt/reconcile/success f1"), reconciler.tick().stream().map(ReconcilerTest::row).toList(),
                "later passes log op_source reconcile");
        assertEquals(RuntimeStatus.PAUSED, record("fresh").status());
    }

    @Test
    void aRunningRecordWhoseContainerStoppedIsAnObservedExit() {
        register("app");
        docker.with("app", ContainerStatus.STOPPED, "c1");
        docker.box("app").exitCode = 137;
        recordSays("app", RuntimeStatus.RUNNING, "c1");
        clock.advance(Duration.ofSeconds(3));
        assertEquals(List.of("app reconcile_adopt/startup/success c1"), reconciler.tick().stream().map(ReconcilerTest::row).toList());
        assertEquals(RuntimeStatus.STOPPED, record("app").status());
        assertEquals(Optional.of(clock.instant()), record("app").stoppedAt());
        assertEquals(List.of("app container_exited c1 {\"exit_code\":137,\"oom\":false}"), health());
        assertEquals(List.of(), reconciler.tick());
        assertEquals(1, health().size());
    }

    @Test
    void aMissingContainerIsADisappearanceOnce() {
        register("run", "paused", "stopped", "gone");
        recordSays("run", RuntimeStatus.RUNNING, "c1");
        recordSays("paused", RuntimeStatus.PAUSED, "c2");
        recordSays("stopped", RuntimeStatus.STOPPED, "c3");
        recordSays("gone", RuntimeStatus.REMOVED, "c4");
        List<Operation> ops = reconciler.tick();
        assertEquals(List.of("paused reconcile_dispose/startup/success c2", "run reconcile_dispose/startup/success c1",
                "stopped reconcile_dispose/startup/success c3"), ops.stream().map(ReconcilerTest::row).toList());
        for (String id : List.of("run", "paused", "stopped")) {
            assertEquals(RuntimeStatus.REMOVED, record(id).status(), id);
            assertTrue(record(id).removedAt().isPresent(), id);
        }
        assertEquals(List.of("paused container_disappeared c2 {}", "run container_disappeared c1 {}", "stopped container_disappeared c3 {}"),
                health());
        assertEquals(List.of(), reconciler.tick(), "once");
        assertEquals(3, health().size());
    }

    @Test
    void aRecordOfARuntimeNoLongerConfiguredIsDisposedWithoutTouchingItsContainer() {
        register("kept", "dropped");
        docker.with("kept", ContainerStatus.RUNNING, "k1");
        docker.with("dropped", ContainerStatus.RUNNING, "d1");
        recordSays("kept", RuntimeStatus.RUNNING, "k1");
        recordSays("dropped", RuntimeStatus.RUNNING, "d1");
        docker.calls.clear();
        lifecycle.unregister(List.of("dropped"));
        assertEquals(List.of("dropped reconcile_dispose/startup/success d1"), reconciler.tick().stream().map(ReconcilerTest::row).toList());
        assertEquals(RuntimeStatus.REMOVED, record("dropped").status());
        assertEquals(ContainerStatus.RUNNING, docker.box("dropped").status, "the container is left alone");
        assertTrue(docker.calls.stream().noneMatch(c -> c.endsWith(" dropped")), "not even inspected: " + docker.calls);
        assertEquals(List.of(), health());
        assertEquals(List.of(), reconciler.tick());
        assertEquals(2, store.records().size(), "records are never deleted");
    }

    @Test
    void aRuntimeUnderAnActionIsLeftForTheNextPassAndOneFailureSkipsOnlyItsRuntime() {
        register("a", "b");
        docker.with("a", ContainerStatus.RUNNING, "a1");
        docker.with("b", ContainerStatus.RUNNING, "b1");
        Instant now = clock.instant();
        store.acquire("b", "the-cli", now, now.plusSeconds(40));
        docker.failNext("inspect", new ProviderException(ProviderException.Reason.UNAVAILABLE, "docker local: inspect: timeout"));
        assertEquals(List.of(), reconciler.tick(), "a's inspection failed, b's lease is held");
        assertEquals("the-cli", store.lease("b").orElseThrow().holder());
        clock.advance(Duration.ofSeconds(41));
        assertEquals(List.of("a reconcile_adopt/reconcile/success a1", "b reconcile_adopt/reconcile/success b1"),
                reconciler.tick().stream().map(ReconcilerTest::row).toList(), "the expired lease is taken over");
        assertTrue(store.lease("b").isEmpty());
    }

    @Test
    void decideIsATableOfRecordAndContainerStates() {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        record Case(RuntimeStatus record, String recordId, ContainerStatus container, String containerId, String expect) {}
        List<Case> cases = List.of(
                new Case(RuntimeStatus.RUNNING, "c1", ContainerStatus.RUNNING, "c1", "none"),
                new Case(RuntimeStatus.STOPPED, "c1", ContainerStatus.STOPPED, "c1", "none"),
                new Case(RuntimeStatus.REMOVED, "c1", ContainerStatus.MISSING, "", "none"),
                new Case(RuntimeStatus.RUNNING, "c1", ContainerStatus.STOPPED, "c1", "reconcile_adopt stopped container_exited"),
                new Case(RuntimeStatus.PAUSED, "c1", ContainerStatus.STOPPED, "c1", "reconcile_adopt stopped container_exited"),
                new Case(RuntimeStatus.RUNNING, "", ContainerStatus.STOPPED, "c1", "reconcile_adopt stopped container_exited"),
                new Case(RuntimeStatus.RUNNING, "c1", ContainerStatus.STOPPED, "c2", "reconcile_adopt stopped -"),
                new Case(RuntimeStatus.STOPPED, "c1", ContainerStatus.RUNNING, "c1", "reconcile_adopt running -"),
                new Case(RuntimeStatus.RUNNING, "c1", ContainerStatus.PAUSED, "c1", "reconcile_adopt paused -"),
                new Case(RuntimeStatus.REMOVED, "c1", ContainerStatus.RUNNING, "c2", "reconcile_adopt running -"),
                new Case(RuntimeStatus.STOPPED, "", ContainerStatus.STOPPED, "c1", "reconcile_adopt stopped -"),
                new Case(RuntimeStatus.RUNNING, "c1", ContainerStatus.MISSING, "", "reconcile_dispose removed container_disappeared"),
                new Case(RuntimeStatus.STOPPED, "c1", ContainerStatus.MISSING, "", "reconcile_dispose removed container_disappeared"),
                new Case(RuntimeStatus.STOPPED, "", ContainerStatus.MISSING, "", "reconcile_dispose removed -"));
        for (Case c : cases) {
            RuntimeRecord r = new RuntimeRecord("app", "docker:local", "app", c.recordId(), "img", c.record(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), t, Optional.empty());
            ContainerState s = c.container() == ContainerStatus.MISSING ? ContainerState.missing("app")
                    : new ContainerState(c.containerId(), "app", c.container(), ContainerHealth.NONE, "img", 0, 0, Optional.empty(), Optional.empty(), Map.of(), "");
            String got = Reconciler.decide(r, s).map(k -> k.kind().label() + " " + k.status().label() + " "
                    + k.health().map(h -> h.type().label()).orElse("-")).orElse("none");
            assertEquals(c.expect(), got, c.toString());
        }
    }

    @Test
    void theStartupPassRunsBeforeStartAndStartRunsLaterPasses() {
        register("app");
        docker.with("app", ContainerStatus.RUNNING, "c1");
        assertEquals(OpSource.STARTUP, reconciler.tick().get(0).source());
        ManualScheduler time = new ManualScheduler();
        Reconciler looping = new Reconciler(new Reconciler.Deps(lifecycle, clock, time, Duration.ofMinutes(5)));
        looping.tick();
        looping.start();
        docker.box("app").status = ContainerStatus.STOPPED;
        time.advance(Duration.ofMinutes(5).minusMillis(1));
        assertEquals(RuntimeStatus.RUNNING, record("app").status(), "no second pass at start: the daemon ran the first before serving");
        time.advance(Duration.ofMillis(1));
        Await.until("a periodic pass adopted the stop", () -> record("app").status() == RuntimeStatus.STOPPED);
        looping.close();
        assertEquals(OpSource.RECONCILE, store.operations(Optional.of("app"), 1).get(0).source());
    }
}
