package dev.dormouse.rtmanager;

import java.time.Instant;

/** One row of the append-only {@code operation_log}. */
public record Operation(long id, String runtimeId, OpKind kind, dev.dormouse.core.spi.OpSource source, Outcome outcome,
        String errorCode, String errorMessage, Instant startedAt, Instant finishedAt, String containerId) {}
