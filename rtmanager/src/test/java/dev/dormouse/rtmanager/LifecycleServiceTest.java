package dev.dormouse.rtmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.core.spi.ProviderException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LifecycleServiceTest {
    @TempDir
    Path dir;
    private final FakeProvider docker = new FakeProvider();

    private LifecycleService service(RuntimeStore store) {
        LifecycleService s = new LifecycleService(new LifecycleService.Deps(store, Map.of("docker:local", docker), Clock.systemUTC()));
        s.register(List.of(new RuntimeSpec("app", "docker:local", "app", "SIGTERM", Duration.ofSeconds(10), Optional.empty())));
        return s;
    }

    private static Operation last(RuntimeStore store) {
        return store.operations(Optional.of("app"), 1).get(0);
    }

    @Test
    void migrationsCreateTheSchemaOnceAndANewerDatabaseIsRefused() throws Exception {
        RuntimeStore store = RuntimeStore.open(dir.resolve("data"));
        assertEquals(RuntimeStore.SCHEMA_VERSION, store.schemaVersion());
        assertEquals("ok", store.integrityCheck());
        RuntimeStore again = RuntimeStore.open(dir.resolve("data"));
        assertEquals(RuntimeStore.SCHEMA_VERSION, again.schemaVersion());
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/dormouse.db"))) {
            c.createStatement().execute("PRAGMA user_version = 7");
        }
        RuntimeManagerException e = assertThrows(RuntimeManagerException.class, () -> RuntimeStore.open(dir.resolve("data")));
        assertTrue(e.getMessage().contains("schema version 7 is newer than this dormouse (knows 1): upgrade dormouse or use another data_dir"),
                e.getMessage());
        assertTrue(e.getMessage().startsWith(dir.resolve("data/dormouse.db").toAbsolutePath().toString()), e.getMessage());
    }

    @Test
    void everyActionWritesExactlyOneRowAndTheRecordFollows() {
        RuntimeStore store = RuntimeStore.open(dir);
        LifecycleService s = service(store);
        docker.with("app", ContainerStatus.STOPPED);
        assertEquals(Outcome.SUCCESS, s.perform("app", OpKind.START, OpSource.WAKE_REQUEST));
        assertEquals(List.of("start app"), docker.calls, "the record said stopped: no inspection before the start");
        Operation op = last(store);
        assertEquals(List.of(OpKind.START, OpSource.WAKE_REQUEST, Outcome.SUCCESS), List.of(op.kind(), op.source(), op.outcome()));
        assertTrue(!op.finishedAt().isBefore(op.startedAt()));
        assertEquals(RuntimeStatus.RUNNING, store.record("app").orElseThrow().status());
        assertTrue(store.record("app").orElseThrow().startedAt().isPresent());

        assertEquals(Outcome.REPLAY_NO_OP, s.perform("app", OpKind.START, OpSource.WAKE_REQUEST), "already running");
        assertEquals(0, docker.calls.stream().filter(c -> c.equals("start app")).count() - 1);
        assertEquals(Outcome.SUCCESS, s.perform("app", OpKind.PAUSE, OpSource.IDLE_TIMEOUT));
        assertEquals(RuntimeStatus.PAUSED, store.record("app").orElseThrow().status());
        assertEquals(Outcome.SUCCESS, s.perform("app", OpKind.UNPAUSE, OpSource.WAKE_REQUEST));
        assertEquals(Outcome.SUCCESS, s.perform("app", OpKind.STOP, OpSource.IDLE_TIMEOUT));
        assertEquals(Outcome.REPLAY_NO_OP, s.perform("app", OpKind.KILL, OpSource.ADMIN), "stopping a stopped container");
        assertEquals(Outcome.SUCCESS, s.perform("app", OpKind.REMOVE, OpSource.AUTO_TTL));
        assertEquals(RuntimeStatus.REMOVED, store.record("app").orElseThrow().status());
        assertEquals(Outcome.REPLAY_NO_OP, s.perform("app", OpKind.REMOVE, OpSource.AUTO_TTL));
        List<Operation> ops = store.operations(Optional.of("app"), 100);
        assertEquals(List.of("remove/replay_no_op", "remove/success", "kill/replay_no_op", "stop/success", "unpause/success", "pause/success",
                "start/replay_no_op", "start/success"), ops.stream().map(o -> o.kind().label() + "/" + o.outcome().label()).toList(),
                "one row per action, newest first");
    }

    @Test
    void aFailureIsLoggedWithItsCodeAndRethrown() {
        RuntimeStore store = RuntimeStore.open(dir);
        LifecycleService s = service(store);
        docker.with("app", ContainerStatus.STOPPED);
        ProviderException boom = new ProviderException(ProviderException.Reason.CONFLICT, "docker local: start container 'app': 409 conflict: boom");
        docker.failNext = boom;
        assertSame(boom, assertThrows(ProviderException.class, () -> s.perform("app", OpKind.START, OpSource.WAKE_REQUEST)));
        Operation op = last(store);
        assertEquals(Outcome.FAILURE, op.outcome());
        assertEquals("conflict", op.errorCode());
        assertEquals(boom.getMessage(), op.errorMessage());
        assertEquals(RuntimeStatus.STOPPED, store.record("app").orElseThrow().status(), "a failed action changes no status");
        docker.with("app", ContainerStatus.RUNNING);
        RuntimeManagerException e = assertThrows(RuntimeManagerException.class, () -> s.perform("app", OpKind.REMOVE, OpSource.AUTO_TTL));
        assertTrue(e.getMessage().contains("it is running, only a stopped container is removed"), e.getMessage());
        assertEquals("not_stopped", last(store).errorCode());
        assertEquals(0, docker.count("remove app"), "a running container is never removed");
    }

    @Test
    void aHeldLeaseIsAConflictAndAnExpiredOneIsTakenOver() {
        RuntimeStore store = RuntimeStore.open(dir);
        LifecycleService s = service(store);
        docker.with("app", ContainerStatus.STOPPED);
        Instant now = Instant.now();
        assertTrue(store.acquire("app", "other-process", now, now.plusSeconds(60)));
        assertThrows(RuntimeConflictException.class, () -> s.perform("app", OpKind.START, OpSource.WAKE_REQUEST));
        assertEquals(Outcome.CONFLICT, last(store).outcome());
        assertEquals(0, docker.count("start app"), "nothing was done");
        store.release("app", "other-process");
        assertTrue(store.acquire("app", "crashed-process", now.minusSeconds(61), now.minusSeconds(1)), "a holder that crashed a minute ago");
        assertEquals(Outcome.SUCCESS, s.perform("app", OpKind.START, OpSource.WAKE_REQUEST), "an expired lease is taken over");
        assertEquals(1, docker.count("start app"));
    }

    @Test
    void aNewDatabaseFileIsCreatedWithTheDataDir() {
        RuntimeStore.open(dir.resolve("a/b"));
        assertTrue(Files.exists(dir.resolve("a/b/dormouse.db")));
    }
}
