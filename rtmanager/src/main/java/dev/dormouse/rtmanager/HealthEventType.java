package dev.dormouse.rtmanager;

import java.util.Locale;

/** Kinds of health events; stored lower-case as {@code health_events.event_type}. */
public enum HealthEventType {
    CONTAINER_STARTED, CONTAINER_EXITED, CONTAINER_OOM, CONTAINER_DISAPPEARED, INSPECT_UNHEALTHY, PROBE_FAILED, PROBE_RECOVERED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    static HealthEventType parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
