package dev.dormouse.cli;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

/** Canned admin API documents shaped as docs/admin-api.md shows them, and a fixed clock to read them at. */
final class Fixtures {
    private Fixtures() {}

    static final Instant NOW = Instant.parse("2026-12-02T04:10:00Z");

    static CliEnv env(Map<String, String> vars) {
        return new CliEnv(vars, Clock.fixed(NOW, ZoneOffset.UTC), ZoneOffset.UTC);
    }

    static final String ROUTES = """
            {"routes":[
             {"name":"whoami","kind":"http","hosts":["whoami.example.com","*.whoami.example.com"],"listen":null,
              "target":"http://127.0.0.1:8081","container":"docker:local/whoami","state":"napping","last_error":null,
              "idle_timeout":"15m","stop_method":"stop","depends_on":["db"],
              "health":{"status":"napping","detail":null,"latency_ms":null}},
             {"name":"db","kind":"http","hosts":["db.internal"],"listen":null,"target":"http://127.0.0.1:5433",
              "container":"docker:local/postgres","state":"ready","last_error":null,"idle_timeout":"30m",
              "stop_method":"pause","depends_on":[],"health":{"status":"healthy","detail":"HTTP 200","latency_ms":3}},
             {"name":"minecraft","kind":"tcp","hosts":[],"listen":"tcp://:25565","target":"tcp://127.0.0.1:25566",
              "container":"docker:local/minecraft","state":"error","last_error":"container exited with code 1",
              "idle_timeout":"1h","stop_method":"stop","depends_on":[],"health":null},
             {"name":"static","kind":"http","hosts":["static.example.com"],"listen":null,"target":"http://127.0.0.1:9000",
              "container":null,"state":null,"last_error":null,"idle_timeout":"0s","stop_method":"stop","depends_on":[],
              "health":{"status":"healthy","detail":"HTTP 200","latency_ms":1}},
             {"name":"grab","kind":"http","hosts":["grab.whoami.example.com"],"listen":null,"target":"http://:8080",
              "container":"docker:local/grab","provider":"docker:local","state":"error",
              "last_error":"host 'grab.whoami.example.com' is covered by route 'whoami' (*.whoami.example.com)","rejected":true,
              "idle_timeout":"0s","stop_method":"stop","depends_on":[],"health":null}
            ]}""";

    static String route(String name, String state) {
        return """
                {"name":"%s","kind":"http","hosts":["%s.example.com"],"listen":null,"target":"http://127.0.0.1:8081",
                 "container":"docker:local/%s","state":"%s","last_error":null,"idle_timeout":"15m","stop_method":"stop",
                 "depends_on":[],"health":{"status":"starting","detail":null,"latency_ms":null}}""".formatted(name, name, name, state);
    }

    static final String RUNTIMES = """
            {"runtimes":[
             {"runtime_id":"db","provider":"docker:local","container_ref":"postgres",
              "container_id":"9a8b7c6d5e4f3a2b1c0d","image":"postgres:16","status":"running",
              "started_at":"2026-12-02T04:07:00Z","stopped_at":null,"removed_at":null,
              "last_op_at":"2026-12-02T04:07:00Z","created_at":"2026-11-20T10:00:00Z","retention":null},
             {"runtime_id":"whoami","provider":"docker:local","container_ref":"whoami",
              "container_id":"4f1c2d3e4f5a6b7c8d9e","image":"busybox:test","status":"stopped",
              "started_at":"2026-12-01T22:00:00Z","stopped_at":"2026-12-02T01:10:00Z","removed_at":null,
              "last_op_at":"2026-12-02T01:10:00Z","created_at":"2026-11-30T10:00:00Z","retention":"7d"}
            ]}""";

    static final String OPERATIONS = """
            {"operations":[
             {"id":12,"runtime_id":"whoami","op_kind":"stop","op_source":"idle_timeout","outcome":"success",
              "error_code":null,"error_message":null,"started_at":"2026-12-02T04:05:06.123Z",
              "finished_at":"2026-12-02T04:05:07.523Z","duration_ms":1400,"container_id":"4f1c2d3e4f5a6b7c8d9e"},
             {"id":11,"runtime_id":"db","op_kind":"start","op_source":"dependency","outcome":"failure",
              "error_code":"provider_error","error_message":"409 conflict: container is paused",
              "started_at":"2026-12-01T23:59:58Z","finished_at":"2026-12-01T23:59:58.040Z","duration_ms":40,
              "container_id":"9a8b7c6d5e4f3a2b1c0d"},
             {"id":10,"runtime_id":"whoami","op_kind":"start","op_source":"wake_request","outcome":"success",
              "error_code":null,"error_message":null,"started_at":"2026-11-28T09:00:00Z",
              "finished_at":"2026-11-28T09:00:00.112Z","duration_ms":112,"container_id":"4f1c2d3e4f5a6b7c8d9e"}
            ]}""";

    static final String HEALTH_EVENTS = """
            {"health_events":[
             {"id":3,"runtime_id":"whoami","container_id":"4f1c2d3e4f5a6b7c8d9e","event_type":"container_exited",
              "occurred_at":"2026-12-02T04:05:07.600Z","details":{"exit_code":0}},
             {"id":2,"runtime_id":"db","container_id":"9a8b7c6d5e4f3a2b1c0d","event_type":"inspect_unhealthy",
              "occurred_at":"2026-12-02T00:00:01Z","details":{"restart_count":2,"state":"restarting","health":"none"}}
            ]}""";

    static final String CANDIDATES = """
            {"candidates":[
             {"runtime_id":"whoami","provider":"docker:local","container_ref":"whoami",
              "container_id":"4f1c2d3e4f5a6b7c8d9e","image":"busybox:test","status":"stopped",
              "started_at":"2026-11-20T22:00:00Z","stopped_at":"2026-11-21T04:10:00Z","removed_at":null,
              "last_op_at":"2026-11-21T04:10:00Z","created_at":"2026-11-20T10:00:00Z","retention":"7d"}
            ]}""";

    static final String CLEANUP_OPS = """
            {"operations":[
             {"id":13,"runtime_id":"whoami","op_kind":"remove","op_source":"auto_ttl","outcome":"success",
              "error_code":null,"error_message":null,"started_at":"2026-12-02T04:09:59Z",
              "finished_at":"2026-12-02T04:09:59.250Z","duration_ms":250,"container_id":"4f1c2d3e4f5a6b7c8d9e"}
            ]}""";

    static String wake(String route, String type, String message, String error, String timestamp) {
        return "{\"route\":\"" + route + "\",\"type\":\"" + type + "\",\"message\":\"" + message + "\",\"error\":"
                + (error == null ? "null" : "\"" + error + "\"") + ",\"timestamp\":\"" + timestamp + "\"}";
    }
}
