package dev.dormouse.rtmanager;

import dev.dormouse.core.spi.OpSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jdbi.v3.core.ConnectionFactory;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.SqlStatements;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.Update;

/**
 * The runtime manager's SQLite database, {@code <data_dir>/dormouse.db}, and the only class that talks
 * SQL. Every connection runs in WAL mode with {@code synchronous=NORMAL}, foreign keys on and a busy
 * timeout, and every write transaction takes the write lock when it begins ({@code BEGIN IMMEDIATE}), so
 * two processes (the daemon and the CLI) queue for it instead of failing to upgrade a read lock.
 *
 * <p>Versioned migrations ({@code migrations/V<n>__<name>.sql}, tracked in {@code PRAGMA user_version})
 * run in one transaction when the store opens; a database written by a newer dormouse is refused. A file
 * left by a killed process opens normally: SQLite replays or discards its write-ahead log.
 *
 * <p>Timestamps are UTC ISO-8601 text with milliseconds ({@code 2026-11-23T10:15:30.123Z}), so they sort
 * and compare as text. Enum columns hold the lower-case labels, checked by {@code CHECK} constraints.
 * Every failure is a {@link RuntimeManagerException} naming the file and the action. The public methods
 * read; writes go through {@link LifecycleService} and the workers.
 */
public final class RuntimeStore {
    private static final List<String> MIGRATIONS = List.of("V1__init.sql", "V2__history_indexes.sql", "V3__intents.sql", "V4__scale.sql");
    /** The schema version this code reads and writes. */
    public static final int SCHEMA_VERSION = MIGRATIONS.size();
    private static final Duration BUSY_TIMEOUT = Duration.ofSeconds(10);
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final Path file;
    private final Jdbi jdbi;

    private RuntimeStore(Path file, Jdbi jdbi) {
        this.file = file;
        this.jdbi = jdbi;
    }

