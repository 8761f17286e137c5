package dev.dormouse.idlewatcher;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.dormouse.core.Json;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Locale;

/**
 * One step of a wake, as sent to loading pages and to the admin API's event stream. Its JSON has one
 * writer, {@link #toJson()}, which both use.
 *
 * @param id increasing per route
 * @param route the route's name
 * @param type the step
 * @param message human-readable progress text
 * @param error error text, empty unless {@code type} is {@link Type#ERROR}
 * @param timestamp when it happened
 */
public record WakeEvent(long id, String route, Type type, String message, String error, Instant timestamp) {
    /** Jackson's streaming writer: thread-safe, and a wake has only a handful of events, so one generator each is cheap. */
    private static final JsonFactory JSON = new JsonFactory();

    /** Step kinds, written in SSE as their {@link #label()}. */
    public enum Type {
        STARTING, WAKING_DEPENDENCY, DEPENDENCY_READY, CONTAINER_STARTED, WAITING_READY, READY, ERROR;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * {@code {"route","type","message","error","timestamp"}} on one line; {@code timestamp} is ISO-8601 UTC
     * with milliseconds ({@link Json#timestamp}).
     */
    public String toJson() {
        StringWriter out = new StringWriter(160);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("route", route);
            g.writeStringField("type", type.label());
            g.writeStringField("message", message);
            g.writeStringField("error", error);
            g.writeStringField("timestamp", Json.timestamp(timestamp));
            g.writeEndObject();
        } catch (IOException e) {
            // Never thrown by a StringWriter; only the signature asks for it.
            throw new UncheckedIOException("wake event of route " + route + ": write JSON: " + e.getMessage(), e);
        }
        return out.toString();
    }

    /** The event as one SSE message: {@code id:}, {@code event:} (the type), {@code data:} (the JSON) and a blank line. */
    public String toSse() {
        return "id: " + id + "\nevent: " + type.label() + "\ndata: " + toJson() + "\n\n";
    }
}
