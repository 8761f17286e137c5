package dev.dormouse.rtmanager;

import dev.dormouse.core.spi.OpSource;
import java.time.Instant;

/**
 * One row of the append-only {@code operation_log}: one lifecycle action or reconciler correction.
 *
 * @param errorCode empty unless {@code outcome} is {@code failure}, {@code conflict} or {@code interrupted}:
 *     the provider's failure reason lower-case ({@code not_found}, {@code conflict}, {@code unavailable},
 *     ...), {@code not_stopped} for a refused removal, {@code lease_held} for a conflict,
 *     {@code holder_died}, {@code lease_expired} or {@code lease_lost} for an interrupted action
 * @param errorMessage empty, or the failure's message; for an interrupted action what was found
 * @param finishedAt when the action ended; for a {@code pending} row, which has not, its {@code startedAt}
 * @param containerId the container acted on, empty when not known yet
 */
public record Operation(long id, String runtimeId, OpKind kind, OpSource source, Outcome outcome, String errorCode, String errorMessage,
        Instant startedAt, Instant finishedAt, String containerId) implements RuntimeEvent {
    @Override
    public Instant at() {
        return finishedAt;
    }
}
