package dev.dormouse.rtmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.spi.OpSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeStoreTest {
    @TempDir
    Path dir;

    private Connection raw() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/dormouse.db"));
    }

    private static List<String> column(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    private static RuntimeSpec spec(String id, String container, Optional<Duration> retention) {
        return new RuntimeSpec(id, "docker:local", container, "SIGTERM", Duration.ofSeconds(10), retention);
    }

    @Test
    void aFreshDatabaseGetsTheSchemaInWalMode() throws Exception {
        RuntimeStore store = RuntimeStore.open(dir.resolve("data"));
        assertTrue(Files.isRegularFile(dir.resolve("data/dormouse.db")), "the data dir and the file are created");
        assertEquals(RuntimeStore.SCHEMA_VERSION, store.schemaVersion());
        assertEquals("ok", store.integrityCheck());
        try (Connection c = raw()) {
            assertEquals(List.of("health_events", "leases", "operation_log", "runtime_records"),
                    column(c, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"));
            assertEquals(List.of("runtime_id", "provider", "container_ref", "container_id", "image", "status", "started_at", "stopped_at",
                    "removed_at", "last_op_at", "created_at", "retention", "replicas"), column(c, "SELECT name FROM pragma_table_info('runtime_records')"));
            assertEquals(List.of("id", "runtime_id", "op_kind", "op_source", "outcome", "error_code", "error_message", "started_at",
                    "finished_at", "container_id"), column(c, "SELECT name FROM pragma_table_info('operation_log')"));
            assertEquals(List.of("id", "runtime_id", "container_id", "event_type", "occurred_at", "details"),
                    column(c, "SELECT name FROM pragma_table_info('health_events')"));
            assertEquals(List.of("runtime_id", "holder", "acquired_at", "expires_at", "machine_id", "boot_id", "pid_namespace", "pid", "pid_start",
                    "operation_id"),
                    column(c, "SELECT name FROM pragma_table_info('leases')"));
            assertEquals(List.of("wal"), column(c, "PRAGMA journal_mode"));
        }
        assertEquals(List.of("wal", "1", "1", "10000"), List.of(store.pragma("journal_mode"), store.pragma("synchronous"),
                store.pragma("foreign_keys"), store.pragma("busy_timeout")), "WAL, synchronous=NORMAL, foreign keys, busy timeout");
    }

    @Test
    void reopeningIsANoOpAndKeepsTheData() {
        RuntimeStore store = RuntimeStore.open(dir.resolve("data"));
        store.register(spec("app", "app", Optional.empty()), Instant.parse("2026-01-01T00:00:00Z"));
        RuntimeStore again = RuntimeStore.open(dir.resolve("data"));
        assertEquals(RuntimeStore.SCHEMA_VERSION, again.schemaVersion());
        assertEquals(List.of("app"), again.records().stream().map(RuntimeRecord::runtimeId).toList());
        assertEquals("ok", again.integrityCheck());
    }

    /** A database as dormouse of schema {@code version} left it: its migrations run by hand, statement by statement. */
    private void oldDatabase(int version) throws Exception {
        Files.createDirectories(dir.resolve("data"));
        List<String> scripts = List.of("V1__init.sql", "V2__history_indexes.sql", "V3__intents.sql");
        try (Connection c = raw(); Statement s = c.createStatement()) {
            for (String name : scripts.subList(0, version)) {
                String sql;
                try (var in = RuntimeStore.class.getResourceAsStream("migrations/" + name)) {
                    sql = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                }
                String code = sql.lines().filter(l -> !l.strip().startsWith("--")).collect(java.util.stream.Collectors.joining("\n"));
                for (String statement : code.split(";")) {
                    if (!statement.isBlank()) s.execute(statement);
                }
            }
            s.execute("PRAGMA user_version = " + version);
        }
    }

    @Test
    void aVersionOneDatabaseIsMigratedKeepingItsRowsTheirIdsAndTheIdSequence() throws Exception {
        oldDatabase(1);
        try (Connection c = raw(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO runtime_records (runtime_id, provider, container_ref, status, created_at)"
                    + " VALUES ('app', 'docker:local', 'app', 'running', '2026-01-01T00:00:00.000Z')");
            for (int i = 1; i <= 4; i++) {
                s.execute("INSERT INTO operation_log (runtime_id, op_kind, op_source, outcome, started_at, finished_at, container_id)"
                        + " VALUES ('app', 'start', 'admin', 'success', '2026-01-01T00:00:0" + i + ".000Z', '2026-01-01T00:00:0" + i + ".500Z', 'c1')");
            }
            s.execute("DELETE FROM operation_log WHERE id = 4");
            s.execute("INSERT INTO leases (runtime_id, holder, acquired_at, expires_at)"
                    + " VALUES ('app', 'old-holder', '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z')");
            s.execute("INSERT INTO health_events (runtime_id, container_id, event_type, occurred_at, details)"
                    + " VALUES ('app', 'c1', 'container_started', '2026-01-01T00:00:01.000Z', '{}')");
        }
        RuntimeStore again = RuntimeStore.open(dir.resolve("data"));
        assertEquals(RuntimeStore.SCHEMA_VERSION, again.schemaVersion());
        assertEquals("ok", again.integrityCheck());
        try (Connection c = raw()) {
            assertEquals(List.of("health_events_by_runtime", "health_events_by_time", "operation_log_by_runtime", "operation_log_by_time",
                    "operation_log_pending"), column(c, "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name"));
            assertEquals(List.of(), column(c, "PRAGMA foreign_key_check"), "no dangling reference");
        }
        assertEquals(List.of(3L, 2L, 1L), again.operations(Optional.empty(), 10).stream().map(Operation::id).toList(), "rows and ids kept");
        assertEquals(Instant.parse("2026-01-01T00:00:03.500Z"), again.operations(Optional.empty(), 1).get(0).finishedAt());
        assertEquals(1, again.healthEvents(Optional.empty(), 10).size());
        RuntimeStore.Lease l = again.lease("app").orElseThrow();
        assertEquals(List.of("old-holder", "", 0L, 0L), List.of(l.holder(), l.bootId(), l.pid(), l.operationId()),
                "an old lease names no process: it is respected until it expires");
        again.finish(new RuntimeStore.Finish("app", "", OpKind.STOP, OpSource.ADMIN, Outcome.CONFLICT, "lease_held", "busy",
                Instant.parse("2026-01-02T00:00:00Z"), Instant.parse("2026-01-02T00:00:00Z"), "", Optional.empty(), Optional.empty()));
        assertEquals(5L, again.operations(Optional.empty(), 1).get(0).id(), "the id sequence goes on past the pruned row 4");
    }

    @Test
    void aVersionTwoDatabaseGetsIntentRowsAndLeaseHolders() throws Exception {
        oldDatabase(2);
        RuntimeStore store = RuntimeStore.open(dir.resolve("data"));
        assertEquals(RuntimeStore.SCHEMA_VERSION, store.schemaVersion());
        store.register(spec("app", "app", Optional.empty()), Instant.parse("2026-01-01T00:00:00Z"));
        try (Connection c = raw(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO operation_log (runtime_id, op_kind, op_source, outcome, started_at, finished_at)"
                    + " VALUES ('app', 'stop', 'admin', 'pending', '2026-01-01T00:00:01.000Z', NULL)");
            s.execute("INSERT INTO operation_log (runtime_id, op_kind, op_source, outcome, started_at, finished_at)"
                    + " VALUES ('app', 'stop', 'admin', 'interrupted', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z')");
            assertThrows(SQLException.class, () -> s.execute("INSERT INTO operation_log (runtime_id, op_kind, op_source, outcome, started_at,"
                    + " finished_at) VALUES ('app', 'stop', 'admin', 'pending', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z')"),
                    "a pending row has not finished");
            assertThrows(SQLException.class, () -> s.execute("INSERT INTO operation_log (runtime_id, op_kind, op_source, outcome, started_at,"
                    + " finished_at) VALUES ('app', 'stop', 'admin', 'success', '2026-01-01T00:00:01.000Z', NULL)"), "a finished row has finished");
            assertThrows(SQLException.class, () -> s.execute("INSERT INTO operation_log (runtime_id, op_kind, op_source, outcome, started_at,"
                    + " finished_at) VALUES ('app', 'stop', 'admin', 'lost', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z')"));
        }
        Operation pending = store.operations(Optional.empty(), 2).get(1);
        assertEquals(Outcome.PENDING, pending.outcome());
        assertEquals(pending.startedAt(), pending.finishedAt(), "a pending row reads as finished when it started");
        assertEquals(Outcome.INTERRUPTED, store.operations(Optional.empty(), 1).get(0).outcome());
    }

    @Test
    void aVersionThreeDatabaseLearnsTheScaleKindsAndKeepsItsRows() throws Exception {
        oldDatabase(3);
        try (Connection c = raw(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO runtime_records (runtime_id, provider, container_ref, status, created_at)"
                    + " VALUES ('web', 'swarm:local', 'web', 'running', '2026-01-01T00:00:00.000Z')");
            for (int i = 1; i <= 3; i++) {
                s.execute("INSERT INTO operation_log (runtime_id, op_kind, op_source, outcome, started_at, finished_at)"
                        + " VALUES ('web', 'start', 'admin', 'success', '2026-01-01T00:00:0" + i + ".000Z', '2026-01-01T00:00:0" + i + ".500Z')");
            }
            s.execute("DELETE FROM operation_log WHERE id = 3");
            assertThrows(SQLException.class, () -> s.execute("INSERT INTO operation_log (runtime_id, op_kind, op_source, outcome, started_at,"
                    + " finished_at) VALUES ('web', 'scale_up', 'admin', 'success', '2026-01-01T00:00:05.000Z', '2026-01-01T00:00:06.000Z')"),
                    "version 3 does not know scale_up");
        }
        RuntimeStore store = RuntimeStore.open(dir.resolve("data"));
        assertEquals(4, store.schemaVersion());
        assertEquals("ok", store.integrityCheck());
        assertEquals(0, store.record("web").orElseThrow().replicas(), "a record of before knows no count");
        store.rememberReplicas("web", 3);
        assertEquals(3, store.record("web").orElseThrow().replicas());
        try (Connection c = raw(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO operation_log (runtime_id, op_kind, op_source, outcome, started_at, finished_at)"
                    + " VALUES ('web', 'scale_down', 'idle_timeout', 'success', '2026-01-01T00:00:05.000Z', '2026-01-01T00:00:06.000Z')");
            assertThrows(SQLException.class, () -> s.execute("UPDATE runtime_records SET replicas = -1"));
            assertEquals(List.of("health_events_by_runtime", "health_events_by_time", "operation_log_by_runtime", "operation_log_by_time",
                    "operation_log_pending"), column(c, "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name"));
            assertEquals(List.of(), column(c, "PRAGMA foreign_key_check"));
        }
        assertEquals(List.of(4L, 2L, 1L), store.operations(Optional.empty(), 10).stream().map(Operation::id).toList(),
                "rows kept, and the sequence goes on past the pruned row 3");
        assertEquals(OpKind.SCALE_DOWN, store.operations(Optional.empty(), 1).get(0).kind());
    }

    @Test
    void aDatabaseOfANewerDormouseIsRefusedWithAClearMessage() throws Exception {
        RuntimeStore.open(dir.resolve("data"));
        try (Connection c = raw(); Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = 7");
        }
        RuntimeManagerException e = assertThrows(RuntimeManagerException.class, () -> RuntimeStore.open(dir.resolve("data")));
        assertEquals(dir.resolve("data/dormouse.db").toAbsolutePath()
                + " schema version 7 is newer than this dormouse (knows " + RuntimeStore.SCHEMA_VERSION + "): upgrade dormouse or use another data_dir",
                e.getMessage());
        try (Connection c = raw()) {
            assertEquals(List.of("7"), column(c, "PRAGMA user_version"), "the refused file is left as it was");
        }
    }

    @Test
    void failuresNameTheFileAndTheAction() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/dormouse.db"), "this is not a database, just some text that is long enough".repeat(50));
        RuntimeManagerException e = assertThrows(RuntimeManagerException.class, () -> RuntimeStore.open(dir.resolve("data")));
        assertTrue(e.getMessage().startsWith(dir.resolve("data/dormouse.db").toAbsolutePath() + ": open and migrate: "), e.getMessage());

        Files.writeString(dir.resolve("file"), "x");
        e = assertThrows(RuntimeManagerException.class, () -> RuntimeStore.open(dir.resolve("file/sub")));
        assertTrue(e.getMessage().startsWith("open " + dir.resolve("file/sub/dormouse.db").toAbsolutePath() + ": cannot create data_dir"),
                e.getMessage());
    }

    @Test
    void enumColumnsAcceptOnlyTheirLabels() throws Exception {
        RuntimeStore store = RuntimeStore.open(dir.resolve("data"));
        store.register(spec("app", "app", Optional.empty()), Instant.now());
        try (Connection c = raw(); Statement s = c.createStatement()) {
            assertThrows(SQLException.class, () -> s.execute("UPDATE runtime_records SET status = 'sleeping'"));
            assertThrows(SQLException.class, () -> s.execute("INSERT INTO operation_log (runtime_id, op_kind, op_source, outcome, started_at,"
                    + " finished_at) VALUES ('app', 'restart', 'admin', 'success', 'a', 'a')"));
            assertThrows(SQLException.class, () -> s.execute("INSERT INTO operation_log (runtime_id, op_kind, op_source, outcome, started_at,"
                    + " finished_at) VALUES ('app', 'start', 'admin', 'success', '2026-01-02', '2026-01-01')"), "finished before it started");
            assertThrows(SQLException.class, () -> s.execute("INSERT INTO health_events (runtime_id, event_type, occurred_at, details)"
                    + " VALUES ('app', 'container_exited', 'a', 'not json')"));
        }
    }

    @Test
    void registerInsertsOnceAndUpdatesWithoutLosingHistory() {
        RuntimeStore store = RuntimeStore.open(dir.resolve("data"));
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        store.register(spec("app", "app", Optional.empty()), t0);
        RuntimeRecord r = store.record("app").orElseThrow();
        assertEquals(List.of("docker:local", "app", "", RuntimeStatus.STOPPED, t0, Optional.empty()),
                List.of(r.provider(), r.containerRef(), r.containerId(), r.status(), r.createdAt(), r.retention()));
        store.observe("app", new RecordUpdate(RuntimeStatus.RUNNING, "c1", "img", true), t0.plusSeconds(1), java.util.EnumSet.allOf(RuntimeStatus.class),
                "", false, Optional.empty());

        store.register(spec("app", "app", Optional.of(Duration.ofDays(7))), t0.plusSeconds(60));
        r = store.record("app").orElseThrow();
        assertEquals(List.of(RuntimeStatus.RUNNING, "c1", "img", t0, Optional.of(Duration.ofDays(7))),
                List.of(r.status(), r.containerId(), r.image(), r.createdAt(), r.retention()), "same container: only the retention changes");

        store.register(spec("app", "app-v2", Optional.empty()), t0.plusSeconds(120));
        r = store.record("app").orElseThrow();
        assertEquals(List.of("app-v2", "", "", Optional.empty()), List.of(r.containerRef(), r.containerId(), r.image(), r.retention()),
                "another container: the old one's id and image are forgotten");
        assertEquals(1, store.records().size());
    }

    @Test
    void queriesAreNewestFirstFilteredAndLimited() {
        RuntimeStore store = RuntimeStore.open(dir.resolve("data"));
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        for (String id : List.of("a", "b")) store.register(spec(id, id, Optional.empty()), t);
        for (int i = 0; i < 5; i++) {
            String id = i % 2 == 0 ? "a" : "b";
            store.finish(new RuntimeStore.Finish(id, "", OpKind.START, OpSource.ADMIN, Outcome.SUCCESS, "", "", t.plusSeconds(i), t.plusSeconds(i),
                    "", Optional.empty(), Optional.empty()));
            store.appendHealthEvent(id, "c", new HealthDetails.ProbeFailed("i=" + i), t.plusSeconds(i));
        }
        assertEquals(List.of(5L, 4L, 3L, 2L, 1L), store.operations(Optional.empty(), 10).stream().map(Operation::id).toList());
        assertEquals(List.of(5L, 3L), store.operations(Optional.of("a"), 2).stream().map(Operation::id).toList());
        assertEquals(List.of("{\"message\":\"i=3\"}", "{\"message\":\"i=1\"}"),
                store.healthEvents(Optional.of("b"), 10).stream().map(HealthEvent::details).toList());
        assertEquals(1, store.healthEvents(Optional.empty(), 1).size());
        assertEquals(List.of(), store.operations(Optional.of("nope"), 10));
        assertThrows(IllegalArgumentException.class, () -> store.operations(Optional.empty(), 0));
    }

    @Test
    void healthDetailsAreClosedJsonObjects() {
        assertEquals("{\"restart_count\":3,\"state\":\"running\",\"health\":\"unhealthy\"}",
                new HealthDetails.InspectUnhealthy(3, "running", "unhealthy").json());
        assertEquals("{\"exit_code\":137,\"oom\":true}", new HealthDetails.Exited(137, true).json());
        assertEquals("{}", new HealthDetails.Disappeared().json());
        assertEquals("{\"message\":\"a \\\"quoted\\\" \\u003cb>\\n\"}", new HealthDetails.ProbeFailed("a \"quoted\" <b>\n").json());
        RuntimeStore store = RuntimeStore.open(dir.resolve("data"));
        store.register(spec("app", "app", Optional.empty()), Instant.now());
        for (HealthDetails d : List.of(new HealthDetails.Started(), new HealthDetails.Exited(1, false), new HealthDetails.Oom(),
                new HealthDetails.Disappeared(), new HealthDetails.InspectUnhealthy(0, "stopped", "none"), new HealthDetails.ProbeFailed("x"),
                new HealthDetails.ProbeRecovered())) {
            HealthEvent e = store.appendHealthEvent("app", "", d, Instant.now());
            assertEquals(d.type(), store.healthEvents(Optional.of("app"), 1).get(0).type());
            assertEquals(d.json(), e.details());
        }
    }
}
