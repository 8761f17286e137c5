package dev.dormouse.rtmanager;

import dev.dormouse.core.Json;

/**
 * The closed JSON {@code details} of each health event type: one record per type, so a type's shape is
 * fixed by the compiler. {@link #json()} is the text stored in {@code health_events.details}.
 */
public sealed interface HealthDetails {
    HealthEventType type();

    /** The JSON object stored and published, e.g. {@code {"exit_code":137,"oom":true}}. */
    String json();

    /** {@code container_started}: {@code {}}. */
    record Started() implements HealthDetails {
        public HealthEventType type() {
            return HealthEventType.CONTAINER_STARTED;
        }

        public String json() {
            return "{}";
        }
    }

    /** {@code container_exited}: {@code {"exit_code":N,"oom":bool}}. */
    record Exited(int exitCode, boolean oom) implements HealthDetails {
        public HealthEventType type() {
            return HealthEventType.CONTAINER_EXITED;
        }

        public String json() {
            return "{\"exit_code\":" + exitCode + ",\"oom\":" + oom + "}";
        }
    }

    /** {@code container_oom}: {@code {}}. */
    record Oom() implements HealthDetails {
        public HealthEventType type() {
            return HealthEventType.CONTAINER_OOM;
        }

        public String json() {
            return "{}";
        }
    }

    /** {@code container_disappeared}: {@code {}}. */
    record Disappeared() implements HealthDetails {
        public HealthEventType type() {
            return HealthEventType.CONTAINER_DISAPPEARED;
        }

        public String json() {
            return "{}";
        }
    }

    /**
     * {@code inspect_unhealthy}: {@code {"restart_count":N,"state":"...","health":"..."}}; all three are
     * always present. {@code state} is {@code running|paused|stopped}, {@code health} is
     * {@code none|starting|healthy|unhealthy}.
     */
    record InspectUnhealthy(int restartCount, String state, String health) implements HealthDetails {
        public InspectUnhealthy {
            java.util.Objects.requireNonNull(state, "state");
            java.util.Objects.requireNonNull(health, "health");
        }

        public HealthEventType type() {
            return HealthEventType.INSPECT_UNHEALTHY;
        }

        public String json() {
            return "{\"restart_count\":" + restartCount + ",\"state\":" + Json.quote(state) + ",\"health\":" + Json.quote(health) + "}";
        }
    }

    /** {@code probe_failed}: {@code {"message":"..."}}. */
    record ProbeFailed(String message) implements HealthDetails {
        public ProbeFailed {
            java.util.Objects.requireNonNull(message, "message");
        }

        public HealthEventType type() {
            return HealthEventType.PROBE_FAILED;
        }

        public String json() {
            return "{\"message\":" + Json.quote(message) + "}";
        }
    }

    /** {@code probe_recovered}: {@code {}}. */
    record ProbeRecovered() implements HealthDetails {
        public HealthEventType type() {
            return HealthEventType.PROBE_RECOVERED;
        }

        public String json() {
            return "{}";
        }
    }
}
