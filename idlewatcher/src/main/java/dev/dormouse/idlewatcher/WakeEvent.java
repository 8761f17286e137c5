package dev.dormouse.idlewatcher;

import dev.dormouse.core.Json;
import java.time.Instant;
import java.util.Locale;

/**
 * One step of a wake, as sent to loading pages over SSE.
 *
 * @param id increasing per route
 * @param route the route's name
 * @param type the step
 * @param message human-readable progress text
 * @param error error text, empty unless {@code type} is {@link Type#ERROR}
 * @param timestamp when it happened
 */
public record WakeEvent(long id, String route, Type type, String message, String error, Instant timestamp) {
    /** Step kinds, written in SSE as their {@link #label()}. */
    public enum Type {
        STARTING, WAKING_DEPENDENCY, DEPENDENCY_READY, CONTAINER_STARTED, WAITING_READY, READY, ERROR;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** {@code {"route","type","message","error","timestamp"}}. */
    public String toJson() {
        StringBuilder b = new StringBuilder(128);
        b.append("{\"route\":");
        Json.quote(b, route);
        b.append(",\"type\":\"").append(type.label()).append("\",\"message\":");
        Json.quote(b, message);
        b.append(",\"error\":");
        Json.quote(b, error);
        b.append(",\"timestamp\":\"").append(timestamp).append("\"}");
        return b.toString();
    }

    /** The event as one SSE message: {@code id:}, {@code event:}, {@code data:} and a blank line. */
    public String toSse() {
        return "id: " + id + "\nevent: " + type.label() + "\ndata: " + toJson() + "\n\n";
    }
}
