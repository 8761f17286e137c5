package dev.dormouse.rtmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dormouse.core.spi.ContainerHealth;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.core.testkit.ManualScheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectWorkerTest {
    @TempDir
    Path dir;
    private final FakeProvider docker = new FakeProvider();
    private final MutableClock clock = new MutableClock();
    private RuntimeStore store;
    private LifecycleService lifecycle;
    private InspectWorker worker;

    @BeforeEach
    void setUp() {
        store = RuntimeStore.open(dir);
        lifecycle = new LifecycleService(new LifecycleService.Deps(store, Map.of("docker:local", docker), clock));
        for (String id : List.of("app", "db")) {
            lifecycle.register(List.of(new RuntimeSpec(id, "docker:local", id, "SIGTERM", Duration.ofSeconds(10), Optional.empty())));
            docker.with(id, ContainerStatus.STOPPED);
            lifecycle.perform(id, OpKind.START, OpSource.STARTUP);
        }
        worker = new InspectWorker(new InspectWorker.Deps(lifecycle, clock, Duration.ofSeconds(30)));
    }

    @AfterEach
    void tearDown() {
        worker.close();
        lifecycle.close();
    }

    private List<String> events() {
        return store.healthEvents(Optional.empty(), 100).reversed().stream().map(e -> e.runtimeId() + " " + e.type().label() + " " + e.details())
                .toList();
    }

    @Test
    void theFirstObservationOnlySeedsTheRestartBaseline() {
        docker.box("app").restartCount = 5;
        worker.tick();
        assertEquals(List.of(), events(), "5 restarts seen for the first time: no event");
        assertEquals(Map.of("app", 5, "db", 0), worker.baselines());
        worker.tick();
        assertEquals(List.of(), events());
        docker.box("app").restartCount = 6;
        clock.advance(Duration.ofSeconds(30));
        worker.tick();
        assertEquals(List.of("app inspect_unhealthy {\"restart_count\":6,\"state\":\"running\",\"health\":\"none\"}"), events());
        assertEquals(clock.instant(), store.healthEvents(Optional.empty(), 1).get(0).occurredAt());
        assertEquals("id-app", store.healthEvents(Optional.empty(), 1).get(0).containerId());
        worker.tick();
        assertEquals(1, events().size(), "no rise since the last pass");
    }

    @Test
    void aStartedWorkerTakesItsBaselinesAtOnceThenInspectsEveryInterval() {
        ManualScheduler time = new ManualScheduler();
        docker.box("app").restartCount = 2;
        try (InspectWorker started = new InspectWorker(new InspectWorker.Deps(lifecycle, clock, time, Duration.ofSeconds(30))).start()) {
            Await.until("the baselines of the first pass, at start", () -> started.baselines().equals(Map.of("app", 2, "db", 0)));
            docker.box("app").restartCount = 3;
            time.advance(Duration.ofSeconds(30));
            Await.until("the rise seen by the next pass", () -> events().size() == 1);
            assertEquals(List.of("app inspect_unhealthy {\"restart_count\":3,\"state\":\"running\",\"health\":\"none\"}"), events());
        }
    }

    @Test
    void anUnhealthyOrNotRunningContainerIsReportedOnEveryPass() {
        docker.box("app").health = ContainerHealth.UNHEALTHY;
        docker.box("db").status = ContainerStatus.PAUSED;
        worker.tick();
        worker.tick();
        docker.box("app").health = ContainerHealth.HEALTHY;
        worker.tick();
        String sick = "app inspect_unhealthy {\"restart_count\":0,\"state\":\"running\",\"health\":\"unhealthy\"}";
        String paused = "db inspect_unhealthy {\"restart_count\":0,\"state\":\"paused\",\"health\":\"none\"}";
        assertEquals(List.of(sick, paused, sick, paused, paused), events());
    }

    @Test
    void baselinesOfRuntimesNoLongerRunningArePruned() {
        docker.box("app").restartCount = 2;
        worker.tick();
        assertEquals(Map.of("app", 2, "db", 0), worker.baselines());
        clock.advance(Duration.ofSeconds(30));
        lifecycle.perform("app", OpKind.STOP, OpSource.IDLE_TIMEOUT);
        worker.tick();
        assertEquals(Map.of("db", 0), worker.baselines());
        docker.box("app").restartCount = 9;
        clock.advance(Duration.ofSeconds(30));
        lifecycle.perform("app", OpKind.START, OpSource.WAKE_REQUEST);
        worker.tick();
        assertEquals(List.of(), events(), "a new life starts a new baseline: 2 -> 9 across a stop is no event");
        assertEquals(Map.of("app", 9, "db", 0), worker.baselines());
    }

    @Test
    void aCrashLoopKeepsItsBaselineWhileTheContainerIsBetweenRestarts() {
        docker.box("app").restartCount = 1;
        worker.tick();
        // The restart policy's back-off: the die event made the record stopped; dormouse did nothing.
        clock.advance(Duration.ofSeconds(30));
        store.observe("app", RecordUpdate.observed(RuntimeStatus.STOPPED, "id-app"), clock.instant(), java.util.EnumSet.allOf(RuntimeStatus.class),
                "", false, Optional.empty());
        worker.tick();
        assertEquals(Map.of("app", 1, "db", 0), worker.baselines(), "not running now, but the same life");
        docker.box("app").restartCount = 3;
        store.observe("app", RecordUpdate.observed(RuntimeStatus.RUNNING, "id-app"), clock.instant(), java.util.EnumSet.allOf(RuntimeStatus.class),
                "", false, Optional.empty());
        worker.tick();
        assertEquals(List.of("app inspect_unhealthy {\"restart_count\":3,\"state\":\"running\",\"health\":\"none\"}"), events());
        docker.box("app").restartCount = 0;
        worker.tick();
        assertEquals(1, events().size(), "a count reset by a manual start only re-seeds the baseline");
        assertEquals(Map.of("app", 0, "db", 0), worker.baselines());
    }

    @Test
    void aMissingContainerIsLeftToTheListenerAndReconcilerAndAFailureToTheNextPass() {
        docker.containers.remove("app");
        docker.failNext("inspect", new ProviderException(ProviderException.Reason.UNAVAILABLE, "docker local: inspect: connection refused"));
        docker.box("db").restartCount = 1;
        worker.tick();
        assertEquals(List.of(), events());
        assertEquals(Map.of("db", 1), worker.baselines(), "app's inspection failed; db's still ran");
        docker.box("db").restartCount = 2;
        worker.tick();
        assertEquals(List.of("db inspect_unhealthy {\"restart_count\":2,\"state\":\"running\",\"health\":\"none\"}"), events(),
                "no container_disappeared from the inspect worker");
        assertEquals(RuntimeStatus.RUNNING, store.record("app").orElseThrow().status());
    }

    @Test
    void depsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new InspectWorker.Deps(lifecycle, clock, Duration.ZERO));
        assertThrows(NullPointerException.class, () -> new InspectWorker.Deps(lifecycle, null, Duration.ofSeconds(1)));
    }
}
