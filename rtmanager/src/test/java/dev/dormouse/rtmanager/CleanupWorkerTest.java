package dev.dormouse.rtmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

class CleanupWorkerTest {
    private static final Duration DAY = Duration.ofDays(1);
    @TempDir
    Path dir;
    private final FakeProvider docker = new FakeProvider();
    private final MutableClock clock = new MutableClock();
    private final Instant t0 = clock.instant();
    private RuntimeStore store;
    private LifecycleService lifecycle;
    private CleanupWorker cleanup;

    @BeforeEach
    void setUp() {
        store = RuntimeStore.open(dir);
        lifecycle = new LifecycleService(new LifecycleService.Deps(store, Map.of("docker:local", docker), clock));
        cleanup = new CleanupWorker(new CleanupWorker.Deps(lifecycle, clock, Duration.ofHours(1)));
    }

    @AfterEach
    void tearDown() {
        cleanup.close();
        lifecycle.close();
    }

    /** A runtime whose last action, at {@code at}, left its container {@code status}. */
    private void runtime(String id, Optional<Duration> retention, ContainerStatus status, Instant at) {
        lifecycle.register(List.of(new RuntimeSpec(id, "docker:local", id, "SIGTERM", Duration.ofSeconds(10), retention)));
        docker.with(id, ContainerStatus.STOPPED, "c-" + id);
        clock.set(at);
        lifecycle.perform(id, status == ContainerStatus.RUNNING ? OpKind.START : OpKind.STOP, OpSource.ADMIN);
    }

    private static List<String> ids(List<RuntimeRecord> rs) {
        return rs.stream().map(RuntimeRecord::runtimeId).toList();
    }

    @Test
    void removesExactlyTheExpiredOptedInStoppedContainersAndGoesOnAfterAFailure() {
        runtime("a-failing", Optional.of(DAY), ContainerStatus.STOPPED, t0);
        runtime("forever", Optional.empty(), ContainerStatus.STOPPED, t0);
        runtime("lying", Optional.of(DAY), ContainerStatus.STOPPED, t0);
        runtime("old", Optional.of(Duration.ofDays(7)), ContainerStatus.STOPPED, t0);
        runtime("running", Optional.of(DAY), ContainerStatus.RUNNING, t0);
        runtime("stopped-lately", Optional.of(DAY), ContainerStatus.RUNNING, t0);
        runtime("young", Optional.of(Duration.ofDays(7)), ContainerStatus.STOPPED, t0.plus(Duration.ofDays(6)));
        docker.box("lying").status = ContainerStatus.RUNNING;
        store.observe("stopped-lately", RecordUpdate.observed(RuntimeStatus.STOPPED, ""), t0.plus(Duration.ofHours(7 * 24 + 12)),
                EnumSet.allOf(RuntimeStatus.class), "", true, Optional.empty());
        docker.failNext("remove", new ProviderException(ProviderException.Reason.CONFLICT, "docker local: remove container 'a-failing': 409 busy"));
        clock.set(t0.plus(Duration.ofDays(8)));

        int rowsBefore = store.operations(Optional.empty(), 100).size();
        List<RuntimeRecord> plan = cleanup.plan();
        assertEquals(List.of("a-failing", "lying", "old"), ids(plan));
        assertEquals(rowsBefore, store.operations(Optional.empty(), 100).size(), "the dry run logged nothing");
        assertEquals(List.of(), docker.calls.stream().filter(c -> c.startsWith("remove")).toList(), "and removed nothing");
        assertTrue(docker.containers.keySet().containsAll(List.of("a-failing", "lying", "old")));

        List<Operation> done = cleanup.tick();
        assertEquals(List.of("a-failing remove/auto_ttl/failure conflict", "lying remove/auto_ttl/failure not_stopped",
                "old remove/auto_ttl/success "), done.stream().map(o -> o.runtimeId() + " " + o.kind().label() + "/" + o.source().label() + "/"
                        + o.outcome().label() + " " + o.errorCode()).toList(), "the failure did not end the pass");
        assertEquals(ids(plan), done.stream().map(Operation::runtimeId).toList(), "the dry run listed exactly what the pass acted on");
        assertFalse(docker.containers.containsKey("old"));
        assertEquals(RuntimeStatus.REMOVED, store.record("old").orElseThrow().status());
        assertEquals(List.of("a-failing", "forever", "lying", "running", "stopped-lately", "young"),
                docker.containers.keySet().stream().sorted().toList());
        assertEquals(ContainerStatus.RUNNING, docker.box("lying").status, "a running container is never removed");
        assertEquals(1, docker.count("remove old"));
        assertEquals(0, docker.count("remove lying") + docker.count("remove running") + docker.count("remove forever") + docker.count("remove young"));

        assertEquals(List.of("a-failing", "lying"), ids(cleanup.plan()), "failures stay due and are retried next pass");
        clock.advance(Duration.ofDays(30));
        assertEquals(List.of("a-failing", "lying", "stopped-lately", "young"), ids(cleanup.plan()),
                "without a retention never; a running one never");
    }

    @Test
    void aStartedWorkerRemovesWhatExpiredAtOnceThenEveryIntervalAndStopsWhenClosed() {
        ManualScheduler time = new ManualScheduler();
        runtime("old", Optional.of(DAY), ContainerStatus.STOPPED, t0);
        runtime("later", Optional.of(DAY), ContainerStatus.STOPPED, t0.plus(Duration.ofHours(25)));
        clock.set(t0.plus(Duration.ofDays(2)));
        CleanupWorker looping = new CleanupWorker(new CleanupWorker.Deps(lifecycle, clock, time, Duration.ofHours(1))).start();
        Await.until("expired while dormouse was down: removed at start, not an hour later",
                () -> store.record("old").orElseThrow().status() == RuntimeStatus.REMOVED);
        assertEquals(RuntimeStatus.STOPPED, store.record("later").orElseThrow().status());
        clock.advance(Duration.ofHours(2));
        time.advance(Duration.ofHours(1));
        Await.until("removed by the next pass", () -> store.record("later").orElseThrow().status() == RuntimeStatus.REMOVED);
        looping.close();
        assertEquals(0, time.pending(), "no pass after close");
        assertEquals(1, docker.count("remove old"));
        assertEquals(1, docker.count("remove later"));
    }

    @Test
    void depsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new CleanupWorker.Deps(lifecycle, clock, Duration.ofSeconds(-1)));
        assertThrows(NullPointerException.class, () -> new CleanupWorker.Deps(null, clock, Duration.ofSeconds(1)));
    }
}
