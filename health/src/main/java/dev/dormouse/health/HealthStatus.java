package dev.dormouse.health;

import java.util.Locale;

/** Where a monitor stands. */
public enum HealthStatus {
    /** Not checked yet. */
    UNKNOWN,
    /** Failing, but fewer than {@code retries} times in a row since the monitor began. */
    STARTING,
    HEALTHY,
    /** {@code retries} failed checks in a row, the last with an answer (e.g. HTTP 503). */
    UNHEALTHY,
    /** {@code retries} failed checks in a row, the last without an answer (refused, timeout, TLS). */
    ERROR,
    /** The route sleeps: nothing is checked and nothing is woken. */
    NAPPING;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isDown() {
        return this == UNHEALTHY || this == ERROR;
    }
}
