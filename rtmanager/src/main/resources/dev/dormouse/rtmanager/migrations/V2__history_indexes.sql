-- dormouse runtime manager, schema version 2: the history pruner deletes operation_log and health_events
-- rows older than runtime.history_retention in small batches; these indexes let each batch find its rows
-- without scanning the table.
CREATE INDEX operation_log_by_time ON operation_log (started_at);
CREATE INDEX health_events_by_time ON health_events (occurred_at);
