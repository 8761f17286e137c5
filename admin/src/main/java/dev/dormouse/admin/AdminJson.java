package dev.dormouse.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dormouse.core.Durations;
import dev.dormouse.core.Json;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.RouteSet;
import dev.dormouse.health.HealthMonitor;
import dev.dormouse.health.StatusChange;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.rtmanager.HealthEvent;
import dev.dormouse.rtmanager.Operation;
import dev.dormouse.rtmanager.RuntimeRecord;
import dev.dormouse.tls.HostCertificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The admin API's JSON shapes (docs/admin-api.md): snake_case keys, ISO-8601 UTC timestamps, absent values as null.
 * Wake events are the one exception to being written here: {@link dev.dormouse.idlewatcher.WakeEvent#toJson()} writes
 * them for the loading page and this API alike.
 */
final class AdminJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private AdminJson() {}

    /** The project's one timestamp format, which wake events use too. */
    static String time(Instant t) {
        return Json.timestamp(t);
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static byte[] bytes(JsonNode n) {
        try {
            return MAPPER.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new AdminException("admin api: write JSON: " + e.getMessage(), e);
        }
    }

    static String string(JsonNode n) {
        try {
            return MAPPER.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new AdminException("admin api: write JSON: " + e.getMessage(), e);
        }
    }

    static ObjectNode error(String code, String message) {
        ObjectNode root = object();
        root.putObject("error").put("code", code).put("message", message);
        return root;
    }

    private static void putText(ObjectNode o, String key, String s) {
        if (s == null || s.isEmpty()) o.putNull(key);
        else o.put(key, s);
    }

    private static void putTime(ObjectNode o, String key, Optional<Instant> t) {
        if (t.isPresent()) o.put(key, time(t.get()));
        else o.putNull(key);
    }

    static String kind(RouteConfig r) {
        String s = r.target().getScheme();
        return "tcp".equals(s) || "udp".equals(s) ? s : "http";
    }

    static ObjectNode route(RouteConfig r, Optional<IdleWatcher> w, Optional<HealthMonitor.Snapshot> health, List<HostCertificate> certificates) {
        ObjectNode o = routeConfig(r, (w.isPresent() ? w.get().target() : r.target()).toString(), w.map(x -> x.state().label()).orElse(""),
                w.flatMap(IdleWatcher::lastError).orElse(""), false);
        if (health.isEmpty()) {
            o.putNull("health");
        } else {
            HealthMonitor.Snapshot s = health.get();
            ObjectNode h = o.putObject("health");
            h.put("status", s.status().label());
            putText(h, "detail", s.detail());
            h.put("latency_ms", s.latency() == null ? 0 : s.latency().toMillis());
        }
        ArrayNode certs = o.putArray("certificates");
        for (HostCertificate c : certificates) certs.add(certificate(c));
        return o;
    }

    /** A route host's certificate: where it comes from, when it expires, what went wrong last. */
    static ObjectNode certificate(HostCertificate c) {
        ObjectNode o = object();
        o.put("host", c.host());
        o.put("source", c.source().label());
        putText(o, "file", c.file().map(Object::toString).orElse(""));
        putTime(o, "not_after", c.notAfter());
        putText(o, "last_error", c.lastError().orElse(""));
        putTime(o, "next_attempt", c.nextAttempt());
        return o;
    }

    /** A rejected label route: state {@code error}, the reason as {@code last_error}, no health (it serves nothing). */
    static ObjectNode rejected(RouteSet.Rejected x) {
        ObjectNode o = routeConfig(x.route(), x.route().target().toString(), "error", x.reason(), true);
        o.putNull("health");
        o.putArray("certificates");
        return o;
    }

    private static ObjectNode routeConfig(RouteConfig r, String target, String state, String lastError, boolean rejected) {
        ObjectNode o = object();
        o.put("name", r.name());
        o.put("kind", kind(r));
        ArrayNode hosts = o.putArray("hosts");
        r.hosts().forEach(hosts::add);
        putText(o, "listen", r.listen().map(Object::toString).orElse(""));
        o.put("target", target);
        putText(o, "container", r.container().map(Object::toString).orElse(""));
        putText(o, "provider", r.container().map(c -> c.providerKey()).orElse(""));
        putText(o, "state", state);
        putText(o, "last_error", lastError);
        o.put("rejected", rejected);
        o.put("idle_timeout", Durations.format(r.idle().idleTimeout()));
        o.put("stop_method", r.idle().stopMethod().label());
        ArrayNode deps = o.putArray("depends_on");
        r.idle().dependsOn().forEach(deps::add);
        return o;
    }

    static ObjectNode provider(AdminBackend.Provider p) {
        ObjectNode o = object();
        o.put("provider", p.key());
        o.put("kind", p.kind());
        o.put("name", p.name());
        o.put("endpoint", p.endpoint());
        o.put("routes", p.routes());
        o.put("connected", p.status().connected());
        putText(o, "last_error", p.status().lastError().orElse(""));
        putTime(o, "last_event_at", p.status().lastEventAt());
        return o;
    }

    static ObjectNode runtime(RuntimeRecord r) {
        ObjectNode o = object();
        o.put("runtime_id", r.runtimeId());
        o.put("provider", r.provider());
        o.put("container_ref", r.containerRef());
        putText(o, "container_id", r.containerId());
        putText(o, "image", r.image());
        o.put("status", r.status().label());
        putTime(o, "started_at", r.startedAt());
        putTime(o, "stopped_at", r.stoppedAt());
        putTime(o, "removed_at", r.removedAt());
        putTime(o, "last_op_at", r.lastOpAt());
        o.put("created_at", time(r.createdAt()));
        putText(o, "retention", r.retention().map(Durations::format).orElse(""));
        return o;
    }

    static ObjectNode operation(Operation op) {
        ObjectNode o = object();
        o.put("id", op.id());
        o.put("runtime_id", op.runtimeId());
        o.put("op_kind", op.kind().label());
        o.put("op_source", op.source().label());
        o.put("outcome", op.outcome().label());
        putText(o, "error_code", op.errorCode());
        putText(o, "error_message", op.errorMessage());
        o.put("started_at", time(op.startedAt()));
        o.put("finished_at", time(op.finishedAt()));
        o.put("duration_ms", Math.max(0, Duration.between(op.startedAt(), op.finishedAt()).toMillis()));
        putText(o, "container_id", op.containerId());
        return o;
    }

    static ObjectNode healthEvent(HealthEvent e) {
        ObjectNode o = object();
        o.put("id", e.id());
        o.put("runtime_id", e.runtimeId());
        putText(o, "container_id", e.containerId());
        o.put("event_type", e.type().label());
        o.put("occurred_at", time(e.occurredAt()));
        JsonNode details;
        try {
            details = e.details() == null || e.details().isBlank() ? object() : MAPPER.readTree(e.details());
        } catch (JsonProcessingException ex) {
            // Stored by rtmanager from closed shapes, so this means a damaged row: show it rather than fail the list.
            details = MAPPER.getNodeFactory().textNode(e.details());
        }
        o.set("details", details);
        return o;
    }

    static ObjectNode health(StatusChange c) {
        ObjectNode o = object();
        o.put("route", c.route());
        o.put("from", c.from().label());
        o.put("to", c.to().label());
        putText(o, "detail", c.detail());
        o.put("latency_ms", c.latencyMillis());
        o.put("timestamp", time(c.at()));
        return o;
    }

    static ObjectNode list(String key, List<ObjectNode> items) {
        ObjectNode o = object();
        o.putArray(key).addAll(items);
        return o;
    }
}
