-- dormouse runtime manager, schema version 1. Timestamps are UTC ISO-8601 with milliseconds
-- (2026-11-23T10:15:30.123Z), so they sort as text.
CREATE TABLE runtime_records (
    runtime_id    TEXT PRIMARY KEY,
    provider      TEXT NOT NULL,
    container_ref TEXT NOT NULL,
    container_id  TEXT NOT NULL DEFAULT '',
    image         TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL CHECK (status IN ('running', 'paused', 'stopped', 'removed')),
    started_at    TEXT,
    stopped_at    TEXT,
    removed_at    TEXT,
    last_op_at    TEXT,
    created_at    TEXT NOT NULL,
    retention     INTEGER CHECK (retention IS NULL OR retention > 0)
);

CREATE TABLE operation_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    runtime_id    TEXT NOT NULL REFERENCES runtime_records (runtime_id),
    op_kind       TEXT NOT NULL CHECK (op_kind IN ('start', 'stop', 'pause', 'unpause', 'kill', 'remove', 'reconcile_adopt', 'reconcile_dispose')),
    op_source     TEXT NOT NULL CHECK (op_source IN ('wake_request', 'idle_timeout', 'dependency', 'admin', 'auto_ttl', 'reconcile', 'startup')),
    outcome       TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'replay_no_op', 'conflict')),
    error_code    TEXT NOT NULL DEFAULT '',
    error_message TEXT NOT NULL DEFAULT '',
    started_at    TEXT NOT NULL,
    finished_at   TEXT NOT NULL CHECK (finished_at >= started_at),
    container_id  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX operation_log_by_runtime ON operation_log (runtime_id, id);

CREATE TABLE health_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    runtime_id   TEXT NOT NULL REFERENCES runtime_records (runtime_id),
    container_id TEXT NOT NULL DEFAULT '',
    event_type   TEXT NOT NULL CHECK (event_type IN ('container_started', 'container_exited', 'container_oom', 'container_disappeared',
                                                     'inspect_unhealthy', 'probe_failed', 'probe_recovered')),
    occurred_at  TEXT NOT NULL,
    details      TEXT NOT NULL CHECK (json_valid(details))
);
CREATE INDEX health_events_by_runtime ON health_events (runtime_id, id);

-- One action per runtime at a time, across processes; an expired lease may be taken over.
CREATE TABLE leases (
    runtime_id  TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
