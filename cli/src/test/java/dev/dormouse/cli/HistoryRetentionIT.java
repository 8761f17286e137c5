package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dormouse.core.ConfigLoader;
import dev.dormouse.provider.docker.testkit.TestDocker;
import dev.dormouse.rtmanager.RuntimeStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon prunes its history on its own: {@code runtime.history_retention} read, the pruner started, its first pass at start. */
class HistoryRetentionIT {
    @TempDir
    Path dir;
    private Daemon daemon;

    @BeforeAll
    static void engine() {
        TestDocker.ensureEngine();
    }

    @AfterEach
    void cleanup() {
        if (daemon != null) daemon.close();
    }

    private static long count(Path db, String table) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** {@code n} rows in each table at {@code at}, as an earlier daemon would have left them. */
    private static void seed(Connection c, int n, Instant at) throws SQLException {
        String ts = at.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString().replace("Z", ".000Z");
        try (PreparedStatement op = c.prepareStatement("""
                INSERT INTO operation_log (runtime_id, op_kind, op_source, outcome, error_code, error_message, started_at, finished_at)
                VALUES ('old', 'start', 'wake_request', 'failure', 'failed', 'exited at once', ?, ?)""");
                PreparedStatement he = c.prepareStatement("""
                INSERT INTO health_events (runtime_id, event_type, occurred_at, details)
                VALUES ('old', 'container_exited', ?, '{"exit_code":1,"oom":false}')""")) {
            for (int i = 0; i < n; i++) {
                op.setString(1, ts);
                op.setString(2, ts);
                op.executeUpdate();
                he.setString(1, ts);
                he.executeUpdate();
            }
        }
    }

    @Test
    void aDaemonWithAOneSecondRetentionPrunesTheOldHistoryAtStart() throws Exception {
        Path data = dir.resolve("data");
        Path db = RuntimeStore.open(data).file();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("""
                    INSERT INTO runtime_records (runtime_id, provider, container_ref, status, created_at)
                    VALUES ('old', 'docker:local', 'old', 'removed', '2020-01-01T00:00:00.000Z')""");
            c.setAutoCommit(false);
            seed(c, 1_500, Instant.parse("2020-01-01T00:00:00Z"));
            // Rows from later than the daemon's "now" stand for the recent ones, which a 1 s retention keeps.
            seed(c, 3, Instant.now().plus(Duration.ofDays(1)));
            c.commit();
        }
        assertEquals(1_503, count(db, "operation_log"));
        Files.writeString(dir.resolve("dormouse.yml"), "server:\n  http: \"127.0.0.1:0\"\n  admin: \"\"\n  data_dir: \"" + data + "\"\n"
                + "runtime:\n  history_retention: 1s\n"
                + "providers:\n  docker: [{name: local}]\n"
                + "routes:\n  - name: plain\n    hosts: [plain.test]\n    target: http://127.0.0.1:" + TestDocker.freePort() + "\n");
        daemon = new Daemon(ConfigLoader.load(dir.resolve("dormouse.yml")));
        daemon.start();
        ServeIT.await("the old history pruned", Duration.ofSeconds(20), () -> {
            try {
                return count(db, "operation_log") == 3 && count(db, "health_events") == 3;
            } catch (SQLException e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(3, count(db, "operation_log"));
        assertEquals(3, count(db, "health_events"));
    }
}
