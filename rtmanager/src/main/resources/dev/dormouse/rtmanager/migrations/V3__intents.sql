-- dormouse runtime manager, schema version 3: every container action is on record before it happens.
-- An operation row is written 'pending' (finished_at NULL) in the transaction that takes the
-- lease of the runtime and completed in place when the action ends; a pending row whose holder died or whose lease
-- expired is resolved as 'interrupted'. SQLite cannot change a CHECK constraint in place, so
-- operation_log is rebuilt with its rows, ids and id sequence kept.
CREATE TABLE operation_log_v3 (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    runtime_id    TEXT NOT NULL REFERENCES runtime_records (runtime_id),
    op_kind       TEXT NOT NULL CHECK (op_kind IN ('start', 'stop', 'pause', 'unpause', 'kill', 'remove', 'reconcile_adopt', 'reconcile_dispose')),
    op_source     TEXT NOT NULL CHECK (op_source IN ('wake_request', 'idle_timeout', 'dependency', 'admin', 'auto_ttl', 'reconcile', 'startup')),
    outcome       TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'replay_no_op', 'conflict', 'pending', 'interrupted')),
    error_code    TEXT NOT NULL DEFAULT '',
    error_message TEXT NOT NULL DEFAULT '',
    started_at    TEXT NOT NULL,
    finished_at   TEXT CHECK (finished_at >= started_at),
    container_id  TEXT NOT NULL DEFAULT '',
    CHECK ((outcome = 'pending') = (finished_at IS NULL))
);
INSERT INTO operation_log_v3 (id, runtime_id, op_kind, op_source, outcome, error_code, error_message, started_at, finished_at, container_id)
    SELECT id, runtime_id, op_kind, op_source, outcome, error_code, error_message, started_at, finished_at, container_id FROM operation_log;
-- Pruned rows leave the sequence above the highest id; ids are never reused.
DELETE FROM sqlite_sequence WHERE name = 'operation_log_v3';
INSERT INTO sqlite_sequence (name, seq) SELECT 'operation_log_v3', seq FROM sqlite_sequence WHERE name = 'operation_log';
DROP TABLE operation_log;
ALTER TABLE operation_log_v3 RENAME TO operation_log;
CREATE INDEX operation_log_by_runtime ON operation_log (runtime_id, id);
CREATE INDEX operation_log_by_time ON operation_log (started_at);
CREATE INDEX operation_log_pending ON operation_log (id) WHERE outcome = 'pending';

-- A lease names its holder, so that a holder that no longer exists is known at once: a process on the
-- same host (same boot id and pid namespace) whose pid is gone, or is now another process (another start
-- time, in clock ticks since boot), is dead, and so is one of an earlier boot of the same machine (same
-- machine id). operation_id is the pending row of the action the lease covers (NULL for leases of the
-- reconciler, which cover no container action). Leases written before this version name no host and are
-- respected until they expire.
ALTER TABLE leases ADD COLUMN machine_id TEXT NOT NULL DEFAULT '';
ALTER TABLE leases ADD COLUMN boot_id TEXT NOT NULL DEFAULT '';
ALTER TABLE leases ADD COLUMN pid_namespace TEXT NOT NULL DEFAULT '';
ALTER TABLE leases ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leases ADD COLUMN pid_start INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leases ADD COLUMN operation_id INTEGER;
