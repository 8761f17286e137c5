package dev.dormouse.rtmanager;

import dev.dormouse.core.Json;

/** The closed JSON {@code details} of each health event type. */
public sealed interface Details {
    HealthEventType type();

    String json();

    /** {@code container_started}: {@code {}}. */
    record Started() implements Details {
        public HealthEventType type() {
            return HealthEventType.CONTAINER_STARTED;
        }

        public String json() {
            return "{}";
        }
    }

    /** {@code container_exited}: {@code {"exit_code":N,"oom":bool}}. */
    record Exited(int exitCode, boolean oom) implements Details {
        public HealthEventType type() {
            return HealthEventType.CONTAINER_EXITED;
        }

        public String json() {
            return "{\"exit_code\":" + exitCode + ",\"oom\":" + oom + "}";
        }
    }

    /** {@code container_oom}: {@code {}}. */
    record Oom() implements Details {
        public HealthEventType type() {
            return HealthEventType.CONTAINER_OOM;
        }

        public String json() {
            return "{}";
        }
    }

    /** {@code container_disappeared}: {@code {}}. */
    record Disappeared() implements Details {
        public HealthEventType type() {
            return HealthEventType.CONTAINER_DISAPPEARED;
        }

        public String json() {
            return "{}";
        }
    }

    /** {@code inspect_unhealthy}: {@code {"restart_count":N,"state":"...","health":"..."}}. */
    record InspectUnhealthy(int restartCount, String state, String health) implements Details {
        public HealthEventType type() {
            return HealthEventType.INSPECT_UNHEALTHY;
        }

        public String json() {
            return "{\"restart_count\":" + restartCount + ",\"state\":" + Json.quote(state) + ",\"health\":" + Json.quote(health) + "}";
        }
    }

    /** {@code probe_failed}: {@code {"message":"..."}}. */
    record ProbeFailed(String message) implements Details {
        public HealthEventType type() {
            return HealthEventType.PROBE_FAILED;
        }

        public String json() {
            return "{\"message\":" + Json.quote(message) + "}";
        }
    }

    /** {@code probe_recovered}: {@code {}}. */
    record ProbeRecovered() implements Details {
        public HealthEventType type() {
            return HealthEventType.PROBE_RECOVERED;
        }

        public String json() {
            return "{}";
        }
    }
}
