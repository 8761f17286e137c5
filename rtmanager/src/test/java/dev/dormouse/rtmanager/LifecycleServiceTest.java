package dev.dormouse.rtmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.core.testkit.ManualScheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LifecycleServiceTest {
    @TempDir
    Path dir;
    private final FakeProvider docker = new FakeProvider();
    private final MutableClock clock = new MutableClock();
    private RuntimeStore store;
    private LifecycleService service;

    @BeforeEach
    void setUp() {
        store = RuntimeStore.open(dir);
        service = new LifecycleService(new LifecycleService.Deps(store, Map.of("docker:local", docker), clock));
        service.register(List.of(new RuntimeSpec("app", "docker:local", "app", "SIGTERM", Duration.ofSeconds(10), Optional.empty())));
    }

    @AfterEach
    void tearDown() {
        service.close();
    }

    private Operation last() {
        return store.operations(Optional.of("app"), 1).get(0);
    }

    private int rows() {
        return store.operations(Optional.of("app"), 10_000).size();
    }

    private static String row(Operation o) {
        return o.kind().label() + "/" + o.source().label() + "/" + o.outcome().label();
    }

    private RuntimeRecord record() {
        return store.record("app").orElseThrow();
    }

    @Test
    void everyActionWritesExactlyOneRowAndTheRecordFollows() {
        docker.with("app", ContainerStatus.STOPPED, "c1");
        record Step(OpKind kind, OpSource source, Outcome outcome, RuntimeStatus after) {}
        List<Step> steps = List.of(
                new Step(OpKind.START, OpSource.WAKE_REQUEST, Outcome.SUCCESS, RuntimeStatus.RUNNING),
                new Step(OpKind.START, OpSource.DEPENDENCY, Outcome.REPLAY_NO_OP, RuntimeStatus.RUNNING),
                new Step(OpKind.PAUSE, OpSource.IDLE_TIMEOUT, Outcome.SUCCESS, RuntimeStatus.PAUSED),
                new Step(OpKind.PAUSE, OpSource.IDLE_TIMEOUT, Outcome.REPLAY_NO_OP, RuntimeStatus.PAUSED),
                new Step(OpKind.UNPAUSE, OpSource.WAKE_REQUEST, Outcome.SUCCESS, RuntimeStatus.RUNNING),
                new Step(OpKind.UNPAUSE, OpSource.WAKE_REQUEST, Outcome.REPLAY_NO_OP, RuntimeStatus.RUNNING),
                new Step(OpKind.STOP, OpSource.IDLE_TIMEOUT, Outcome.SUCCESS, RuntimeStatus.STOPPED),
                new Step(OpKind.STOP, OpSource.ADMIN, Outcome.REPLAY_NO_OP, RuntimeStatus.STOPPED),
                new Step(OpKind.START, OpSource.ADMIN, Outcome.SUCCESS, RuntimeStatus.RUNNING),
                new Step(OpKind.KILL, OpSource.IDLE_TIMEOUT, Outcome.SUCCESS, RuntimeStatus.STOPPED),
                new Step(OpKind.KILL, OpSource.ADMIN, Outcome.REPLAY_NO_OP, RuntimeStatus.STOPPED),
                new Step(OpKind.REMOVE, OpSource.AUTO_TTL, Outcome.SUCCESS, RuntimeStatus.REMOVED),
                new Step(OpKind.REMOVE, OpSource.ADMIN, Outcome.REPLAY_NO_OP, RuntimeStatus.REMOVED));
        int n = 0;
        for (Step s : steps) {
            clock.advance(Duration.ofSeconds(1));
            Operation op = service.perform("app", s.kind(), s.source());
            n++;
            assertEquals(n, rows(), "exactly one row for " + s);
            assertEquals(op, last(), "perform returns the logged row");
            assertEquals(List.of(s.kind(), s.source(), s.outcome()), List.of(op.kind(), op.source(), op.outcome()), s.toString());
            assertEquals(s.after(), record().status(), s.toString());
            assertEquals(Optional.of(clock.instant()), record().lastOpAt(), s.toString());
            assertFalse(op.finishedAt().isBefore(op.startedAt()));
            assertTrue(store.lease("app").isEmpty(), "the lease is released after " + s);
        }
        assertEquals(1, docker.count("remove app"));
        RuntimeRecord r = record();
        assertTrue(r.startedAt().isPresent() && r.stoppedAt().isPresent() && r.removedAt().isPresent());
        assertEquals("c1", r.containerId(), "learnt from the inspections of the replays");
    }

    @Test
    void aWakeOfAStoppedRecordCostsOneProviderCallAndAReplayIsConfirmedByOneInspection() {
        docker.with("app", ContainerStatus.STOPPED);
        service.perform("app", OpKind.START, OpSource.WAKE_REQUEST);
        assertEquals(List.of("start app"), docker.calls, "the record said stopped: no inspection before the start");
        docker.calls.clear();
        assertEquals(Outcome.REPLAY_NO_OP, service.perform("app", OpKind.START, OpSource.WAKE_REQUEST).outcome());
        assertEquals(List.of("inspect app"), docker.calls, "the record said running: one inspection, no start");
        docker.calls.clear();
        docker.box("app").status = ContainerStatus.STOPPED; // stopped behind our back
        assertEquals(Outcome.SUCCESS, service.perform("app", OpKind.START, OpSource.WAKE_REQUEST).outcome());
        assertEquals(List.of("inspect app", "start app"), docker.calls, "the inspection disagreed with the record: started");
        assertEquals(RuntimeStatus.RUNNING, record().status());
    }

    @Test
    void aStartKeepsStartedAtAcrossAPauseAndAReplay() {
        docker.with("app", ContainerStatus.STOPPED);
        service.perform("app", OpKind.START, OpSource.WAKE_REQUEST);
        Instant started = record().startedAt().orElseThrow();
        clock.advance(Duration.ofMinutes(1));
        service.perform("app", OpKind.PAUSE, OpSource.IDLE_TIMEOUT);
        clock.advance(Duration.ofMinutes(1));
        service.perform("app", OpKind.UNPAUSE, OpSource.WAKE_REQUEST);
        clock.advance(Duration.ofMinutes(1));
        service.perform("app", OpKind.START, OpSource.WAKE_REQUEST);
        assertEquals(started, record().startedAt().orElseThrow());
        service.perform("app", OpKind.STOP, OpSource.IDLE_TIMEOUT);
        clock.advance(Duration.ofMinutes(1));
        service.perform("app", OpKind.START, OpSource.WAKE_REQUEST);
        assertEquals(clock.instant(), record().startedAt().orElseThrow(), "a new start after a stop");
    }

    @Test
    void aProviderFailureIsLoggedWithItsCodeAndMessageAndRethrown() {
        docker.with("app", ContainerStatus.STOPPED, "c1");
        for (ProviderException.Reason reason : List.of(ProviderException.Reason.CONFLICT, ProviderException.Reason.NOT_FOUND,
                ProviderException.Reason.UNAVAILABLE, ProviderException.Reason.TIMEOUT)) {
            ProviderException boom = new ProviderException(reason, "docker local: start container 'app': " + reason + ": boom");
            docker.failNext("start", boom);
            assertSame(boom, assertThrows(ProviderException.class, () -> service.perform("app", OpKind.START, OpSource.WAKE_REQUEST)));
            Operation op = last();
            assertEquals(List.of(OpKind.START, OpSource.WAKE_REQUEST, Outcome.FAILURE), List.of(op.kind(), op.source(), op.outcome()));
            assertEquals(reason.name().toLowerCase(), op.errorCode());
            assertEquals(boom.getMessage(), op.errorMessage());
            assertEquals(RuntimeStatus.STOPPED, record().status(), "a failed action changes no status");
            assertTrue(record().lastOpAt().isEmpty(), "nor last_op_at (TTL counts from the last real action)");
            assertTrue(store.lease("app").isEmpty());
        }
        assertEquals(4, rows());
        ProviderException inspectFailed = new ProviderException(ProviderException.Reason.UNAVAILABLE, "docker local: inspect: down");
        docker.failNext("inspect", inspectFailed);
        assertSame(inspectFailed, assertThrows(ProviderException.class, () -> service.perform("app", OpKind.STOP, OpSource.IDLE_TIMEOUT)),
                "the record says stopped, so the stop inspects first, and that failed");
        assertEquals("stop/idle_timeout/failure", row(last()));
        assertEquals("unavailable", last().errorCode());
        assertEquals(5, rows());
        docker.failNext("unpause", new ProviderException(ProviderException.Reason.CONFLICT, "docker local: unpause container 'app': not paused"));
        Operation asRow = service.attempt("app", OpKind.UNPAUSE, OpSource.ADMIN);
        assertEquals(List.of(Outcome.FAILURE, "conflict"), List.of(asRow.outcome(), asRow.errorCode()),
                "attempt() returns the failure row instead of throwing");
        assertEquals(asRow, last());
        docker.failNext("stop", new IllegalStateException("provider bug"));
        docker.box("app").status = ContainerStatus.RUNNING;
        assertThrows(IllegalStateException.class, () -> service.perform("app", OpKind.STOP, OpSource.ADMIN));
        assertEquals(List.of("failure", "failed", "provider bug"), List.of(last().outcome().label(), last().errorCode(), last().errorMessage()),
                "even a provider that breaks its contract leaves one row");
        assertEquals(7, rows());
    }

    @Test
    void aRunningContainerIsNeverRemoved() {
        docker.with("app", ContainerStatus.RUNNING);
        for (ContainerStatus s : List.of(ContainerStatus.RUNNING, ContainerStatus.PAUSED)) {
            docker.box("app").status = s;
            RuntimeManagerException e = assertThrows(RuntimeManagerException.class, () -> service.perform("app", OpKind.REMOVE, OpSource.AUTO_TTL));
            assertEquals("remove runtime 'app': container 'app' is " + RuntimeStatus.of(s).label() + "; only a stopped container is removed",
                    e.getMessage());
            assertEquals("remove/auto_ttl/failure", row(last()));
            assertEquals("not_stopped", last().errorCode());
            assertEquals(e.getMessage(), last().errorMessage());
        }
        assertEquals(0, docker.count("remove app"), "the provider was never asked");
        assertTrue(docker.containers.containsKey("app"));
    }

    @Test
    void aHeldLeaseIsAConflictAndAnExpiredOneIsTakenOver() {
        docker.with("app", ContainerStatus.STOPPED);
        Instant now = clock.instant();
        assertTrue(store.acquire("app", "other-process", now, now.plusSeconds(60)).isPresent());
        RuntimeConflictException e = assertThrows(RuntimeConflictException.class, () -> service.perform("app", OpKind.START, OpSource.WAKE_REQUEST));
        assertEquals("start/wake_request/conflict", row(last()));
        assertEquals(e.operation(), last());
        assertEquals("lease_held", last().errorCode());
        assertEquals(0, docker.count("start app"), "nothing was done");
        assertEquals("other-process", store.lease("app").orElseThrow().holder(), "the other holder's lease is untouched");
        assertEquals(Outcome.CONFLICT, service.attempt("app", OpKind.START, OpSource.ADMIN).outcome(), "attempt() returns the conflict row");
        assertEquals(2, rows());
        assertTrue(record().lastOpAt().isEmpty(), "a conflict is no action");

        clock.advance(Duration.ofSeconds(61));
        assertEquals(Outcome.SUCCESS, service.perform("app", OpKind.START, OpSource.WAKE_REQUEST).outcome(), "an expired lease is taken over");
        assertEquals(1, docker.count("start app"));
        assertTrue(store.lease("app").isEmpty(), "and released");
    }

    @Test
    void actWaitsOutAMomentsConflictAndGivesUpAfterThreeSeconds() throws Exception {
        ManualScheduler time = new ManualScheduler();
        LifecycleService patient = new LifecycleService(new LifecycleService.Deps(store, Map.of("docker:local", docker), clock, time));
        patient.register(List.of(new RuntimeSpec("app", "docker:local", "app", "SIGTERM", Duration.ofSeconds(10), Optional.empty())));
        docker.with("app", ContainerStatus.STOPPED);
        Instant now = clock.instant();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            assertTrue(store.acquire("app", "reconciler", now, now.plusSeconds(60)).isPresent());
            Future<Operation> start = threads.submit(() -> patient.act("app", Provider.Action.START, OpSource.WAKE_REQUEST));
            time.awaitPending(1);
            time.advance(Duration.ofMillis(20));
            time.awaitPending(1);
            store.release("app", "reconciler");
            time.advance(Duration.ofMillis(40));
            assertEquals(Outcome.SUCCESS, start.get(5, TimeUnit.SECONDS).outcome(), "acted once the other action let go");
            assertEquals(List.of("start/wake_request/conflict", "start/wake_request/conflict", "start/wake_request/success"),
                    store.operations(Optional.of("app"), 10).reversed().stream().map(LifecycleServiceTest::row).toList());

            assertTrue(store.acquire("app", "stuck", clock.instant(), clock.instant().plusSeconds(60)).isPresent());
            long t0 = time.nanoTime();
            Future<Operation> stop = threads.submit(() -> patient.act("app", Provider.Action.STOP, OpSource.IDLE_TIMEOUT));
            for (long pause : new long[] {20, 40, 80, 160, 320, 500, 500, 500, 500}) {
                time.awaitPending(1);
                assertFalse(stop.isDone());
                time.advance(Duration.ofMillis(pause));
            }
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class, () -> stop.get(5, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof RuntimeConflictException, String.valueOf(e.getCause()));
            assertEquals(2620, Duration.ofNanos(time.nanoTime() - t0).toMillis(), "the next pause would have gone past 3 s");
            assertEquals(10, store.operations(Optional.of("app"), 100).stream().filter(o -> o.kind() == OpKind.STOP).count(),
                    "ten attempts, each on record as a conflict");
            assertEquals(0, docker.count("stop app"));
        }
        assertThrows(IllegalArgumentException.class, () -> patient.act("app", Provider.Action.INSPECT, OpSource.ADMIN));
        patient.close();
    }

    @Test
    void theLeaseLastsTheProvidersBoundOnTheActionPlusAMargin() throws Exception {
        docker.with("app", ContainerStatus.STOPPED);
        service.register(List.of(new RuntimeSpec("app", "docker:local", "app", "SIGTERM", Duration.ofSeconds(90), Optional.empty())));
        docker.bounds.put(Provider.Action.START, Duration.ofMinutes(8));
        List<RuntimeStore.Lease> seen = new CopyOnWriteArrayList<>();
        List<Operation> pendingSeen = new CopyOnWriteArrayList<>();
        docker.during = () -> {
            store.lease("app").ifPresent(seen::add);
            pendingSeen.add(store.operations(Optional.of("app"), 1).get(0));
        };
        Operation started = service.perform("app", OpKind.START, OpSource.WAKE_REQUEST);
        service.perform("app", OpKind.STOP, OpSource.IDLE_TIMEOUT);
        assertEquals(2, seen.size(), "the lease row exists while the provider works");
        assertEquals(List.of(Duration.ofMinutes(8).plus(LifecycleService.LEASE_MARGIN), Duration.ofSeconds(30 + 90).plus(LifecycleService.LEASE_MARGIN)),
                seen.stream().map(l -> Duration.between(l.acquiredAt(), l.expiresAt())).toList(),
                "a start: the provider's bound (a Proxmox task); a stop: the default bound, stop_timeout included");
        RuntimeStore.Lease l = seen.get(0);
        assertTrue(l.holder().startsWith(ProcessHandle.current().pid() + "-"), l.holder());
        assertEquals(ProcessHandle.current().pid(), l.pid(), "the lease names its holder's process");
        assertFalse(l.bootId().isEmpty() || l.pidNamespace().isEmpty() || l.pidStart() == 0, l.toString());
        assertEquals(List.of("start/wake_request/pending", "stop/idle_timeout/pending"), pendingSeen.stream().map(LifecycleServiceTest::row).toList(),
                "the action is on record before the provider acts");
        assertEquals(started.id(), l.operationId(), "the lease names the pending row it covers");
        assertEquals(pendingSeen.get(0).id(), started.id(), "the pending row is completed in place");
        assertEquals(2, rows());
    }

    @Test
    void noSecondActorActsWhileALongActionMayStillBeRunning() throws Exception {
        docker.with("app", ContainerStatus.STOPPED);
        docker.bounds.put(Provider.Action.START, Duration.ofMinutes(8));
        LifecycleService cli = new LifecycleService(new LifecycleService.Deps(store, Map.of("docker:local", docker), clock));
        List<String> second = new CopyOnWriteArrayList<>();
        docker.during = () -> {
            if (!second.isEmpty()) return;
            // Four minutes into a start: far past the lease an action used to get (stop_timeout + 30 s), within this provider's bound.
            clock.advance(Duration.ofMinutes(4));
            second.add(cli.attempt("app", OpKind.STOP, OpSource.ADMIN).outcome().label());
        };
        assertEquals(Outcome.SUCCESS, service.perform("app", OpKind.START, OpSource.WAKE_REQUEST).outcome());
        assertEquals(List.of("conflict"), second, "the second actor met the lease");
        assertEquals(List.of("start app"), docker.calls);
        cli.close();
    }

    /** A lease row as a holder on this host that has died leaves it: this process's pid with another start time (the pid was reused). */
    private RuntimeStore.Acquisition takeAsDeadProcess(OpKind kind) {
        ProcessIdentity me = ProcessIdentity.current();
        ProcessIdentity dead = new ProcessIdentity(me.bootId(), me.pidNamespace(), me.pid(), me.startTicks() - 1);
        assertEquals(ProcessIdentity.Liveness.DEAD, me.judge(dead));
        Instant now = clock.instant();
        return store.acquire("app", "dead-holder", dead, now, now.plus(Duration.ofMinutes(10)), Optional.of(new RuntimeStore.Intent(kind, OpSource.ADMIN)),
                x -> false);
    }

    @Test
    void aLeaseOfADeadHolderIsTakenOverAtOnceAfterItsPendingRowIsResolved() {
        docker.with("app", ContainerStatus.RUNNING, "c1");
        RuntimeStore.Acquisition a = takeAsDeadProcess(OpKind.STOP);
        long pending = ((RuntimeStore.Acquisition.Acquired) a).operationId();
        docker.box("app").status = ContainerStatus.STOPPED; // the dead holder's stop had reached the container
        List<Operation> published = new CopyOnWriteArrayList<>();
        try (AutoCloseable sub = service.subscribe(e -> {
            if (e instanceof Operation o) published.add(o);
        })) {
            clock.advance(Duration.ofSeconds(1));
            Operation op = service.perform("app", OpKind.START, OpSource.WAKE_REQUEST);
            assertEquals("start/wake_request/success", row(op), "no waiting for the lease to expire: its holder is gone");
            Operation resolved = store.operation(pending).orElseThrow();
            assertEquals("stop/admin/interrupted", row(resolved));
            assertEquals("holder_died", resolved.errorCode());
            assertEquals("interrupted: dormouse stopped during the action; the container was found stopped", resolved.errorMessage());
            assertEquals(clock.instant(), resolved.finishedAt());
            assertEquals(List.of("inspect app", "start app"), docker.calls, "the record was set from the inspection, so the start acted at once");
            Await.until("both rows published", Duration.ofSeconds(5), () -> published.size() == 2);
            assertEquals(List.of(pending, op.id()), published.stream().map(Operation::id).toList());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertTrue(store.lease("app").isEmpty());
    }

    @Test
    void recoveryResolvesWhatDeadHoldersLeftAndLeavesLiveActionsAlone() {
        docker.with("app", ContainerStatus.PAUSED, "c1").with("db", ContainerStatus.RUNNING, "d1").with("web", ContainerStatus.RUNNING, "w1");
        service.register(List.of(new RuntimeSpec("db", "docker:local", "db", "SIGTERM", Duration.ofSeconds(10), Optional.empty()),
                new RuntimeSpec("web", "docker:local", "web", "SIGTERM", Duration.ofSeconds(10), Optional.empty())));
        takeAsDeadProcess(OpKind.PAUSE);
        Instant now = clock.instant();
        // db: an action of another host (a holder this process cannot judge), its lease still valid.
        store.acquire("db", "other-host", new ProcessIdentity("another-boot", "pid:[1]", 4242, 99), now, now.plusSeconds(60),
                Optional.of(new RuntimeStore.Intent(OpKind.STOP, OpSource.ADMIN)), x -> false);
        // web: a pending row that no lease names (its holder released the lease without completing it), then the lease of a
        // reconciler pass (which covers no action) whose process died.
        store.acquire("web", "orphaning", new ProcessIdentity("", "", 0, 0), now, now.plusSeconds(60),
                Optional.of(new RuntimeStore.Intent(OpKind.START, OpSource.WAKE_REQUEST)), x -> false);
        store.release("web", "orphaning");
        ProcessIdentity me = ProcessIdentity.current();
        store.acquire("web", "dead-reconciler", new ProcessIdentity(me.bootId(), me.pidNamespace(), me.pid(), me.startTicks() + 1), now,
                now.plusSeconds(60), Optional.empty(), x -> false);
        clock.advance(Duration.ofSeconds(2));

        List<Operation> resolved = service.recover();
        assertEquals(List.of("app pause/admin/interrupted holder_died interrupted: dormouse stopped during the action; the container was found paused",
                "web start/wake_request/interrupted lease_lost interrupted: the action's lease was gone; the container was found running"),
                resolved.stream().map(o -> o.runtimeId() + " " + row(o) + " " + o.errorCode() + " " + o.errorMessage()).toList());
        assertEquals(RuntimeStatus.PAUSED, record().status(), "the record follows what was found");
        assertEquals("c1", record().containerId());
        assertEquals(RuntimeStatus.RUNNING, store.record("web").orElseThrow().status());
        assertTrue(store.lease("app").isEmpty(), "the dead holder's lease is released");
        assertTrue(store.lease("web").isEmpty(), "so is the dead reconciler's");
        assertEquals("other-host", store.lease("db").orElseThrow().holder(), "a holder of another host is respected until its lease expires");
        assertEquals(Outcome.PENDING, store.operations(Optional.of("db"), 1).get(0).outcome());
        assertEquals(List.of(), service.recover(), "a second pass finds nothing");

        clock.advance(Duration.ofSeconds(60));
        List<Operation> expired = service.recover();
        assertEquals(1, expired.size());
        assertEquals(List.of("db", "lease_expired"), List.of(expired.get(0).runtimeId(), expired.get(0).errorCode()));
        assertTrue(expired.get(0).errorMessage().startsWith("interrupted: the action outlived its lease (which expired at "), expired.get(0).errorMessage());
        assertTrue(store.leases().isEmpty());
        assertEquals("ok", store.integrityCheck());
    }

    @Test
    void anActionThatOutlivedItsLeaseAndWasTakenOverRecordsNothingMore() {
        docker.with("app", ContainerStatus.STOPPED);
        LifecycleService other = new LifecycleService(new LifecycleService.Deps(store, Map.of("docker:local", docker), clock));
        List<Operation> theirs = new CopyOnWriteArrayList<>();
        docker.during = () -> {
            if (!theirs.isEmpty()) return;
            clock.advance(Duration.ofMinutes(2)); // past this fake's 30 s bound and the margin
            docker.during = () -> { };
            theirs.add(other.attempt("app", OpKind.STOP, OpSource.ADMIN));
        };
        RuntimeManagerException e = assertThrows(RuntimeManagerException.class, () -> service.perform("app", OpKind.START, OpSource.WAKE_REQUEST));
        assertTrue(e.getMessage().contains("was resolved meanwhile (the action outlived its lease"), e.getMessage());
        assertEquals("stop/admin/replay_no_op", row(theirs.get(0)), "the other actor took the expired lease over (and found the container stopped)");
        List<Operation> all = store.operations(Optional.of("app"), 10);
        assertEquals(List.of("stop/admin/replay_no_op", "start/wake_request/interrupted"), all.stream().map(LifecycleServiceTest::row).toList());
        assertEquals("lease_expired", all.get(1).errorCode());
        assertEquals(RuntimeStatus.STOPPED, record().status(), "the late start did not overwrite the newer record");
        other.close();
    }

    @Test
    void twoThreadsOfOneProcessNeverActOnARuntimeAtOnce() throws Exception {
        docker.with("app", ContainerStatus.STOPPED);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        docker.during = () -> {
            inside.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Operation> first = ex.submit(() -> service.perform("app", OpKind.START, OpSource.WAKE_REQUEST));
            assertTrue(inside.await(10, TimeUnit.SECONDS));
            RuntimeConflictException e = assertThrows(RuntimeConflictException.class, () -> service.perform("app", OpKind.STOP, OpSource.ADMIN));
            assertEquals("stop runtime 'app': another action on it is under way", e.getMessage());
            release.countDown();
            assertEquals(Outcome.SUCCESS, first.get(10, TimeUnit.SECONDS).outcome());
        }
        assertEquals(List.of("start/wake_request/success", "stop/admin/conflict"),
                store.operations(Optional.of("app"), 10).stream().map(LifecycleServiceTest::row).sorted().toList());
        assertEquals(1, docker.count("start app"));
        assertEquals(0, docker.count("stop app"));
    }

    @Test
    void subscribersGetEveryRowAndNeitherAFailingNorAStuckOneDelaysAnAction() throws Exception {
        docker.with("app", ContainerStatus.STOPPED);
        List<RuntimeEvent> got = new CopyOnWriteArrayList<>();
        CountDownLatch never = new CountDownLatch(1);
        try (AutoCloseable stuck = service.subscribe(e -> {
                try {
                    never.await();
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                }
            });
                AutoCloseable failing = service.subscribe(e -> {
                    throw new IllegalStateException("subscriber bug");
                });
                AutoCloseable good = service.subscribe(got::add)) {
            Operation start = service.perform("app", OpKind.START, OpSource.WAKE_REQUEST);
            Operation stop = service.perform("app", OpKind.STOP, OpSource.IDLE_TIMEOUT);
            HealthEvent probe = service.recordHealth("app", "", new HealthDetails.ProbeFailed("connection refused"));
            Await.until("three events delivered", () -> got.size() == 3);
            assertEquals(List.of(start, stop, probe), got, "in commit order, as stored");
            assertEquals(probe, store.healthEvents(Optional.of("app"), 1).get(0));
        }
        never.countDown();
        service.perform("app", OpKind.START, OpSource.WAKE_REQUEST);
        assertEquals(3, got.size(), "a closed subscription gets nothing more");
    }

    @Test
    void aRuntimeThisProcessDidNotRegisterIsActedOnFromItsRecord() {
        docker.with("app", ContainerStatus.STOPPED);
        LifecycleService cli = new LifecycleService(new LifecycleService.Deps(store, Map.of("docker:local", docker), clock));
        assertEquals(Outcome.SUCCESS, cli.perform("app", OpKind.REMOVE, OpSource.ADMIN).outcome());
        assertFalse(docker.containers.containsKey("app"));
        RuntimeManagerException e = assertThrows(RuntimeManagerException.class, () -> cli.perform("nope", OpKind.START, OpSource.ADMIN));
        assertEquals("runtime 'nope': no such runtime is registered or recorded", e.getMessage());
        LifecycleService noProvider = new LifecycleService(new LifecycleService.Deps(store, Map.of(), clock));
        e = assertThrows(RuntimeManagerException.class, () -> noProvider.perform("app", OpKind.START, OpSource.ADMIN));
        assertEquals("start runtime 'app': provider 'docker:local' is not configured", e.getMessage());
        assertEquals(1, rows(), "refusals before the lease log nothing");
        assertThrows(IllegalArgumentException.class, () -> service.perform("app", OpKind.RECONCILE_ADOPT, OpSource.ADMIN));
    }

    @Test
    void depsAreValidated() {
        assertThrows(NullPointerException.class, () -> new LifecycleService.Deps(null, Map.of(), clock));
        assertThrows(IllegalArgumentException.class,
                () -> new RuntimeSpec("a", "docker:local", "a", "SIGTERM", Duration.ofSeconds(-1), Optional.empty()));
        assertThrows(IllegalArgumentException.class,
                () -> new RuntimeSpec("a", "docker:local", "a", "SIGTERM", Duration.ZERO, Optional.of(Duration.ZERO)));
        List<String> ids = new ArrayList<>(service.specs().keySet());
        assertEquals(List.of("app"), ids);
        service.unregister(List.of("app"));
        assertTrue(service.spec("app").isEmpty());
        assertTrue(store.record("app").isPresent(), "unregistering keeps the record");
    }

    /** A provider that sleeps by scaling, as Swarm services do: replicas per service. */
    static final class FakeScaler implements Provider {
        final Map<String, Integer> replicas = new java.util.concurrent.ConcurrentHashMap<>();
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public String name() {
            return "local";
        }

        @Override
        public String kind() {
            return "swarm";
        }

        @Override
        public dev.dormouse.core.spi.ContainerState inspect(String c) {
            calls.add("inspect " + c);
            Integer n = replicas.get(c);
            if (n == null) return dev.dormouse.core.spi.ContainerState.missing(c);
            return new dev.dormouse.core.spi.ContainerState("svc-" + c, c, n == 0 ? ContainerStatus.STOPPED : ContainerStatus.RUNNING,
                    dev.dormouse.core.spi.ContainerHealth.NONE, "img", 0, 0, Optional.empty(), Optional.empty(), Map.of(), "");
        }

        @Override
        public boolean scales() {
            return true;
        }

        @Override
        public int scale(String c, int n, Duration timeout) {
            calls.add("scale " + c + " " + n + " " + timeout.toSeconds() + "s");
            return replicas.put(c, n);
        }

        @Override
        public void start(String c) {
            throw new AssertionError("a scaling provider is scaled, not started");
        }

        @Override
        public void stop(String c, String signal, Duration timeout) {
            throw new AssertionError("a scaling provider is scaled, not stopped");
        }

        @Override
        public void kill(String c, String signal) {
            throw new AssertionError("a scaling provider is scaled, not killed");
        }

        @Override
        public void pause(String c) {
            throw new ProviderException(ProviderException.Reason.FAILED, "swarm local: pause service '" + c + "': a Swarm service cannot be paused");
        }

        @Override
        public void unpause(String c) {}

        @Override
        public void remove(String c) {}

        @Override
        public AutoCloseable subscribe(java.util.function.Consumer<dev.dormouse.core.spi.ContainerEvent> l) {
            return () -> { };
        }

        @Override
        public void close() {}
    }

    @Test
    void aServiceSleepsByScalingToZeroAndWakesToTheCountItHad() {
        FakeScaler swarm = new FakeScaler();
        swarm.replicas.put("web", 3);
        LifecycleService s = new LifecycleService(new LifecycleService.Deps(store, Map.of("docker:local", docker, "swarm:local", swarm), clock));
        s.register(List.of(new RuntimeSpec("web", "swarm:local", "web", "SIGTERM", Duration.ofSeconds(7), Optional.empty())));
        assertEquals(0, store.record("web").orElseThrow().replicas());

        Operation down = s.perform("web", OpKind.STOP, OpSource.IDLE_TIMEOUT);
        assertEquals("scale_down/idle_timeout/success", row(down));
        assertEquals(0, swarm.replicas.get("web"));
        assertEquals(3, store.record("web").orElseThrow().replicas(), "the count it had is on the record");
        assertEquals(RuntimeStatus.STOPPED, store.record("web").orElseThrow().status());

        Operation up = s.perform("web", OpKind.START, OpSource.WAKE_REQUEST);
        assertEquals("scale_up/wake_request/success", row(up));
        assertEquals(3, swarm.replicas.get("web"), "woken to the count it had");
        assertEquals(List.of("scale web 0 7s", "scale web 3 7s"), swarm.calls.stream().filter(c -> c.startsWith("scale")).toList());
        assertEquals("scale_up/dependency/replay_no_op", row(s.perform("web", OpKind.START, OpSource.DEPENDENCY)), "already up: nothing done");

        // Scaled to 0 by hand, then back to 2: a kill is a scale to 0 without the grace, and remembers 2.
        swarm.replicas.put("web", 2);
        assertEquals("scale_down/admin/success", row(s.perform("web", OpKind.KILL, OpSource.ADMIN)));
        assertEquals("scale web 0 0s", swarm.calls.get(swarm.calls.size() - 1));
        assertEquals(2, store.record("web").orElseThrow().replicas());
        assertEquals(List.of("scale_down", "scale_up", "scale_up", "scale_down"),
                store.operations(Optional.of("web"), 10).reversed().stream().map(o -> o.kind().label()).toList(), "the log in the database");

        RuntimeManagerException e = assertThrows(RuntimeManagerException.class, () -> service.perform("app", OpKind.SCALE_UP, OpSource.ADMIN));
        assertEquals("scale_up runtime 'app': provider docker:local does not scale; its containers start and stop", e.getMessage());
        ProviderException pe = assertThrows(ProviderException.class, () -> s.perform("web", OpKind.PAUSE, OpSource.IDLE_TIMEOUT));
        assertTrue(pe.getMessage().contains("cannot be paused"), pe.getMessage());
        s.close();
    }

    @Test
    void aServiceNeverScaledByDormouseWakesToOneReplica() {
        FakeScaler swarm = new FakeScaler();
        swarm.replicas.put("web", 0);
        LifecycleService s = new LifecycleService(new LifecycleService.Deps(store, Map.of("swarm:local", swarm), clock));
        s.register(List.of(new RuntimeSpec("web", "swarm:local", "web", "SIGTERM", Duration.ofSeconds(7), Optional.empty())));
        store.observe("web", RecordUpdate.observed(RuntimeStatus.STOPPED, "svc-web"), clock.instant(), java.util.EnumSet.allOf(RuntimeStatus.class), "",
                false, Optional.empty());
        assertEquals("scale_up/wake_request/success", row(s.perform("web", OpKind.START, OpSource.WAKE_REQUEST)));
        assertEquals(1, swarm.replicas.get("web"));
        s.close();
    }
}
