package dev.dormouse.rtmanager;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** One row of {@code runtime_records}. */
public record RuntimeRecord(String runtimeId, String provider, String containerRef, String containerId, String image,
        RuntimeStatus status, Optional<Instant> startedAt, Optional<Instant> stoppedAt, Optional<Instant> removedAt,
        Optional<Instant> lastOpAt, Instant createdAt, Optional<Duration> retention) {}
