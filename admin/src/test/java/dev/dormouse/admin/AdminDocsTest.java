package dev.dormouse.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dormouse.admin.testkit.FakeBackend;
import dev.dormouse.admin.testkit.FakeWatcher;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.RouteSet;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.health.HealthMonitor;
import dev.dormouse.health.HealthStatus;
import dev.dormouse.health.StatusChange;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.idlewatcher.WakeEvent;
import dev.dormouse.rtmanager.HealthDetails;
import dev.dormouse.rtmanager.HealthEvent;
import dev.dormouse.rtmanager.OpKind;
import dev.dormouse.rtmanager.Operation;
import dev.dormouse.rtmanager.Outcome;
import dev.dormouse.rtmanager.RuntimeRecord;
import dev.dormouse.tls.HostCertificate;
import dev.dormouse.tls.Source;
import dev.dormouse.rtmanager.RuntimeStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/admin-api.md's JSON examples are what the server writes: each {@code <!-- example: NAME -->} block is
 * parsed and compared, as a tree (so layout is free), with the document the real server (or, for event
 * data, the real writer) produces from a fake daemon holding the documented values.
 */
class AdminDocsTest {
    static final Path DOC = Path.of("../docs/admin-api.md");
    private static final Pattern EXAMPLE = Pattern.compile("<!-- example: ([a-z_]+) -->\\n```json\\n(.*?)```", Pattern.DOTALL);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String TOKEN = "docs-token";

    @Test
    void everyJsonExampleIsWhatTheServerWrites() throws Exception {
        String doc = Files.readString(DOC);
        Map<String, JsonNode> documented = new LinkedHashMap<>();
        Matcher m = EXAMPLE.matcher(doc);
        while (m.find()) {
            if (documented.put(m.group(1), AdminJson.MAPPER.readTree(m.group(2))) != null) fail(DOC + ": example '" + m.group(1) + "' twice");
        }
        assertEquals(doc.split("```json", -1).length - 1, documented.size(),
                DOC + ": every ```json block is an example, right after its <!-- example: NAME --> line");

        Map<String, JsonNode> written = written();
        assertEquals(new TreeSet<>(written.keySet()), new TreeSet<>(documented.keySet()), "the examples documented and those checked");
        List<String> differences = new ArrayList<>();
        for (var e : written.entrySet()) diff(e.getKey(), "", documented.get(e.getKey()), e.getValue(), differences);
        if (!differences.isEmpty()) fail(DOC + " differs from what the server writes:\n" + String.join("\n", differences));
    }

