package dev.dormouse.rtmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.spi.OpSource;
import dev.dormouse.core.Ticker;
import dev.dormouse.core.testkit.ManualScheduler;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryPrunerTest {
    private static final Duration SECOND = Duration.ofSeconds(1);
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock();
    private final Instant t0 = clock.instant();
    private RuntimeStore store;
    private final List<HistoryPruner> started = new ArrayList<>();

    @BeforeEach
    void setUp() {
        store = RuntimeStore.open(dir);
        store.register(new RuntimeSpec("app", "docker:local", "app", "SIGTERM", Duration.ofSeconds(10), Optional.empty()), t0);
    }

    @AfterEach
    void tearDown() {
        started.forEach(HistoryPruner::close);
    }

    private HistoryPruner pruner(Duration retention, int batch) {
        return new HistoryPruner(new HistoryPruner.Deps(store, clock, new ManualScheduler(), retention, Duration.ofHours(1), batch));
    }

    private void operation(Instant startedAt) {
        store.finish(new RuntimeStore.Finish("app", "", OpKind.START, OpSource.WAKE_REQUEST, Outcome.FAILURE, "failed", "exited at once",
                startedAt, startedAt.plusMillis(200), "c-app", Optional.empty(), Optional.empty()));
    }

    private void healthEvent(Instant at) {
        store.appendHealthEvent("app", "c-app", new HealthDetails.Exited(1, false), at);
    }

    private long count(String sql) throws SQLException {
        try (Connection c = raw(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Connection raw() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + store.file());
    }

    /** The rows' timestamps, oldest first. */
    private List<Instant> times(String table, String column) throws SQLException {
        List<Instant> out = new ArrayList<>();
        try (Connection c = raw(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT " + column + " FROM " + table + " ORDER BY " + column)) {
            while (rs.next()) out.add(Instant.parse(rs.getString(1)));
        }
        return out;
    }

    @Test
    void withAOneSecondRetentionOldRowsArePrunedAndRecentOnesKeptInBothTables() throws Exception {
        for (Instant at : List.of(t0.minus(Duration.ofDays(40)), t0.minusSeconds(10), t0.minusSeconds(10), t0.minusMillis(1001))) {
            operation(at);
            healthEvent(at);
        }
        Instant edge = t0.minus(SECOND);
        List<Instant> recent = List.of(edge, t0.minusMillis(500), t0);
        for (Instant at : recent) {
            operation(at);
            healthEvent(at);
        }
        healthEvent(t0.minusMillis(2000));
        HistoryPruner pruner = pruner(SECOND, 1000);

        assertEquals(new HistoryPruner.Pruned(4, 5, 2), pruner.tick());
        assertEquals(recent, times("operation_log", "started_at"), "exactly the rows from the last second are left");
        assertEquals(recent, times("health_events", "occurred_at"));
        assertEquals(new HistoryPruner.Pruned(0, 0, 2), pruner.tick(), "a second pass finds nothing");

        clock.advance(Duration.ofMillis(600));
        assertEquals(new HistoryPruner.Pruned(2, 2, 2), pruner.tick(), "time moved on: the edge row and the half-second one");
        assertEquals(List.of(t0), times("operation_log", "started_at"));
        assertEquals(List.of(t0), times("health_events", "occurred_at"));
        assertEquals(List.of(t0), store.operations(Optional.empty(), 10).stream().map(Operation::startedAt).toList(),
                "the store's own reader agrees");
        assertEquals("ok", store.integrityCheck());
    }

    @Test
    void aPassDeletesInBatchesUntilABatchComesBackShort() throws Exception {
        fill(2_500, t0.minus(Duration.ofDays(1)), 0);
        HistoryPruner pruner = pruner(SECOND, 1000);
        assertEquals(new HistoryPruner.Pruned(2_500, 0, 4), pruner.tick(), "1000 + 1000 + 500 operation rows, one empty health batch");
        assertEquals(0, count("SELECT count(*) FROM operation_log"));
        fill(0, t0.minus(Duration.ofDays(1)), 2_000);
        assertEquals(new HistoryPruner.Pruned(0, 2_000, 4), pruner.tick(), "an exact multiple needs one more, empty, batch to know it is done");
    }

    @Test
    void theBatchesFindTheirRowsThroughATimestampIndex() {
        for (String sql : List.of(RuntimeStore.PRUNE_OPERATIONS, RuntimeStore.PRUNE_HEALTH_EVENTS)) {
            List<String> plan = store.queryPlan(sql);
            String table = sql.contains("operation_log") ? "operation_log" : "health_events";
            assertTrue(plan.stream().anyMatch(l -> l.matches("SEARCH " + table + " USING (COVERING )?INDEX " + table + "_by_time \\(\\w+<\\?\\)")),
                    "the subquery searches the timestamp index: " + plan);
            assertFalse(plan.stream().anyMatch(l -> l.startsWith("SCAN")), "no full scan: " + plan);
        }
    }

    /**
     * Fills both tables with {@code operations} and {@code events} rows at {@code at} in one transaction,
     * as a flood of failing wakes over a month would.
     */
    private void fill(int operations, Instant at, int events) throws SQLException {
        String ts = RuntimeStore.ts(at);
        try (Connection c = raw()) {
            c.setAutoCommit(false);
            try (PreparedStatement ops = c.prepareStatement("""
                    INSERT INTO operation_log (runtime_id, op_kind, op_source, outcome, error_code, error_message, started_at, finished_at,
                        container_id)
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                    SELECT 'app', 'start', 'wake_request', 'failure', 'failed',
                        'docker local: start container ''app'': container exited at once with code 1', ?, ?, 'c0ffee' || i FROM n""");
                    PreparedStatement health = c.prepareStatement("""
                    INSERT INTO health_events (runtime_id, container_id, event_type, occurred_at, details)
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                    SELECT 'app', 'c0ffee' || i, 'container_exited', ?, '{"exit_code":1,"oom":false}' FROM n""")) {
                if (operations > 0) {
                    ops.setInt(1, operations);
                    ops.setString(2, ts);
                    ops.setString(3, ts);
                    ops.executeUpdate();
                }
                if (events > 0) {
                    health.setInt(1, events);
                    health.setString(2, ts);
                    health.executeUpdate();
                }
            }
            c.commit();
        }
    }

    @Test
    void fiftyThousandRowsArePrunedAndTheFileStopsGrowingAcrossFloods() throws Exception {
        HistoryPruner pruner = new HistoryPruner(new HistoryPruner.Deps(store, clock, SECOND));
        List<Long> pages = new ArrayList<>();
        for (int flood = 0; flood < 4; flood++) {
            Instant now = clock.instant();
            fill(50_000, now.minus(Duration.ofDays(2)), 50_000);
            operation(now);
            healthEvent(now);
            HistoryPruner.Pruned p = pruner.tick();
            assertEquals(new HistoryPruner.Pruned(50_000, 50_000, 102), p, "50 full batches and an empty one per table");
            assertEquals(List.of(now), times("operation_log", "started_at"), "flood " + flood + ": only the recent row is left");
            assertEquals(List.of(now), times("health_events", "occurred_at"));
            clock.advance(SECOND.multipliedBy(2));
            assertEquals(new HistoryPruner.Pruned(1, 1, 2), pruner.tick());
            pages.add(Long.parseLong(store.pragma("page_count")));
        }
        // The first flood grows the file (about 4,800 pages of 4 KiB here); the second one refills the freed
        // pages, with a little more room for the indexes' new layout (about 1.5 %); from then on not a page more.
        assertTrue(pages.get(0) > 1_000, "the flood did fill the file: " + pages);
        assertTrue(pages.get(1) <= pages.get(0) * 105 / 100, "the second flood reused the freed pages: " + pages);
        for (int i = 2; i < pages.size(); i++) assertEquals(pages.get(1), pages.get(i), "flood " + i + " grew the file: " + pages);
        assertEquals(pages.get(pages.size() - 1), Long.parseLong(store.pragma("page_count")));
        assertTrue(Long.parseLong(store.pragma("freelist_count")) > pages.get(0) * 9 / 10, "the freed pages wait for reuse in the file");
        assertEquals("ok", store.integrityCheck());
    }

    @Test
    void aStartedPrunerRunsItsFirstPassAtOnceAndStopsWhenClosed() throws Exception {
        operation(t0.minus(Duration.ofDays(31)));
        healthEvent(t0.minus(Duration.ofDays(31)));
        operation(t0.minus(Duration.ofDays(29)));
        HistoryPruner looping = new HistoryPruner(new HistoryPruner.Deps(store, clock, new ManualScheduler(), Duration.ofDays(30))).start();
        started.add(looping);
        Await.until("the first pass, without waiting an interval (1 h)", () -> {
            try {
                return count("SELECT count(*) FROM operation_log") == 1 && count("SELECT count(*) FROM health_events") == 0;
            } catch (SQLException e) {
                throw new AssertionError(e);
            }
        });
        long began = System.nanoTime();
        looping.close();
        assertTrue(Duration.ofNanos(System.nanoTime() - began).compareTo(Ticker.CLOSE_BOUND) < 0, "close is bounded");
        assertEquals(List.of(t0.minus(Duration.ofDays(29))), times("operation_log", "started_at"));
    }

    @Test
    void depsAreValidatedAndTheIntervalIsTheRetentionUpToAnHour() {
        assertEquals(Duration.ofHours(1), new HistoryPruner.Deps(store, clock, Duration.ofDays(30)).interval());
        assertEquals(SECOND, new HistoryPruner.Deps(store, clock, SECOND).interval());
        assertEquals(HistoryPruner.BATCH, new HistoryPruner.Deps(store, clock, SECOND).batch());
        assertThrows(IllegalArgumentException.class, () -> new HistoryPruner.Deps(store, clock, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new HistoryPruner.Deps(store, clock, new ManualScheduler(), SECOND, SECOND, 0));
        assertThrows(IllegalArgumentException.class, () -> new HistoryPruner.Deps(store, clock, new ManualScheduler(), SECOND, Duration.ofSeconds(-1), 10));
        assertThrows(NullPointerException.class, () -> new HistoryPruner.Deps(null, clock, SECOND));
        assertThrows(NullPointerException.class, () -> new HistoryPruner.Deps(store, null, SECOND));
    }
}
