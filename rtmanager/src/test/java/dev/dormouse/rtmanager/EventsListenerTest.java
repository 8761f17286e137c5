package dev.dormouse.rtmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.spi.ContainerEvent.Action;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.OpSource;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventsListenerTest {
    @TempDir
    Path dir;
    private final FakeProvider docker = new FakeProvider();
    private final MutableClock clock = new MutableClock();
    private final AtomicInteger resyncs = new AtomicInteger();
    private RuntimeStore store;
    private LifecycleService lifecycle;
    private EventsListener listener;

    @BeforeEach
    void setUp() {
        store = RuntimeStore.open(dir);
        lifecycle = new LifecycleService(new LifecycleService.Deps(store, Map.of("docker:local", docker), clock));
        lifecycle.register(List.of(new RuntimeSpec("app", "docker:local", "app", "SIGTERM", Duration.ofSeconds(10), Optional.empty())));
        listener = new EventsListener(new EventsListener.Deps(lifecycle, resyncs::incrementAndGet));
    }

    @AfterEach
    void tearDown() {
        listener.close();
        lifecycle.close();
    }

    /** Delivers an event that happened now, then moves the clock on a second. */
    private void event(Action action, String id, String name, Map<String, String> attributes) {
        listener.accept(new ContainerEvent("local", id, name, action, clock.instant(), attributes));
        listener.tick();
        clock.advance(Duration.ofSeconds(1));
    }

    private void event(Action action, String id) {
        event(action, id, "app", Map.of());
    }

    private RuntimeRecord record() {
        return store.record("app").orElseThrow();
    }

    private List<String> health() {
        return store.healthEvents(Optional.of("app"), 100).reversed().stream().map(e -> e.type().label() + " " + e.containerId() + " " + e.details())
                .toList();
    }

    @Test
    void startDieAndOomBecomeRecordsAndHealthEvents() {
        event(Action.START, "c1");
        assertEquals(List.of(RuntimeStatus.RUNNING, "c1"), List.of(record().status(), record().containerId()));
        event(Action.OOM, "c1");
        event(Action.KILL, "c1");
        event(Action.DIE, "c1", "app", Map.of("exitCode", "137", "name", "app"));
        assertEquals(RuntimeStatus.STOPPED, record().status());
        event(Action.START, "c1");
        event(Action.DIE, "c1", "app", Map.of("exitCode", "0"));
        event(Action.START, "c1");
        event(Action.DIE, "c1", "app", Map.of());
        assertEquals(List.of("container_started c1 {}", "container_oom c1 {}", "container_exited c1 {\"exit_code\":137,\"oom\":true}",
                "container_started c1 {}", "container_exited c1 {\"exit_code\":0,\"oom\":false}", "container_started c1 {}",
                "container_exited c1 {\"exit_code\":-1,\"oom\":false}"), health(), "the oom flag belongs to the next die only");
        assertEquals(List.of(), store.operations(Optional.empty(), 10), "events are observations, not operations");
    }

    @Test
    void stopPauseAndUnpauseMoveTheStatus() {
        event(Action.START, "c1");
        event(Action.PAUSE, "c1");
        assertEquals(RuntimeStatus.PAUSED, record().status());
        event(Action.UNPAUSE, "c1");
        assertEquals(RuntimeStatus.RUNNING, record().status());
        event(Action.STOP, "c1");
        assertEquals(RuntimeStatus.STOPPED, record().status());
        assertTrue(record().stoppedAt().isPresent());
    }

    @Test
    void aDestroyOfTheRunningContainerIsADisappearanceExactlyOnce() {
        event(Action.START, "c1");
        event(Action.DESTROY, "c1");
        assertEquals(RuntimeStatus.REMOVED, record().status());
        assertEquals(Optional.of(clock.instant().minusSeconds(1)), record().removedAt());
        event(Action.DESTROY, "c1");
        docker.containers.clear();
        List<Operation> reconciled = new Reconciler(new Reconciler.Deps(lifecycle, clock, Duration.ofMinutes(5))).tick();
        assertEquals(List.of(), reconciled, "the record already says removed");
        assertEquals(List.of("container_started c1 {}", "container_disappeared c1 {}"), health());
    }

    @Test
    void aDestroyOfAnOldContainerAfterARecreateIsIgnored() {
        event(Action.START, "c1");
        event(Action.CREATE, "c2");
        event(Action.START, "c2");
        assertEquals(List.of(RuntimeStatus.RUNNING, "c2"), List.of(record().status(), record().containerId()), "adopted by name");
        event(Action.DIE, "c1", "app", Map.of("exitCode", "0"));
        event(Action.DESTROY, "c1");
        assertEquals(List.of(RuntimeStatus.RUNNING, "c2"), List.of(record().status(), record().containerId()));
        assertEquals(List.of("container_started c1 {}", "container_started c2 {}"), health(), "no exit, no disappearance of c2");
    }

    @Test
    void aDestroyOfAStoppedContainerCountsOnlyWhenNoActionIsRemovingIt() {
        event(Action.START, "c1");
        event(Action.DIE, "c1", "app", Map.of("exitCode", "0"));
        Instant now = clock.instant();
        store.acquire("app", "a-removal", now, now.plusSeconds(40));
        event(Action.DESTROY, "c1");
        assertEquals(RuntimeStatus.STOPPED, record().status(), "the removal under way records it");
        store.release("app", "a-removal");
        event(Action.DESTROY, "c1");
        assertEquals(RuntimeStatus.REMOVED, record().status());
        assertEquals(List.of("container_started c1 {}", "container_exited c1 {\"exit_code\":0,\"oom\":false}", "container_disappeared c1 {}"),
                health());
    }

    @Test
    void theLifecycleServicesOwnRemovalIsNoDisappearance() {
        docker.with("app", ContainerStatus.STOPPED, "c1");
        event(Action.START, "c1");
        event(Action.DIE, "c1", "app", Map.of("exitCode", "0"));
        docker.during = () -> {
            listener.accept(new ContainerEvent("local", "c1", "app", Action.DESTROY, clock.instant(), Map.of()));
            listener.tick();
            assertEquals(RuntimeStatus.STOPPED, record().status(), "seen while the removal holds the lease");
        };
        lifecycle.perform("app", OpKind.REMOVE, OpSource.AUTO_TTL);
        assertEquals(RuntimeStatus.REMOVED, record().status());
        assertEquals(List.of("container_started c1 {}", "container_exited c1 {\"exit_code\":0,\"oom\":false}"), health());
    }

    @Test
    void anEventOlderThanTheLastOperationDoesNotMoveTheStatus() {
        docker.with("app", ContainerStatus.STOPPED, "c1");
        Instant before = clock.instant();
        clock.advance(Duration.ofSeconds(5));
        lifecycle.perform("app", OpKind.START, OpSource.WAKE_REQUEST);
        listener.accept(new ContainerEvent("local", "c1", "app", Action.DIE, before, Map.of("exitCode", "0")));
        listener.tick();
        assertEquals(RuntimeStatus.RUNNING, record().status(), "the start recorded later knows better");
        assertEquals(List.of("container_exited c1 {\"exit_code\":0,\"oom\":false}"), health(), "the event itself is still recorded");
    }

    @Test
    void eventsOfOtherContainersAndProvidersAreIgnored() {
        event(Action.START, "x1", "other", Map.of());
        listener.forProvider("docker:elsewhere").accept(new ContainerEvent("elsewhere", "c1", "app", Action.START, clock.instant(), Map.of()));
        listener.tick();
        listener.accept(new ContainerEvent("remote", "c1", "app", Action.START, clock.instant(), Map.of()));
        listener.tick();
        assertEquals(List.of(RuntimeStatus.STOPPED, ""), List.of(record().status(), record().containerId()));
        assertEquals(List.of(), health());
        listener.forProvider("docker:local").accept(new ContainerEvent("local", "c1", "app", Action.START, clock.instant(), Map.of()));
        listener.tick();
        assertEquals(RuntimeStatus.RUNNING, record().status(), "matched by provider key");
        event(Action.DIE, "c1", "", Map.of("exitCode", "3"));
        assertEquals(RuntimeStatus.STOPPED, record().status(), "matched by container id");
    }

    @Test
    void aStartedListenerAppliesEventsOnItsOwnThreadAndResyncs() {
        listener.start();
        listener.accept(new ContainerEvent("local", "c1", "app", Action.START, clock.instant(), Map.of()));
        Await.until("the start applied", () -> record().status() == RuntimeStatus.RUNNING);
        listener.accept(new ContainerEvent("local", "", "", Action.RESYNC, clock.instant(), Map.of()));
        Await.until("resync ran", () -> resyncs.get() == 1);
        listener.close();
        listener.accept(new ContainerEvent("local", "c1", "app", Action.DIE, clock.instant(), Map.of()));
        listener.tick();
        assertEquals(RuntimeStatus.RUNNING, record().status(), "a closed listener takes no events");
    }
}
