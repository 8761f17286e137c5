package dev.dormouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Optional;

/**
 * One line per thing that happened to a route: an operation, a stored health event, a wake event or a
 * monitor's status change. Shared by {@code events} (history and {@code --follow}) and {@code wake}.
 *
 * @param time when it happened, empty when the daemon did not say
 * @param route the route (runtime) it happened to
 * @param what a short name: an op kind, a health event type, {@code wake <type>} or {@code health <status>}
 * @param detail the rest, one line
 */
record EventLines(Optional<Instant> time, String route, String what, String detail) {

    /** An Operation object of the API. */
    static EventLines operation(JsonNode op) {
        JsonNode when = op.path("finished_at").isNull() || op.path("finished_at").isMissingNode() ? op.path("started_at") : op.path("finished_at");
        StringBuilder d = new StringBuilder();
        d.append(Output.text(op, "op_source")).append(' ').append(Output.text(op, "outcome"));
        if (op.path("duration_ms").canConvertToLong()) d.append(" in ").append(Times.millis(op.path("duration_ms").asLong()));
        String error = error(op);
        if (!error.isEmpty()) d.append(": ").append(error);
        return new EventLines(Times.instant(when), Output.text(op, "runtime_id"), Output.text(op, "op_kind"), d.toString().strip());
    }

    /** {@code code: message} of an Operation's error, empty when it has none. */
    static String error(JsonNode op) {
        String code = Output.text(op, "error_code");
        String message = Output.text(op, "error_message");
        if (code.isEmpty()) return message;
        return message.isEmpty() ? code : code + ": " + message;
    }

    /** A HealthEvent object of the API. */
    static EventLines healthEvent(JsonNode ev) {
        String details = Output.pairs(ev.path("details"));
        String container = Output.text(ev, "container_id");
        if (!container.isEmpty()) details = (details + " container=" + shortId(container)).strip();
        return new EventLines(Times.instant(ev.path("occurred_at")), Output.text(ev, "runtime_id"), Output.text(ev, "event_type"), details);
    }

    /** A wake event ({@code event: wake}). */
    static EventLines wake(JsonNode ev) {
        String message = Output.text(ev, "message");
        String error = Output.text(ev, "error");
        String detail = error.isEmpty() ? message : message.isEmpty() ? error : message + ": " + error;
        return new EventLines(Times.instant(ev.path("timestamp")), Output.text(ev, "route"), "wake " + Output.text(ev, "type"), detail);
    }

    /** A monitor's status change ({@code event: health}). */
    static EventLines health(JsonNode ev) {
        StringBuilder d = new StringBuilder("was ").append(orDash(Output.text(ev, "from")));
        String detail = Output.text(ev, "detail");
        if (!detail.isEmpty()) d.append(": ").append(detail);
        if (ev.path("latency_ms").canConvertToLong()) d.append(" (").append(Times.millis(ev.path("latency_ms").asLong())).append(')');
        return new EventLines(Times.instant(ev.path("timestamp")), Output.text(ev, "route"), "health " + Output.text(ev, "to"), d.toString());
    }

    /** Any event of {@code /api/v1/events} by its SSE type; unknown types show their data as it is. */
    static EventLines of(String type, JsonNode data) {
        return switch (type) {
            case "wake" -> wake(data);
            case "health" -> health(data);
            case "operation" -> operation(data);
            case "health_event" -> healthEvent(data);
            default -> new EventLines(Optional.empty(), firstText(data, "route", "runtime_id"), type, data.toString());
        };
    }

    static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    private static String firstText(JsonNode data, String... fields) {
        for (String f : fields) {
            String t = Output.text(data, f);
            if (!t.isEmpty()) return t;
        }
        return "";
    }

    private static String orDash(String s) {
        return s.isEmpty() ? "-" : s;
    }
}