    /** Each example as the server writes it, from the values the document shows. */
    private static Map<String, JsonNode> written() throws Exception {
        FakeBackend b = new FakeBackend();
        List<RouteConfig> routes = FakeBackend.parseRoutes("""
                  - name: whoami
                    hosts: [whoami.example.com]
                    target: http://127.0.0.1:8081
                    container: whoami
                    idlewatcher: {idle_timeout: 15m, depends_on: [db]}
                  - name: db
                    hosts: [db.internal]
                    target: http://127.0.0.1:5433
                    container: postgres
                  - name: ssh
                    listen: "tcp://:2222"
                    target: tcp://127.0.0.1:22
                    container: sshd
                    idlewatcher: {idle_timeout: 1h}
                """);
        FakeWatcher whoami = b.watch(routes.get(0));
        whoami.state = RouteState.READY;
        b.watch(routes.get(1));
        b.watch(routes.get(2));
        b.certificates.put("whoami.example.com", new HostCertificate("whoami.example.com", Source.ACME,
                Optional.of(Path.of("/var/lib/dormouse/acme/acme-v02.api.letsencrypt.org-directory/certs/whoami.example.com.pem")),
                Optional.of(at("2027-03-01T04:05:06Z")), Optional.of("tls acme: order for 'whoami.example.com': connection refused"),
                Optional.of(at("2027-01-30T04:10:06Z"))));
        b.certificates.put("db.internal", new HostCertificate("db.internal", Source.FILE, Optional.of(Path.of("/etc/dormouse/certs/internal.pem")),
                Optional.of(at("2027-06-30T00:00:00Z")), Optional.empty(), Optional.empty()));
        b.health.put("whoami", new HealthMonitor.Snapshot("whoami", HealthStatus.HEALTHY, Duration.ofMillis(3), Duration.ofMinutes(5),
                Optional.empty(), 0, "HTTP 200", 12));
        RouteConfig grab = FakeBackend.parseRoutes("""
                  - name: grab
                    hosts: [whoami.example.com]
                    target: "http://:8080"
                    container: grab
                """).get(0);
        b.rejected.add(new RouteSet.Rejected(new RouteSet.Label(grab, "docker:local", "grab", Optional.of(at("2026-12-01T20:00:00Z"))),
                "host 'whoami.example.com' is used by route 'whoami'"));
        String cid = "4f1c2d3e4f5a6b7c8d9e";
        b.runtimes = List.of(new RuntimeRecord("whoami", "docker:local", "whoami", cid, "busybox:test", RuntimeStatus.STOPPED,
                Optional.of(at("2026-12-01T22:00:00Z")), Optional.of(at("2026-12-02T01:10:00Z")), Optional.empty(),
                Optional.of(at("2026-12-02T01:10:00Z")), at("2026-11-30T10:00:00Z"), Optional.of(Duration.ofDays(7))));
        b.operations = List.of(
                new Operation(12, "whoami", OpKind.START, OpSource.WAKE_REQUEST, Outcome.SUCCESS, "", "", at("2026-12-02T04:05:06.123Z"),
                        at("2026-12-02T04:05:06.235Z"), cid),
                new Operation(11, "db", OpKind.START, OpSource.DEPENDENCY, Outcome.FAILURE, "conflict", "409 conflict: container is paused",
                        at("2026-12-01T23:59:58Z"), at("2026-12-01T23:59:58.040Z"), "9a8b7c6d5e4f3a2b1c0d"));
        HealthDetails unhealthy = new HealthDetails.InspectUnhealthy(2, "running", "unhealthy");
        b.healthEvents = List.of(new HealthEvent(3, "whoami", cid, unhealthy.type(), at("2026-12-02T04:05:06.123Z"), unhealthy.json()));
        b.reload = new AdminBackend.Reload.Done(4);
        b.providers = List.of(
                new AdminBackend.Provider("docker:local", "docker", "local", "unix:///var/run/docker.sock", 3,
                        new dev.dormouse.core.spi.ProviderStatus(true, Optional.empty(), Optional.of(at("2026-12-02T04:05:06.123Z")))),
                new AdminBackend.Provider("docker:far", "docker", "far", "tcp://10.0.0.2:2376", 1,
                        new dev.dormouse.core.spi.ProviderStatus(false, Optional.of("docker far: events: TLS handshake with tcp://10.0.0.2:2376 failed: "
                                + "Received fatal alert: bad_certificate (check tls.ca_file, cert_file and key_file against the engine's --tlscacert)"),
                                Optional.empty())));

        Map<String, JsonNode> out = new LinkedHashMap<>();
        try (AdminEvents events = new AdminEvents();
                AdminServer server = new AdminServer(new AdminServer.Deps("127.0.0.1:0", "0.1.0", AdminToken.of(TOKEN), b, events))) {
            server.start();
            out.put("healthz", call(server, "GET", "/healthz", 200));
            out.put("error", call(server, "GET", "/api/v1/routes/nope", 404));
            out.put("route", call(server, "GET", "/api/v1/routes/whoami", 200));
            out.put("stream_route", call(server, "GET", "/api/v1/routes/ssh", 200));
            out.put("file_certificate", call(server, "GET", "/api/v1/routes/db", 200).at("/certificates/0"));
            out.put("rejected_route", call(server, "GET", "/api/v1/routes/grab", 200));
            out.put("runtime", call(server, "GET", "/api/v1/runtimes", 200).at("/runtimes/0"));
            out.put("providers", call(server, "GET", "/api/v1/providers", 200));
            out.put("operation", call(server, "GET", "/api/v1/operations?runtime=whoami", 200).at("/operations/0"));
            out.put("failed_operation", call(server, "GET", "/api/v1/operations?runtime=db", 200).at("/operations/0"));
            out.put("health_event", call(server, "GET", "/api/v1/health-events", 200).at("/health_events/0"));
            out.put("reload", call(server, "POST", "/api/v1/reload", 200));
        }
        out.put("wake_event", AdminJson.MAPPER.readTree(
                new WakeEvent(1, "whoami", WakeEvent.Type.STARTING, "Waking whoami", "", at("2026-12-02T04:05:06.123Z")).toJson()));
        out.put("health_change", AdminJson.MAPPER.readTree(AdminJson.string(AdminJson.health(
                new StatusChange("whoami", HealthStatus.HEALTHY, HealthStatus.UNHEALTHY, "HTTP 503", 4, at("2026-12-02T04:05:07Z"))))));
        return out;
    }

    private static JsonNode call(AdminServer server, String method, String path, int status) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + TOKEN).method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(20))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, r.statusCode(), method + " " + path + ": " + r.body());
        return AdminJson.MAPPER.readTree(r.body());
    }

    private static Instant at(String iso) {
        return Instant.parse(iso);
    }

    /** Adds a line per place where {@code documented} and {@code written} differ, named by example and JSON pointer. */
    static void diff(String example, String at, JsonNode documented, JsonNode written, List<String> out) {
        if (documented.isObject() && written.isObject()) {
            for (Iterator<String> it = written.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!documented.has(k)) out.add(example + ": " + at + "/" + k + " is written (" + written.get(k) + ") but not documented");
                else diff(example, at + "/" + k, documented.get(k), written.get(k), out);
            }
            for (Iterator<String> it = documented.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!written.has(k)) out.add(example + ": " + at + "/" + k + " is documented (" + documented.get(k) + ") but not written");
            }
        } else if (documented.isArray() && written.isArray() && documented.size() == written.size()) {
            for (int i = 0; i < written.size(); i++) diff(example, at + "/" + i, documented.get(i), written.get(i), out);
        } else if (!documented.equals(written)) {
            out.add(example + ": " + (at.isEmpty() ? "/" : at) + " is documented as " + documented + " but written as " + written);
        }
    }
}
