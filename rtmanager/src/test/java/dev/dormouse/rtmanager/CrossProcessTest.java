package dev.dormouse.rtmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.OpSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes on one database file: one killed mid-write, two racing for a lease. */
class CrossProcessTest {
    @TempDir
    Path dir;

    private Process child(Class<?> main, String log, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "--enable-native-access=ALL-UNNAMED",
                "-Xshare:auto", "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(log).toFile()).start();
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static long one(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aProcessKilledMidWayLeavesASoundDatabaseThatTheReconcilerRepairs() throws Exception {
        Path data = dir.resolve("data");
        Path state = dir.resolve("provider-state");
        RuntimeStore watch = RuntimeStore.open(data);
        Process p = child(CrashChild.class, "crash.log", data.toString(), state.toString(), "1000");
        try {
            Await.until("the child logged 150 operations", Duration.ofSeconds(60), () -> {
                if (!p.isAlive()) fail("the child exited early: " + read(dir.resolve("crash.log")));
                return watch.operations(Optional.empty(), 150).size() >= 150;
            });
            assertTrue(p.isAlive(), "still working when killed");
        } finally {
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        assertNotEquals(0, p.exitValue(), "killed, not finished: " + Files.readString(dir.resolve("crash.log")));

        Optional<RuntimeStore.Lease> leftApp = watch.lease("app");
        Optional<RuntimeStore.Lease> leftDb = watch.lease("db");
        RuntimeStore store = RuntimeStore.open(data);
        assertEquals("ok", store.integrityCheck());
        long rows;
        long pending;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("dormouse.db"))) {
            rows = one(c, "SELECT count(*) FROM operation_log");
            assertTrue(rows >= 150 && rows < 1000, "killed mid-way: " + rows + " rows");
            pending = one(c, "SELECT count(*) FROM operation_log WHERE outcome = 'pending'");
            assertTrue(pending <= 1, "the child acted on one runtime at a time, so at most one action was under way: " + pending);
            assertEquals(0, one(c, "SELECT count(*) FROM operation_log WHERE runtime_id IS NULL OR op_kind IS NULL OR op_source IS NULL"
                    + " OR outcome IS NULL OR error_code IS NULL OR error_message IS NULL OR started_at IS NULL"
                    + " OR (finished_at IS NULL) <> (outcome = 'pending') OR container_id IS NULL OR finished_at < started_at"
                    + " OR length(started_at) <> 24 OR length(coalesce(finished_at, started_at)) <> 24"));
            assertEquals(1, one(c, "SELECT min(id) FROM operation_log"));
            assertEquals(rows, one(c, "SELECT max(id) FROM operation_log"), "ids are contiguous: no row half-written, none lost in between");
            assertEquals(0, one(c, "SELECT count(*) FROM operation_log a JOIN operation_log b ON b.id = a.id + 1"
                    + " WHERE b.started_at < a.started_at"), "rows are in the order the actions began");
            assertEquals(pending, one(c, "SELECT count(*) FROM leases l JOIN operation_log o ON o.id = l.operation_id WHERE o.outcome = 'pending'"),
                    "a pending row is named by the lease of its action");
        }
        List<Operation> ops = store.operations(Optional.empty(), 10_000);
        assertEquals(rows, ops.size(), "every row reads back");
        assertTrue(ops.stream().allMatch(o -> o.outcome() == Outcome.SUCCESS || o.outcome() == Outcome.REPLAY_NO_OP || o.outcome() == Outcome.PENDING),
                "the child's actions all succeeded or were replays, but the one it was killed in");

        System.out.println("crash: killed after " + rows + " rows (" + pending + " pending); lease left: "
                + leftApp.or(() -> leftDb).map(RuntimeStore.Lease::holder).orElse("none"));
        // What the provider reports now: the dead child's containers, each since recreated by an operator.
        FakeProvider docker = FakeProvider.load(state);
        Map<String, ContainerStatus> reported = Map.of("app", docker.box("app").status, "db", docker.box("db").status);
        for (String name : List.of("app", "db")) docker.box(name).id = "recreated-" + name;
        // No clock is moved on: the child's lease names a process that is gone, which is seen at once.
        Clock now = Clock.systemUTC();
        LifecycleService lifecycle = new LifecycleService(new LifecycleService.Deps(store, Map.of("docker:local", docker), now));
        lifecycle.register(List.of(new RuntimeSpec("app", "docker:local", "app", "SIGTERM", Duration.ofSeconds(10), Optional.empty()),
                new RuntimeSpec("db", "docker:local", "db", "SIGTERM", Duration.ofSeconds(10), Optional.empty())));
        List<Operation> fixed = new Reconciler(new Reconciler.Deps(lifecycle, now, Duration.ofMinutes(5))).tick();
        List<Operation> interrupted = fixed.stream().filter(o -> o.outcome() == Outcome.INTERRUPTED).toList();
        assertEquals(pending, interrupted.size(), "the pending action is resolved first: " + fixed);
        for (Operation o : interrupted) {
            assertEquals("interrupted: dormouse stopped during the action; the container was found "
                    + RuntimeStatus.of(reported.get(o.runtimeId())).label(), o.errorMessage());
            assertEquals("holder_died", o.errorCode());
            assertEquals("recreated-" + o.runtimeId(), o.containerId());
        }
        assertEquals(fixed.subList(0, interrupted.size()), interrupted, "before any correction");
        for (String name : List.of("app", "db")) {
            RuntimeRecord r = store.record(name).orElseThrow();
            assertEquals(RuntimeStatus.of(reported.get(name)), r.status(), name + " follows what the provider reports");
            assertEquals("recreated-" + name, r.containerId(), name);
            boolean resolvedHere = interrupted.stream().anyMatch(o -> o.runtimeId().equals(name));
            assertEquals(resolvedHere ? 0 : 1, fixed.stream().filter(o -> o.runtimeId().equals(name) && o.kind() == OpKind.RECONCILE_ADOPT).count(),
                    name + ": adopted by the reconciler unless the resolved action already set the record");
        }
        assertTrue(store.leases().isEmpty(), "no lease is left behind");
        Operation after = lifecycle.perform("app", reported.get("app") == ContainerStatus.RUNNING ? OpKind.STOP : OpKind.START, OpSource.ADMIN);
        assertEquals(Outcome.SUCCESS, after.outcome(), "the runtime is usable again");
        assertEquals("ok", store.integrityCheck());
        lifecycle.close();
    }

    @Test
    void twoProcessesRacingForOneRuntimesLeaseNeverBothAct() throws Exception {
        Path data = dir.resolve("data");
        RuntimeStore store = RuntimeStore.open(data);
        Path journal = dir.resolve("journal");
        Path go = dir.resolve("go");
        int n = 300;
        List<Process> racers = new ArrayList<>();
        for (String r : List.of("a", "b")) {
            racers.add(child(LeaseRacer.class, "racer-" + r + ".log", data.toString(), journal.toString(), Integer.toString(n),
                    dir.resolve("ready-" + r).toString(), go.toString()));
        }
        try {
            Await.until("both racers ready", Duration.ofSeconds(60), () -> Files.exists(dir.resolve("ready-a")) && Files.exists(dir.resolve("ready-b")));
            Files.createFile(go);
            for (Process p : racers) assertTrue(p.waitFor(120, TimeUnit.SECONDS), "racer finished");
        } finally {
            racers.forEach(Process::destroyForcibly);
        }
        List<String> lines = Files.readAllLines(journal);
        assertEquals(0, lines.size() % 2);
        for (int i = 0; i < lines.size(); i += 2) {
            assertTrue(lines.get(i).startsWith("B ") && lines.get(i + 1).equals("E " + lines.get(i).substring(2)),
                    "actions overlapped at line " + i + ": " + lines.subList(i, Math.min(lines.size(), i + 4)));
        }
        long handovers = 0;
        for (int i = 2; i < lines.size(); i += 2) {
            if (!lines.get(i).equals(lines.get(i - 2))) handovers++;
        }
        assertTrue(handovers > 10, "the lease changed hands between the processes many times: " + handovers);
        Pattern result = Pattern.compile("result success=(\\d+) replay=(\\d+) conflict=(\\d+)");
        int[] sum = new int[3];
        for (String r : List.of("a", "b")) {
            String out = Files.readString(dir.resolve("racer-" + r + ".log"));
            Matcher m = result.matcher(out);
            assertTrue(m.find(), "racer " + r + ": " + out);
            for (int i = 0; i < 3; i++) sum[i] += Integer.parseInt(m.group(i + 1));
            assertTrue(Integer.parseInt(m.group(1)) > 0 && Integer.parseInt(m.group(3)) > 0, "racer " + r + " won and lost races: " + m.group());
        }
        List<Operation> ops = store.operations(Optional.of("app"), 10_000);
        assertEquals(2 * n, ops.size(), "every attempt left exactly one row");
        assertEquals(sum[0], ops.stream().filter(o -> o.outcome() == Outcome.SUCCESS).count());
        assertEquals(sum[1], ops.stream().filter(o -> o.outcome() == Outcome.REPLAY_NO_OP).count());
        assertEquals(sum[2], ops.stream().filter(o -> o.outcome() == Outcome.CONFLICT).count(), "each lost race is one conflict row");
        assertEquals(lines.size() / 2, sum[0], "each provider action is one success row");
        System.out.println("lease race: " + sum[0] + " actions, " + sum[1] + " replays, " + sum[2] + " conflicts, " + handovers + " handovers");
        assertTrue(store.lease("app").isEmpty());
        assertEquals("ok", store.integrityCheck());
    }
}
