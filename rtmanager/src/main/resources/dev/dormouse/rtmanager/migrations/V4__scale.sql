-- dormouse runtime manager, schema version 4: Swarm services sleep by scaling to 0 replicas and wake by
-- scaling back. Their actions are logged as 'scale_down' and 'scale_up', and the record keeps the replica
-- count the last scale to 0 found (0: not known, or not a service), which the next wake scales back to.
-- SQLite cannot change a CHECK constraint in place, so operation_log is rebuilt as in version 3, with its
-- rows, ids and id sequence kept.
CREATE TABLE operation_log_v4 (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    runtime_id    TEXT NOT NULL REFERENCES runtime_records (runtime_id),
    op_kind       TEXT NOT NULL CHECK (op_kind IN ('start', 'stop', 'pause', 'unpause', 'kill', 'remove', 'scale_up', 'scale_down',
                                                   'reconcile_adopt', 'reconcile_dispose')),
    op_source     TEXT NOT NULL CHECK (op_source IN ('wake_request', 'idle_timeout', 'dependency', 'admin', 'auto_ttl', 'reconcile', 'startup')),
    outcome       TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'replay_no_op', 'conflict', 'pending', 'interrupted')),
    error_code    TEXT NOT NULL DEFAULT '',
    error_message TEXT NOT NULL DEFAULT '',
    started_at    TEXT NOT NULL,
    finished_at   TEXT CHECK (finished_at >= started_at),
    container_id  TEXT NOT NULL DEFAULT '',
    CHECK ((outcome = 'pending') = (finished_at IS NULL))
);
INSERT INTO operation_log_v4 (id, runtime_id, op_kind, op_source, outcome, error_code, error_message, started_at, finished_at, container_id)
    SELECT id, runtime_id, op_kind, op_source, outcome, error_code, error_message, started_at, finished_at, container_id FROM operation_log;
DELETE FROM sqlite_sequence WHERE name = 'operation_log_v4';
INSERT INTO sqlite_sequence (name, seq) SELECT 'operation_log_v4', seq FROM sqlite_sequence WHERE name = 'operation_log';
DROP TABLE operation_log;
ALTER TABLE operation_log_v4 RENAME TO operation_log;
CREATE INDEX operation_log_by_runtime ON operation_log (runtime_id, id);
CREATE INDEX operation_log_by_time ON operation_log (started_at);
CREATE INDEX operation_log_pending ON operation_log (id) WHERE outcome = 'pending';

ALTER TABLE runtime_records ADD COLUMN replicas INTEGER NOT NULL DEFAULT 0 CHECK (replicas >= 0);