    /**
     * Opens {@code <dataDir>/dormouse.db}, creating the directory and the file if needed, and migrates it.
     *
     * @throws RuntimeManagerException when the directory cannot be made, the file is not a usable
     *     database, or its schema is newer than {@link #SCHEMA_VERSION}
     */
    public static RuntimeStore open(Path dataDir) {
        Objects.requireNonNull(dataDir, "dataDir");
        Path file = dataDir.resolve("dormouse.db").toAbsolutePath();
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new RuntimeManagerException("open " + file + ": cannot create data_dir " + dataDir + ": " + e, e);
        }
        Properties p = new Properties();
        p.setProperty("journal_mode", "WAL");
        p.setProperty("synchronous", "NORMAL");
        p.setProperty("foreign_keys", "true");
        p.setProperty("busy_timeout", Long.toString(BUSY_TIMEOUT.toMillis()));
        p.setProperty("transaction_mode", "IMMEDIATE");
        Jdbi jdbi = Jdbi.create(new IdleConnections("jdbc:sqlite:" + file, p));
        jdbi.getConfig(SqlStatements.class).setUnusedBindingAllowed(true);
        RuntimeStore s = new RuntimeStore(file, jdbi);
        s.migrate();
        return s;
    }

    /**
     * Keeps a few idle connections for reuse: opening one (the file, the schema, the pragmas) costs more
     * than a whole lease-and-log round. A connection is only pooled in auto-commit mode, so no
     * transaction, and hence no lock, outlives its use.
     */
    private static final class IdleConnections implements ConnectionFactory {
        private static final int KEEP = 4;
        private final String url;
        private final Properties props;
        private final BlockingQueue<Connection> idle = new ArrayBlockingQueue<>(KEEP);

        IdleConnections(String url, Properties props) {
            this.url = url;
            this.props = props;
        }

        @Override
        public Connection openConnection() throws SQLException {
            for (Connection c; (c = idle.poll()) != null; ) {
                if (!c.isClosed()) return c;
            }
            return DriverManager.getConnection(url, props);
        }

        @Override
        public void closeConnection(Connection c) throws SQLException {
            if (c.isClosed()) return;
            if (!c.getAutoCommit() || !idle.offer(c)) c.close();
        }
    }

    /** The database file, absolute. */
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
                    throw new RuntimeManagerException(file + " schema version " + version + " is newer than this dormouse (knows "
                            + SCHEMA_VERSION + "): upgrade dormouse or use another data_dir");
                }
                for (int v = version + 1; v <= SCHEMA_VERSION; v++) {
                    h.createScript(resource("migrations/" + MIGRATIONS.get(v - 1))).execute();
                    h.execute("PRAGMA user_version = " + v);
                }
            });
        } catch (RuntimeManagerException e) {
            throw e;
        } catch (JdbiException e) {
            throw failure("open and migrate", e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = RuntimeStore.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("read resource " + name, e);
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

    /** {@code PRAGMA integrity_check}: {@code ok} for a sound file, else SQLite's findings joined by {@code "; "}. */
    public String integrityCheck() {
        try {
            return jdbi.withHandle(h -> String.join("; ", h.createQuery("PRAGMA integrity_check").mapTo(String.class).list()));
        } catch (JdbiException e) {
            throw failure("integrity check", e);
        }
    }

    /** A pragma's value as this store's connections see it, e.g. {@code busy_timeout}. */
    String pragma(String name) {
        if (!name.matches("[a-z_]+")) throw new IllegalArgumentException("not a pragma name: " + name);
        try {
            return jdbi.withHandle(h -> h.createQuery("PRAGMA " + name).mapTo(String.class).one());
        } catch (JdbiException e) {
            throw failure("read pragma " + name, e);
        }
    }

    /** The schema version stored in the file. */
    public int schemaVersion() {
        try {
            return jdbi.withHandle(h -> h.createQuery("PRAGMA user_version").mapTo(Integer.class).one());
        } catch (JdbiException e) {
            throw failure("read schema version", e);
        }
    }

    // ---------------------------------------------------------------- records

    /**
     * Makes sure {@code spec} has a record: a new one is {@code stopped} with no container id until
     * observed. An existing record takes the spec's provider, container and retention; when the provider
     * or container changed, the observed container id and image are cleared (they were another
     * container's). Nothing is ever deleted.
     */
    void register(RuntimeSpec spec, Instant now) {
        try {
            jdbi.useTransaction(h -> h.createUpdate("""
                    INSERT INTO runtime_records (runtime_id, provider, container_ref, status, created_at, retention)
                    VALUES (:id, :provider, :ref, 'stopped', :now, :retention)
                    ON CONFLICT (runtime_id) DO UPDATE SET
                        container_id = CASE WHEN provider <> excluded.provider OR container_ref <> excluded.container_ref
                                            THEN '' ELSE container_id END,
                        image = CASE WHEN provider <> excluded.provider OR container_ref <> excluded.container_ref
                                     THEN '' ELSE image END,
                        provider = excluded.provider, container_ref = excluded.container_ref, retention = excluded.retention""")
                    .bind("id", spec.runtimeId()).bind("provider", spec.provider()).bind("ref", spec.container()).bind("now", ts(now))
                    .bind("retention", spec.retention().map(RuntimeStore::retentionSeconds).orElse(null)).execute());
        } catch (JdbiException e) {
            throw failure("register runtime '" + spec.runtimeId() + "'", e);
        }
    }

    private static long retentionSeconds(Duration d) {
        long s = d.toSeconds();
        return d.toNanosPart() > 0 || s == 0 ? s + 1 : s;
    }

    private static RuntimeRecord record(ResultSet rs, StatementContext ctx) throws SQLException {
        long retention = rs.getLong("retention");
        boolean noRetention = rs.wasNull();
        return new RuntimeRecord(rs.getString("runtime_id"), rs.getString("provider"), rs.getString("container_ref"),
                rs.getString("container_id"), rs.getString("image"), RuntimeStatus.parse(rs.getString("status")),
                instant(rs, "started_at"), instant(rs, "stopped_at"), instant(rs, "removed_at"), instant(rs, "last_op_at"),
                Instant.parse(rs.getString("created_at")), noRetention ? Optional.empty() : Optional.of(Duration.ofSeconds(retention)),
                rs.getInt("replicas"));
    }

    /**
     * Remembers the replica count a scale to 0 found ({@code replicas} &gt; 0), which the next wake scales
     * back to; the rest of the record is left alone.
     */
    public void rememberReplicas(String runtimeId, int replicas) {
        if (replicas <= 0) throw new IllegalArgumentException("replicas must be > 0, got " + replicas);
        try {
            jdbi.useHandle(h -> h.createUpdate("UPDATE runtime_records SET replicas = :n WHERE runtime_id = :id")
                    .bind("n", replicas).bind("id", runtimeId).execute());
        } catch (RuntimeException e) {
            throw failure("remember replicas of runtime '" + runtimeId + "'", e);
        }
    }

    /** The record of one runtime. */
    public Optional<RuntimeRecord> record(String runtimeId) {
        try {
            return jdbi.withHandle(h -> recordIn(h, runtimeId));
        } catch (JdbiException e) {
            throw failure("read runtime '" + runtimeId + "'", e);
        }
    }

    private static Optional<RuntimeRecord> recordIn(Handle h, String runtimeId) {
        return h.createQuery("SELECT * FROM runtime_records WHERE runtime_id = :id").bind("id", runtimeId).map(RuntimeStore::record).findOne();
    }

    /** Every record, by runtime id. */
    public List<RuntimeRecord> records() {
        try {
            return jdbi.withHandle(h -> h.createQuery("SELECT * FROM runtime_records ORDER BY runtime_id").map(RuntimeStore::record).list());
        } catch (JdbiException e) {
            throw failure("read runtimes", e);
        }
    }

    /**
     * Applies {@code u} only when the record matches: its status is one of {@code from}, its container id
     * is {@code sameContainer} or not known yet (any when {@code sameContainer} is empty), and, with
     * {@code notBeforeLastOp}, no operation finished after {@code at} (an action recorded later knows
     * better than an older observation). When applied and {@code ifApplied} is given, that health event
     * is appended in the same transaction.
     *
     * @return the appended health event, if the update applied and one was given
     */
    Observed observe(String runtimeId, RecordUpdate u, Instant at, Set<RuntimeStatus> from, String sameContainer, boolean notBeforeLastOp,
            Optional<HealthDetails> ifApplied) {
        try {
            return jdbi.inTransaction(h -> {
                String where = " AND status IN (" + from.stream().map(s -> "'" + s.label() + "'").collect(Collectors.joining(", ")) + ")"
                        + (sameContainer.isEmpty() ? "" : " AND (container_id = '' OR container_id = :same)")
                        + (notBeforeLastOp ? " AND (last_op_at IS NULL OR last_op_at <= :at)" : "");
                int n = update(h, runtimeId, u, at, where, q -> q.bind("same", sameContainer));
                if (n == 0) return new Observed(false, Optional.empty());
                String cid = u.containerId().isEmpty() ? sameContainer : u.containerId();
                return new Observed(true, ifApplied.map(d -> insertHealthEvent(h, runtimeId, cid, d, at)));
            });
        } catch (JdbiException e) {
            throw failure("update runtime '" + runtimeId + "'", e);
        }
    }

    /** What {@link #observe} did. */
    record Observed(boolean applied, Optional<HealthEvent> event) {}

    private static int update(Handle h, String runtimeId, RecordUpdate u, Instant at, String where, java.util.function.Consumer<Update> more) {
        String stamp = switch (u.status()) {
            case RUNNING -> "started_at";
            case STOPPED -> "stopped_at";
            case REMOVED -> "removed_at";
            case PAUSED -> null;
        };
        StringBuilder set = new StringBuilder("status = :status");
        if (!u.containerId().isEmpty()) set.append(", container_id = :cid");
        if (!u.image().isEmpty()) set.append(", image = :image");
        if (stamp != null) {
            // SET expressions see the row as it was, so this compares against the old status and id.
            set.append(", ").append(stamp).append(" = CASE WHEN (:cid = '' OR container_id = '' OR container_id = :cid)")
                    .append(" AND (status = :status OR (status = 'paused' AND :status = 'running'))")
                    .append(" THEN COALESCE(").append(stamp).append(", :at) ELSE :at END");
        }
        if (u.op()) set.append(", last_op_at = :at");
        Update q = h.createUpdate("UPDATE runtime_records SET " + set + " WHERE runtime_id = :id" + where).bind("id", runtimeId)
                .bind("status", u.status().label()).bind("cid", u.containerId()).bind("image", u.image()).bind("at", ts(at));
        more.accept(q);
        return q.execute();
    }

    // ---------------------------------------------------------------- leases

    /**
     * A runtime's lease row: {@code holder} may act on the runtime until {@code expiresAt}.
     *
     * @param holder the acquisition's id, unique per acquisition
     * @param machineId the holder's machine id ({@code /etc/machine-id}); empty when it has none
     * @param bootId the holder's host boot id; empty for a lease that names no host (written before schema 3)
     * @param pidNamespace the holder's pid namespace
     * @param pid the holder's process id, 0 when unknown
     * @param pidStart the holder's start time in clock ticks since boot, 0 when unknown
     * @param operationId the {@code pending} operation-log row of the action the lease covers, 0 for none
     *     (a reconciler correction, which touches no container)
     */
    public record Lease(String runtimeId, String holder, Instant acquiredAt, Instant expiresAt, String machineId, String bootId,
            String pidNamespace, long pid, long pidStart, long operationId) {
        ProcessIdentity identity() {
            return new ProcessIdentity(machineId, bootId, pidNamespace, pid, pidStart);
        }
    }

    private static Lease leaseRow(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Lease(rs.getString("runtime_id"), rs.getString("holder"), Instant.parse(rs.getString("acquired_at")),
                Instant.parse(rs.getString("expires_at")), rs.getString("machine_id"), rs.getString("boot_id"), rs.getString("pid_namespace"),
                rs.getLong("pid"), rs.getLong("pid_start"), rs.getLong("operation_id"));
    }

    private static Optional<Lease> leaseIn(Handle h, String runtimeId) {
        return h.createQuery("SELECT * FROM leases WHERE runtime_id = :id").bind("id", runtimeId).map(RuntimeStore::leaseRow).findOne();
    }

    /** The runtime's lease row, if one is stored (it may have expired, or its holder died). */
    public Optional<Lease> lease(String runtimeId) {
        try {
            return jdbi.withHandle(h -> leaseIn(h, runtimeId));
        } catch (JdbiException e) {
            throw failure("read the lease of runtime '" + runtimeId + "'", e);
        }
    }

    /** Every lease row, by runtime id. */
    public List<Lease> leases() {
        try {
            return jdbi.withHandle(h -> h.createQuery("SELECT * FROM leases ORDER BY runtime_id").map(RuntimeStore::leaseRow).list());
        } catch (JdbiException e) {
            throw failure("read leases", e);
        }
    }

    /** The container action a lease is taken for; {@link #acquire} writes it as a {@code pending} row. */
    record Intent(OpKind kind, OpSource source) {}

    /** What {@link #acquire} found. */
    sealed interface Acquisition {
        /** The lease is taken; {@code operationId} is the pending row written with it, 0 without an intent. */
        record Acquired(RuntimeRecord record, long operationId) implements Acquisition {}

        /** Another holder's lease is valid and its holder is not known to be dead. */
        record Held(Lease lease) implements Acquisition {}

        /**
         * The lease's holder died or its lease expired while its action was still {@code pending}: that row
         * must be resolved ({@link #interrupt}) before the lease is taken over.
         */
        record Abandoned(Lease lease) implements Acquisition {}
    }

    /**
     * Takes the runtime's lease for {@code holder} (a process named by {@code self}) until
     * {@code expires}, unless another holder's lease stands; in the same transaction reads the record and,
     * with an intent, writes the action's {@code pending} row, which the lease then names. A lease stands
     * unless {@code abandoned} says otherwise (it expired, or its holder is dead); an abandoned lease
     * without a pending row is simply taken over.
     *
     * @throws RuntimeManagerException when the runtime has no record
     */
    Acquisition acquire(String runtimeId, String holder, ProcessIdentity self, Instant now, Instant expires, Optional<Intent> intent,
            Predicate<Lease> abandoned) {
        try {
            return jdbi.inTransaction(h -> {
                Optional<Lease> held = leaseIn(h, runtimeId);
                if (held.isPresent()) {
                    Lease l = held.get();
                    if (!abandoned.test(l)) return new Acquisition.Held(l);
                    if (l.operationId() > 0 && pendingIn(h, l.operationId())) return new Acquisition.Abandoned(l);
                }
                RuntimeRecord rec = recordIn(h, runtimeId)
                        .orElseThrow(() -> new RuntimeManagerException(file + ": take the lease of runtime '" + runtimeId + "': it has no record"));
                long op = 0;
                if (intent.isPresent()) {
                    op = h.createUpdate("""
                            INSERT INTO operation_log (runtime_id, op_kind, op_source, outcome, started_at, finished_at, container_id)
                            VALUES (:id, :kind, :source, 'pending', :now, NULL, :cid)""")
                            .bind("id", runtimeId).bind("kind", intent.get().kind().label()).bind("source", intent.get().source().label())
                            .bind("now", ts(now)).bind("cid", rec.containerId()).executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
                }
                h.createUpdate("""
                        INSERT INTO leases (runtime_id, holder, acquired_at, expires_at, machine_id, boot_id, pid_namespace, pid, pid_start,
                            operation_id)
                        VALUES (:id, :holder, :now, :until, :machine, :boot, :ns, :pid, :start, :op)
                        ON CONFLICT (runtime_id) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at,
                            expires_at = excluded.expires_at, machine_id = excluded.machine_id, boot_id = excluded.boot_id,
                            pid_namespace = excluded.pid_namespace, pid = excluded.pid, pid_start = excluded.pid_start,
                            operation_id = excluded.operation_id""")
                        .bind("id", runtimeId).bind("holder", holder).bind("now", ts(now)).bind("until", ts(expires))
                        .bind("machine", self.machineId()).bind("boot", self.bootId()).bind("ns", self.pidNamespace()).bind("pid", self.pid()).bind("start", self.startTicks())
                        .bind("op", op == 0 ? null : op).execute();
                return new Acquisition.Acquired(rec, op);
            });
        } catch (JdbiException e) {
            throw failure("take the lease of runtime '" + runtimeId + "'", e);
        }
    }

    /**
     * Takes the lease as a holder that names no process (so it is respected until it expires, like one of
     * another host), with no intent; for tests that play another process.
     *
     * @return the record, or empty when the lease is held
     */
    Optional<RuntimeRecord> acquire(String runtimeId, String holder, Instant now, Instant expires) {
        Acquisition a = acquire(runtimeId, holder, new ProcessIdentity("", "", 0, 0), now, expires, Optional.empty(),
                l -> !l.expiresAt().isAfter(now));
        return a instanceof Acquisition.Acquired got ? Optional.of(got.record()) : Optional.empty();
    }

    private static boolean pendingIn(Handle h, long operationId) {
        return h.createQuery("SELECT count(*) FROM operation_log WHERE id = :op AND outcome = 'pending'").bind("op", operationId)
                .mapTo(Integer.class).one() > 0;
    }

    /**
     * Moves the expiry of {@code holder}'s lease to {@code expires}.
     *
     * @return false when {@code holder} no longer holds it
     */
    boolean extend(String runtimeId, String holder, Instant expires) {
        try {
            return jdbi.inTransaction(h -> h.createUpdate("UPDATE leases SET expires_at = :until WHERE runtime_id = :id AND holder = :holder")
                    .bind("id", runtimeId).bind("holder", holder).bind("until", ts(expires)).execute() > 0);
        } catch (JdbiException e) {
            throw failure("extend the lease of runtime '" + runtimeId + "'", e);
        }
    }

    /** Whether a lease on the runtime is valid at {@code now}. */
    boolean leaseHeld(String runtimeId, Instant now) {
        return lease(runtimeId).filter(l -> l.expiresAt().isAfter(now)).isPresent();
    }

    /** Deletes the lease row if {@code holder} still holds it; another holder's row is never touched. */
    void release(String runtimeId, String holder) {
        try {
            jdbi.useTransaction(h -> h.createUpdate("DELETE FROM leases WHERE runtime_id = :id AND holder = :holder")
                    .bind("id", runtimeId).bind("holder", holder).execute());
        } catch (JdbiException e) {
            throw failure("release the lease of runtime '" + runtimeId + "'", e);
        }
    }

    // ---------------------------------------------------------------- operation log

    /**
     * One operation to log: the row's columns, the record change it made, an optional health event, and
     * the lease to release ({@code holder} empty: none). With an {@code operationId} the action's
     * {@code pending} row is completed in place; without one (0) a complete row is appended.
     */
    record Finish(String runtimeId, String holder, long operationId, OpKind kind, OpSource source, Outcome outcome, String errorCode,
            String errorMessage, Instant startedAt, Instant finishedAt, String containerId, Optional<RecordUpdate> update,
            Optional<HealthDetails> health) {
        Finish {
            if (outcome == Outcome.PENDING) throw new IllegalArgumentException("a finished operation is not pending");
            if (finishedAt.isBefore(startedAt)) finishedAt = startedAt;
        }

        /** An appended row, complete at once (a conflict, a reconciler correction). */
        Finish(String runtimeId, String holder, OpKind kind, OpSource source, Outcome outcome, String errorCode, String errorMessage,
                Instant startedAt, Instant finishedAt, String containerId, Optional<RecordUpdate> update, Optional<HealthDetails> health) {
            this(runtimeId, holder, 0, kind, source, outcome, errorCode, errorMessage, startedAt, finishedAt, containerId, update, health);
        }
    }

    /** What {@link #finish} wrote. */
    record Written(Operation operation, Optional<HealthEvent> health) {}

    /**
     * Writes the operation row (appended, or the pending one completed), applies its record change and
     * health event, and releases the lease: one transaction.
     *
     * @throws RuntimeManagerException when the pending row is no longer pending: the lease outlived its
     *     bound and another actor resolved the row as {@code interrupted} meanwhile (nothing is written)
     */
    Written finish(Finish f) {
        return finish(f, r -> true).orElseThrow();
    }

    /**
     * Like {@link #finish(Finish)}, but only when {@code precondition} holds for the record as it is inside
     * the transaction; otherwise only the lease is released.
     */
    Optional<Written> finish(Finish f, Predicate<RuntimeRecord> precondition) {
        try {
            return jdbi.inTransaction(h -> {
                RuntimeRecord now = recordIn(h, f.runtimeId()).orElseThrow(() -> new RuntimeManagerException(
                        file + ": log " + f.kind().label() + " of runtime '" + f.runtimeId() + "': it has no record"));
                if (!precondition.test(now)) {
                    deleteLease(h, f.runtimeId(), f.holder());
                    return Optional.empty();
                }
                long id = f.operationId();
                Instant started = f.startedAt();
                if (id == 0) {
                    id = h.createUpdate("""
                            INSERT INTO operation_log (runtime_id, op_kind, op_source, outcome, error_code, error_message, started_at,
                                finished_at, container_id)
                            VALUES (:id, :kind, :source, :outcome, :code, :message, :started, :finished, :cid)""")
                            .bind("id", f.runtimeId()).bind("kind", f.kind().label()).bind("source", f.source().label())
                            .bind("outcome", f.outcome().label()).bind("code", f.errorCode()).bind("message", f.errorMessage())
                            .bind("started", ts(f.startedAt())).bind("finished", ts(f.finishedAt())).bind("cid", f.containerId())
                            .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
                } else {
                    Optional<Operation> pending = operationIn(h, id).filter(o -> o.outcome() == Outcome.PENDING);
                    if (pending.isEmpty()) {
                        throw new RuntimeManagerException(file + ": log " + f.kind().label() + " of runtime '" + f.runtimeId() + "': row " + id
                                + " was resolved meanwhile (the action outlived its lease, which another actor took over)");
                    }
                    started = pending.get().startedAt();
                    h.createUpdate("""
                            UPDATE operation_log SET outcome = :outcome, error_code = :code, error_message = :message,
                                finished_at = max(:finished, started_at), container_id = :cid
                            WHERE id = :op AND outcome = 'pending'""")
                            .bind("op", id).bind("outcome", f.outcome().label()).bind("code", f.errorCode()).bind("message", f.errorMessage())
                            .bind("finished", ts(f.finishedAt())).bind("cid", f.containerId()).execute();
                }
                if (f.update().isPresent()) update(h, f.runtimeId(), f.update().get(), f.finishedAt(), "", q -> { });
                Optional<HealthEvent> ev = f.health().map(d -> insertHealthEvent(h, f.runtimeId(), f.containerId(), d, f.finishedAt()));
                deleteLease(h, f.runtimeId(), f.holder());
                Instant finished = f.finishedAt().isBefore(started) ? started : f.finishedAt();
                return Optional.of(new Written(new Operation(id, f.runtimeId(), f.kind(), f.source(), f.outcome(), f.errorCode(), f.errorMessage(),
                        parseTs(ts(started)), parseTs(ts(finished)), f.containerId()), ev));
            });
        } catch (JdbiException e) {
            throw failure("log " + f.kind().label() + " of runtime '" + f.runtimeId() + "'", e);
        }
    }

    /** A {@code pending} row and the lease that names it, if any. */
    record Pending(Operation operation, Optional<Lease> lease) {}

    /** Every {@code pending} row, oldest first, with the lease that names it (none: the row was orphaned). */
    List<Pending> pending() {
        try {
            return jdbi.withHandle(h -> h.createQuery("SELECT id FROM operation_log WHERE outcome = 'pending' ORDER BY id").mapTo(Long.class).list()
                    .stream().map(id -> {
                        Operation o = operationIn(h, id).orElseThrow();
                        Optional<Lease> l = h.createQuery("SELECT * FROM leases WHERE operation_id = :op").bind("op", id).map(RuntimeStore::leaseRow)
                                .findOne();
                        return new Pending(o, l);
                    }).toList());
        } catch (JdbiException e) {
            throw failure("read pending operations", e);
        }
    }

    /**
     * Resolves a {@code pending} row whose action will never report: outcome {@code interrupted},
     * finished at {@code at}, with the error and, when the container could be read, the record set from
     * what it was found to be. With {@code holder} (an abandoned lease's holder) that lease must still
     * stand and is released with it; without, the row must be an orphan that no lease names, and the
     * record is changed only while no action holds the runtime. One transaction.
     *
     * @return the resolved row, or empty when the row was no longer pending or the lease had changed hands
     */
    Optional<Written> interrupt(long operationId, Optional<String> holder, String errorCode, String errorMessage, Instant at, String containerId,
            Optional<RecordUpdate> update) {
        try {
            return jdbi.inTransaction(h -> {
                Optional<Operation> row = operationIn(h, operationId).filter(o -> o.outcome() == Outcome.PENDING);
                if (row.isEmpty()) return Optional.<Written>empty();
                Operation o = row.get();
                Optional<Lease> lease = leaseIn(h, o.runtimeId());
                if (holder.isPresent()) {
                    if (lease.isEmpty() || !lease.get().holder().equals(holder.get())) return Optional.<Written>empty();
                } else if (lease.isPresent() && lease.get().operationId() == operationId) {
                    return Optional.<Written>empty();
                }
                Instant finished = at.isBefore(o.startedAt()) ? o.startedAt() : at;
                String cid = containerId.isEmpty() ? o.containerId() : containerId;
                h.createUpdate("""
                        UPDATE operation_log SET outcome = 'interrupted', error_code = :code, error_message = :message, finished_at = :finished,
                            container_id = :cid
                        WHERE id = :op AND outcome = 'pending'""")
                        .bind("op", operationId).bind("code", errorCode).bind("message", errorMessage).bind("finished", ts(finished)).bind("cid", cid)
                        .execute();
                if (update.isPresent() && (holder.isPresent() || lease.isEmpty())) update(h, o.runtimeId(), update.get(), at, "", q -> { });
                holder.ifPresent(x -> deleteLease(h, o.runtimeId(), x));
                return Optional.of(new Written(new Operation(operationId, o.runtimeId(), o.kind(), o.source(), Outcome.INTERRUPTED, errorCode,
                        errorMessage, o.startedAt(), parseTs(ts(finished)), cid), Optional.empty()));
            });
        } catch (JdbiException e) {
            throw failure("resolve pending operation " + operationId, e);
        }
    }

    /** One operation-log row by id. */
    Optional<Operation> operation(long id) {
        try {
            return jdbi.withHandle(h -> operationIn(h, id));
        } catch (JdbiException e) {
            throw failure("read operation " + id, e);
        }
    }

    private static Optional<Operation> operationIn(Handle h, long id) {
        return h.createQuery("SELECT * FROM operation_log WHERE id = :op").bind("op", id).map(RuntimeStore::operation).findOne();
    }

    private static Instant parseTs(String s) {
        return Instant.parse(s);
    }

    private static void deleteLease(Handle h, String runtimeId, String holder) {
        if (holder.isEmpty()) return;
        h.createUpdate("DELETE FROM leases WHERE runtime_id = :id AND holder = :holder").bind("id", runtimeId).bind("holder", holder).execute();
    }

    /** A pending row has no {@code finished_at} yet; it reads as its {@code started_at}. */
    private static Operation operation(ResultSet rs, StatementContext ctx) throws SQLException {
        Instant started = Instant.parse(rs.getString("started_at"));
        String finished = rs.getString("finished_at");
        return new Operation(rs.getLong("id"), rs.getString("runtime_id"), OpKind.parse(rs.getString("op_kind")),
                OpSource.valueOf(rs.getString("op_source").toUpperCase(Locale.ROOT)), Outcome.parse(rs.getString("outcome")),
                rs.getString("error_code"), rs.getString("error_message"), started, finished == null ? started : Instant.parse(finished),
                rs.getString("container_id"));
    }

    /**
     * Operation-log rows, newest first.
     *
     * @param runtimeId one runtime's rows, or every runtime's
     * @param limit at most this many, {@code > 0}
     */
    public List<Operation> operations(Optional<String> runtimeId, int limit) {
        if (limit <= 0) throw new IllegalArgumentException("limit must be > 0, got " + limit);
        try {
            return jdbi.withHandle(h -> h.createQuery("SELECT * FROM operation_log" + (runtimeId.isPresent() ? " WHERE runtime_id = :id" : "")
                    + " ORDER BY id DESC LIMIT :limit").bind("id", runtimeId.orElse("")).bind("limit", limit).map(RuntimeStore::operation).list());
        } catch (JdbiException e) {
            throw failure("read operations", e);
        }
    }

    // ---------------------------------------------------------------- health events

    HealthEvent appendHealthEvent(String runtimeId, String containerId, HealthDetails details, Instant at) {
        try {
            return jdbi.inTransaction(h -> insertHealthEvent(h, runtimeId, containerId, details, at));
        } catch (JdbiException e) {
            throw failure("append " + details.type().label() + " event of runtime '" + runtimeId + "'", e);
        }
    }

    private static HealthEvent insertHealthEvent(Handle h, String runtimeId, String containerId, HealthDetails details, Instant at) {
        long id = h.createUpdate("""
                INSERT INTO health_events (runtime_id, container_id, event_type, occurred_at, details)
                VALUES (:id, :cid, :type, :at, :details)""")
                .bind("id", runtimeId).bind("cid", containerId).bind("type", details.type().label()).bind("at", ts(at))
                .bind("details", details.json()).executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
        return new HealthEvent(id, runtimeId, containerId, details.type(), parseTs(ts(at)), details.json());
    }

    private static HealthEvent healthEvent(ResultSet rs, StatementContext ctx) throws SQLException {
        return new HealthEvent(rs.getLong("id"), rs.getString("runtime_id"), rs.getString("container_id"),
                HealthEventType.parse(rs.getString("event_type")), Instant.parse(rs.getString("occurred_at")), rs.getString("details"));
    }

    /**
     * Health events, newest first.
     *
     * @param runtimeId one runtime's events, or every runtime's
     * @param limit at most this many, {@code > 0}
     */
    public List<HealthEvent> healthEvents(Optional<String> runtimeId, int limit) {
        if (limit <= 0) throw new IllegalArgumentException("limit must be > 0, got " + limit);
        try {
            return jdbi.withHandle(h -> h.createQuery("SELECT * FROM health_events" + (runtimeId.isPresent() ? " WHERE runtime_id = :id" : "")
                    + " ORDER BY id DESC LIMIT :limit").bind("id", runtimeId.orElse("")).bind("limit", limit).map(RuntimeStore::healthEvent).list());
        } catch (JdbiException e) {
            throw failure("read health events", e);
        }
    }

    // ---------------------------------------------------------------- pruning

    /**
     * One batch of old operation-log rows: found through {@code operation_log_by_time}; a {@code pending}
     * row (an action still under way, or one that start-up recovery has yet to resolve) is never deleted.
     */
    static final String PRUNE_OPERATIONS = """
            DELETE FROM operation_log WHERE id IN (
                SELECT id FROM operation_log WHERE started_at < :before AND outcome <> 'pending' LIMIT :limit)""";
    /** One batch of old health events, found through {@code health_events_by_time}. */
    static final String PRUNE_HEALTH_EVENTS = """
            DELETE FROM health_events WHERE id IN (
                SELECT id FROM health_events WHERE occurred_at < :before LIMIT :limit)""";

    /**
     * Deletes at most {@code limit} operation-log rows that started before {@code before}, in one short
     * transaction of its own, so writers wait on the lock for one batch at most.
     *
     * @return how many were deleted; fewer than {@code limit} means none older is left
     */
    int pruneOperations(Instant before, int limit) {
        return prune(PRUNE_OPERATIONS, "operation_log", before, limit);
    }

    /** Like {@link #pruneOperations}, for health events that occurred before {@code before}. */
    int pruneHealthEvents(Instant before, int limit) {
        return prune(PRUNE_HEALTH_EVENTS, "health_events", before, limit);
    }

    private int prune(String sql, String table, Instant before, int limit) {
        if (limit <= 0) throw new IllegalArgumentException("limit must be > 0, got " + limit);
        try {
            return jdbi.inTransaction(h -> h.createUpdate(sql).bind("before", ts(before)).bind("limit", limit).execute());
        } catch (JdbiException e) {
            throw failure("prune " + table + " rows older than " + ts(before), e);
        }
    }

    /** SQLite's {@code EXPLAIN QUERY PLAN} of a statement of this class, one {@code detail} per line. */
    List<String> queryPlan(String sql) {
        try {
            return jdbi.withHandle(h -> h.createQuery("EXPLAIN QUERY PLAN " + sql).bind("before", ts(Instant.EPOCH)).bind("limit", 1)
                    .map((rs, ctx) -> rs.getString("detail")).list());
        } catch (JdbiException e) {
            throw failure("explain a query", e);
        }
    }
}
