package dev.dormouse.rtmanager;

import java.util.Objects;

/**
 * A change to a runtime record: its new status, and the container id and image when known ({@code ""}
 * keeps the stored value). The status's own timestamp ({@code started_at}, {@code stopped_at},
 * {@code removed_at}) moves unless the record was already in that state with the same (or a not yet known) container (an
 * unpause keeps {@code started_at}). {@code op} also sets {@code last_op_at}.
 */
record RecordUpdate(RuntimeStatus status, String containerId, String image, boolean op) {
    RecordUpdate {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(image, "image");
    }

    static RecordUpdate observed(RuntimeStatus status, String containerId) {
        return new RecordUpdate(status, containerId, "", false);
    }
}
