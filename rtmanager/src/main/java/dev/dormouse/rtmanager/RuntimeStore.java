package dev.dormouse.rtmanager;

import dev.dormouse.core.spi.OpSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The runtime manager's SQLite database, {@code <data_dir>/dormouse.db}: WAL, a busy timeout, foreign
 * keys, and every write transaction taking the write lock at its start ({@code BEGIN IMMEDIATE}), so two
 * processes never deadlock upgrading a read. Versioned migrations run when it opens; a database written
 * by a newer dormouse is refused. The only class that talks SQL.
 */
public final class RuntimeStore {
    /** The schema version this code writes; migrations {@code V1.sql .. V<n>.sql} lead to it. */
    public static final int SCHEMA_VERSION = 1;
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final Path file;
    private final Jdbi jdbi;

    private RuntimeStore(Path file, Jdbi jdbi) {
        this.file = file;
        this.jdbi = jdbi;
    }

    /** Opens (creating the directory and file if needed) and migrates {@code <dataDir>/dormouse.db}. */
    public static RuntimeStore open(Path dataDir) {
        Path file = dataDir.resolve("dormouse.db").toAbsolutePath();
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new RuntimeManagerException("open " + file + ": cannot create " + dataDir + ": " + e.getMessage(), e);
        }
        Properties p = new Properties();
        p.setProperty("journal_mode", "WAL");
        p.setProperty("synchronous", "NORMAL");
        p.setProperty("foreign_keys", "true");
        p.setProperty("busy_timeout", "10000");
        p.setProperty("transaction_mode", "IMMEDIATE");
        RuntimeStore s = new RuntimeStore(file, Jdbi.create("jdbc:sqlite:" + file, p));
        s.migrate();
        return s;
    }

    public Path file() {
        return file;
    }

    private RuntimeManagerException failure(String action, Exception e) {
        Throwable c = e instanceof JdbiException && e.getCause() != null ? e.getCause() : e;
        return new RuntimeManagerException(file + ": " + action + ": " + c.getMessage(), e);
    }

    private void migrate() {
        try {
            jdbi.useTransaction(h -> {
                int version = h.createQuery("PRAGMA user_version").mapTo(Integer.class).one();
                if (version > SCHEMA_VERSION) {
                    throw new RuntimeManagerException(file + ": schema version " + version + " is newer than this dormouse (knows "
                            + SCHEMA_VERSION + "): upgrade dormouse or use another data_dir");
                }
                for (int v = version + 1; v <= SCHEMA_VERSION; v++) {
                    String sql = resource("migrations/V" + v + ".sql");
                    h.createScript(sql).execute();
                    h.execute("PRAGMA user_version = " + v);
                }
            });
        } catch (RuntimeManagerException e) {
            throw e;
        } catch (JdbiException e) {
            throw failure("migrate", e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = RuntimeStore.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String ts(Instant t) {
        return TS.format(t);
    }

    private static Optional<Instant> instant(ResultSet rs, String col) throws SQLException {
        String s = rs.getString(col);
        return s == null ? Optional.empty() : Optional.of(Instant.parse(s));
    }

    // ---------------------------------------------------------------- checks

    /** {@code PRAGMA integrity_check}: {@code ok} for a sound file. */
    public String integrityCheck() {
        try {
            return jdbi.withHandle(h -> String.join("; ", h.createQuery("PRAGMA integrity_check").mapTo(String.class).list()));
        } catch (JdbiException e) {
            throw failure("integrity check", e);
        }
    }

    public int schemaVersion() {
        return jdbi.withHandle(h -> h.createQuery("PRAGMA user_version").mapTo(Integer.class).one());
    }

    // ---------------------------------------------------------------- records

    /** Makes sure {@code spec} has a record (a new one is {@code stopped} until observed); keeps history. */
    public void register(RuntimeSpec spec, Instant now) {
        try {
            jdbi.useTransaction(h -> h.createUpdate("""
                    INSERT INTO runtime_records (runtime_id, provider, container_ref, status, created_at, retention)
                    VALUES (:id, :provider, :ref, 'stopped', :now, :retention)
                    ON CONFLICT (runtime_id) DO UPDATE SET provider = excluded.provider, container_ref = excluded.container_ref,
                        retention = excluded.retention""")
                    .bind("id", spec.runtimeId()).bind("provider", spec.provider()).bind("ref", spec.container()).bind("now", ts(now))
                    .bind("retention", spec.retention().map(Duration::toSeconds).orElse(null)).execute());
        } catch (JdbiException e) {
            throw failure("register runtime '" + spec.runtimeId() + "'", e);
        }
    }

    private static RuntimeRecord record(ResultSet rs, StatementContext ctx) throws SQLException {
        long retention = rs.getLong("retention");
        boolean noRetention = rs.wasNull();
        return new RuntimeRecord(rs.getString("runtime_id"), rs.getString("provider"), rs.getString("container_ref"),
                rs.getString("container_id"), rs.getString("image"), RuntimeStatus.parse(rs.getString("status")),
                instant(rs, "started_at"), instant(rs, "stopped_at"), instant(rs, "removed_at"), instant(rs, "last_op_at"),
                Instant.parse(rs.getString("created_at")), noRetention ? Optional.empty() : Optional.of(Duration.ofSeconds(retention)));
    }

    public Optional<RuntimeRecord> record(String runtimeId) {
        try {
            return jdbi.withHandle(h -> h.createQuery("SELECT * FROM runtime_records WHERE runtime_id = :id").bind("id", runtimeId)
                    .map(RuntimeStore::record).findOne());
        } catch (JdbiException e) {
            throw failure("read runtime '" + runtimeId + "'", e);
        }
    }

    public List<RuntimeRecord> records() {
        try {
            return jdbi.withHandle(h -> h.createQuery("SELECT * FROM runtime_records ORDER BY runtime_id").map(RuntimeStore::record).list());
        } catch (JdbiException e) {
            throw failure("read runtimes", e);
        }
    }

    /** Sets a record's status as observed (events, inspections), with the matching timestamp. */
    public void observe(String runtimeId, RuntimeStatus status, String containerId, Optional<String> image, Instant at) {
        try {
            jdbi.useTransaction(h -> setStatus(h, runtimeId, status, containerId, image, at, false));
        } catch (JdbiException e) {
            throw failure("update runtime '" + runtimeId + "'", e);
        }
    }

    private static void setStatus(Handle h, String runtimeId, RuntimeStatus status, String containerId, Optional<String> image, Instant at,
            boolean op) {
        // Pausing keeps started_at; only a start, stop or removal moves its own timestamp.
        String stamp = switch (status) {
            case RUNNING -> "started_at";
            case STOPPED -> "stopped_at";
            case REMOVED -> "removed_at";
            case PAUSED -> null;
        };
        String set = "status = :status" + (containerId.isEmpty() ? "" : ", container_id = :cid") + (image.isPresent() ? ", image = :image" : "")
                + (stamp == null ? "" : ", " + stamp + " = CASE WHEN status IN ('paused', :status) AND :status = 'running' THEN "
                        + stamp + " ELSE :at END")
                + (op ? ", last_op_at = :at" : "");
        var u = h.createUpdate("UPDATE runtime_records SET " + set + " WHERE runtime_id = :id").bind("id", runtimeId)
                .bind("status", status.label()).bind("at", ts(at));
        if (!containerId.isEmpty()) u.bind("cid", containerId);
        image.ifPresent(i -> u.bind("image", i));
        u.execute();
    }

    // ---------------------------------------------------------------- operation log

    /** Appends one operation row and, for a success, updates the record in the same transaction. */
    long appendOperation(String runtimeId, OpKind kind, OpSource source, Outcome outcome, String errorCode, String errorMessage,
            Instant started, Instant finished, String containerId, Optional<RuntimeStatus> newStatus) {
        try {
            return jdbi.inTransaction(h -> {
                long id = h.createUpdate("""
                        INSERT INTO operation_log (runtime_id, op_kind, op_source, outcome, error_code, error_message, started_at,
                            finished_at, container_id)
                        VALUES (:id, :kind, :source, :outcome, :code, :message, :started, :finished, :cid)""")
                        .bind("id", runtimeId).bind("kind", kind.label()).bind("source", source.label()).bind("outcome", outcome.label())
                        .bind("code", errorCode).bind("message", errorMessage).bind("started", ts(started)).bind("finished", ts(finished))
                        .bind("cid", containerId).executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
                if (newStatus.isPresent()) {
                    setStatus(h, runtimeId, newStatus.get(), containerId, Optional.empty(), finished, true);
                } else {
                    h.createUpdate("UPDATE runtime_records SET last_op_at = :at WHERE runtime_id = :id").bind("id", runtimeId)
                            .bind("at", ts(finished)).execute();
                }
                return id;
            });
        } catch (JdbiException e) {
            throw failure("append " + kind.label() + " operation of runtime '" + runtimeId + "'", e);
        }
    }

    private static Operation operation(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Operation(rs.getLong("id"), rs.getString("runtime_id"), OpKind.valueOf(rs.getString("op_kind").toUpperCase(Locale.ROOT)),
                OpSource.valueOf(rs.getString("op_source").toUpperCase(Locale.ROOT)), Outcome.valueOf(rs.getString("outcome").toUpperCase(Locale.ROOT)),
                rs.getString("error_code"), rs.getString("error_message"), Instant.parse(rs.getString("started_at")),
                Instant.parse(rs.getString("finished_at")), rs.getString("container_id"));
    }

    /** Newest first, at most {@code limit}, of one runtime or all. */
    public List<Operation> operations(Optional<String> runtimeId, int limit) {
        try {
            return jdbi.withHandle(h -> h.createQuery("SELECT * FROM operation_log" + (runtimeId.isPresent() ? " WHERE runtime_id = :id" : "")
                    + " ORDER BY id DESC LIMIT :limit").bind("id", runtimeId.orElse("")).bind("limit", limit).map(RuntimeStore::operation).list());
        } catch (JdbiException e) {
            throw failure("read operations", e);
        }
    }

    // ---------------------------------------------------------------- health events

    long appendHealthEvent(String runtimeId, String containerId, Details details, Instant at) {
        try {
            return jdbi.inTransaction(h -> h.createUpdate("""
                    INSERT INTO health_events (runtime_id, container_id, event_type, occurred_at, details)
                    VALUES (:id, :cid, :type, :at, :details)""")
                    .bind("id", runtimeId).bind("cid", containerId).bind("type", details.type().label()).bind("at", ts(at))
                    .bind("details", details.json()).executeAndReturnGeneratedKeys("id").mapTo(Long.class).one());
        } catch (JdbiException e) {
            throw failure("append " + details.type().label() + " event of runtime '" + runtimeId + "'", e);
        }
    }

    private static HealthEvent healthEvent(ResultSet rs, StatementContext ctx) throws SQLException {
        return new HealthEvent(rs.getLong("id"), rs.getString("runtime_id"), rs.getString("container_id"),
                HealthEventType.valueOf(rs.getString("event_type").toUpperCase(Locale.ROOT)), Instant.parse(rs.getString("occurred_at")),
                rs.getString("details"));
    }

    /** Newest first, at most {@code limit}, of one runtime or all. */
    public List<HealthEvent> healthEvents(Optional<String> runtimeId, int limit) {
        try {
            return jdbi.withHandle(h -> h.createQuery("SELECT * FROM health_events" + (runtimeId.isPresent() ? " WHERE runtime_id = :id" : "")
                    + " ORDER BY id DESC LIMIT :limit").bind("id", runtimeId.orElse("")).bind("limit", limit).map(RuntimeStore::healthEvent).list());
        } catch (JdbiException e) {
            throw failure("read health events", e);
        }
    }

    // ---------------------------------------------------------------- leases

    /** Takes the runtime's lease for {@code holder} until {@code expires}, unless another unexpired holder has it. */
    boolean acquire(String runtimeId, String holder, Instant now, Instant expires) {
        try {
            return jdbi.inTransaction(h -> {
                Optional<String> until = h.createQuery("SELECT expires_at FROM leases WHERE runtime_id = :id").bind("id", runtimeId)
                        .mapTo(String.class).findOne();
                if (until.isPresent() && until.get().compareTo(ts(now)) > 0) return false;
                h.createUpdate("""
                        INSERT INTO leases (runtime_id, holder, acquired_at, expires_at) VALUES (:id, :holder, :now, :until)
                        ON CONFLICT (runtime_id) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at,
                            expires_at = excluded.expires_at""")
                        .bind("id", runtimeId).bind("holder", holder).bind("now", ts(now)).bind("until", ts(expires)).execute();
                return true;
            });
        } catch (JdbiException e) {
            throw failure("take the lease of runtime '" + runtimeId + "'", e);
        }
    }

    void release(String runtimeId, String holder) {
        try {
            jdbi.useTransaction(h -> h.createUpdate("DELETE FROM leases WHERE runtime_id = :id AND holder = :holder")
                    .bind("id", runtimeId).bind("holder", holder).execute());
        } catch (JdbiException e) {
            throw failure("release the lease of runtime '" + runtimeId + "'", e);
        }
    }
}
