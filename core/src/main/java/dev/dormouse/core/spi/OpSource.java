package dev.dormouse.core.spi;

import java.util.Locale;

/** Why a lifecycle action was taken; stored as {@code op_source}. */
public enum OpSource {
    WAKE_REQUEST, IDLE_TIMEOUT, DEPENDENCY, ADMIN, AUTO_TTL, RECONCILE, STARTUP;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
