package dev.dormouse.cli;

import dev.dormouse.admin.AdminBackend;
import dev.dormouse.admin.testkit.FakeBackend;
import dev.dormouse.tls.HostCertificate;
import dev.dormouse.tls.Source;
import dev.dormouse.admin.testkit.FakeWatcher;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.RouteSet;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.health.HealthMonitor;
import dev.dormouse.health.HealthStatus;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.rtmanager.HealthDetails;
import dev.dormouse.rtmanager.HealthEvent;
import dev.dormouse.rtmanager.OpKind;
import dev.dormouse.rtmanager.Operation;
import dev.dormouse.rtmanager.Outcome;
import dev.dormouse.rtmanager.RuntimeRecord;
import dev.dormouse.rtmanager.RuntimeStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The daemon the command tests talk to, in the daemon's own types (routes parsed from config YAML,
 * runtime records, operations, health events), so that every document the CLI reads is written by the
 * real admin server. And a fixed clock to read them at.
 */
final class Fixtures {
    private Fixtures() {}

    static final Instant NOW = Instant.parse("2026-12-02T04:10:00Z");
    static final String WHOAMI_ID = "4f1c2d3e4f5a6b7c8d9e";
    static final String DB_ID = "9a8b7c6d5e4f3a2b1c0d";

    static CliEnv env(Map<String, String> vars) {
        return new CliEnv(vars, Clock.fixed(NOW, ZoneOffset.UTC), ZoneOffset.UTC);
    }

    static Instant at(String iso) {
        return Instant.parse(iso);
    }

    /**
     * Routes: {@code whoami} (napping, depends on db), {@code db} (ready, paused when idle), {@code minecraft}
     * (a TCP route whose last wake failed), {@code static} (no container) and the rejected label route
     * {@code grab}; the runtime records of db and whoami, their operations and health events, one cleanup
     * candidate and its removal, and a reload that succeeds with 4 routes.
     */
    static void daemon(FakeBackend b) {
        List<RouteConfig> file = FakeBackend.parseRoutes("""
                  - name: whoami
                    hosts: [whoami.example.com, "*.whoami.example.com"]
                    target: http://127.0.0.1:8081
                    container: whoami
                    idlewatcher: {idle_timeout: 15m, depends_on: [db]}
                  - name: db
                    hosts: [db.internal]
                    target: http://127.0.0.1:5433
                    container: postgres
                    idlewatcher: {idle_timeout: 30m, stop_method: pause}
                  - name: minecraft
                    listen: "tcp://:25565"
                    target: tcp://127.0.0.1:25566
                    container: minecraft
                    idlewatcher: {idle_timeout: 1h}
                  - name: static
                    hosts: [static.example.com]
                    target: http://127.0.0.1:9000
                """);
        b.watch(file.get(0));
        FakeWatcher db = b.watch(file.get(1));
        db.state = RouteState.READY;
        FakeWatcher minecraft = b.watch(file.get(2));
        minecraft.state = RouteState.ERROR;
        minecraft.lastError = "container exited with code 1";
        b.plain(file.get(3));
        RouteConfig grab = FakeBackend.parseRoutes("""
                  - name: grab
                    hosts: [grab.whoami.example.com]
                    target: "http://:8080"
                    container: grab
                """).get(0);
        b.rejected.add(new RouteSet.Rejected(new RouteSet.Label(grab, "docker:local", "grab", Optional.of(at("2026-12-01T20:00:00Z"))),
                "host 'grab.whoami.example.com' is covered by route 'whoami' (*.whoami.example.com)"));

        b.certificates.put("whoami.example.com", new HostCertificate("whoami.example.com", Source.ACME,
                Optional.of(Path.of("/var/lib/dormouse/acme/ca/certs/whoami.example.com.pem")), Optional.of(NOW.plus(Duration.ofDays(89))),
                Optional.of("tls acme: order for 'whoami.example.com': connection refused"), Optional.of(NOW.plus(Duration.ofMinutes(2)))));
        b.certificates.put("*.whoami.example.com", new HostCertificate("*.whoami.example.com", Source.ACME, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of(NOW)));
        b.certificates.put("static.example.com", new HostCertificate("*.example.com", Source.FILE, Optional.of(Path.of("/etc/dormouse/example.pem")),
                Optional.of(NOW.minus(Duration.ofDays(2))), Optional.empty(), Optional.empty()));
        b.health.put("whoami", snapshot("whoami", HealthStatus.NAPPING, "", 0));
        b.health.put("db", snapshot("db", HealthStatus.HEALTHY, "HTTP 200", 3));
        b.health.put("static", snapshot("static", HealthStatus.HEALTHY, "HTTP 200", 1));

        b.runtimes = List.of(
                new RuntimeRecord("db", "docker:local", "postgres", DB_ID, "postgres:16", RuntimeStatus.RUNNING,
                        Optional.of(at("2026-12-02T04:07:00Z")), Optional.empty(), Optional.empty(), Optional.of(at("2026-12-02T04:07:00Z")),
                        at("2026-11-20T10:00:00Z"), Optional.empty()),
                new RuntimeRecord("whoami", "docker:local", "whoami", WHOAMI_ID, "busybox:test", RuntimeStatus.STOPPED,
                        Optional.of(at("2026-12-01T22:00:00Z")), Optional.of(at("2026-12-02T01:10:00Z")), Optional.empty(),
                        Optional.of(at("2026-12-02T01:10:00Z")), at("2026-11-30T10:00:00Z"), Optional.of(Duration.ofDays(7))));
        b.operations = List.of(
                new Operation(12, "whoami", OpKind.STOP, OpSource.IDLE_TIMEOUT, Outcome.SUCCESS, "", "",
                        at("2026-12-02T04:05:06.123Z"), at("2026-12-02T04:05:07.523Z"), WHOAMI_ID),
                // The error code is what the lifecycle service stores: the provider's failure reason, lower-case.
                new Operation(11, "db", OpKind.START, OpSource.DEPENDENCY, Outcome.FAILURE,
                        ProviderException.Reason.CONFLICT.name().toLowerCase(Locale.ROOT), "409 conflict: container is paused",
                        at("2026-12-01T23:59:58Z"), at("2026-12-01T23:59:58.040Z"), DB_ID),
                new Operation(10, "whoami", OpKind.START, OpSource.WAKE_REQUEST, Outcome.SUCCESS, "", "",
                        at("2026-11-28T09:00:00Z"), at("2026-11-28T09:00:00.112Z"), WHOAMI_ID));
        b.healthEvents = List.of(
                healthEvent(3, "whoami", WHOAMI_ID, new HealthDetails.Exited(0, false), at("2026-12-02T04:05:07.600Z")),
                healthEvent(2, "db", DB_ID, new HealthDetails.InspectUnhealthy(2, "running", "unhealthy"), at("2026-12-02T00:00:01Z")));
        b.candidates = List.of(new RuntimeRecord("whoami", "docker:local", "whoami", WHOAMI_ID, "busybox:test", RuntimeStatus.STOPPED,
                Optional.of(at("2026-11-20T22:00:00Z")), Optional.of(at("2026-11-21T04:10:00Z")), Optional.empty(),
                Optional.of(at("2026-11-21T04:10:00Z")), at("2026-11-20T10:00:00Z"), Optional.of(Duration.ofDays(7))));
        b.cleanupOps = List.of(removal(Outcome.SUCCESS, "", ""));
        b.reload = new AdminBackend.Reload.Done(4);
        b.providers = List.of(
                new AdminBackend.Provider("docker:local", "docker", "local", "unix:///var/run/docker.sock", 3,
                        new dev.dormouse.core.spi.ProviderStatus(true, Optional.empty(), Optional.of(at("2026-12-02T04:05:00Z")))),
                new AdminBackend.Provider("docker:far", "docker", "far", "tcp://10.0.0.2:2376", 1,
                        new dev.dormouse.core.spi.ProviderStatus(false,
                                Optional.of("docker far: events: TLS handshake with tcp://10.0.0.2:2376 failed: Received fatal alert: bad_certificate"),
                                Optional.empty())));
    }

    static HealthMonitor.Snapshot snapshot(String route, HealthStatus status, String detail, long latencyMs) {
        return new HealthMonitor.Snapshot(route, status, Duration.ofMillis(latencyMs), Duration.ZERO, Optional.empty(), 0, detail, 1);
    }

    static HealthEvent healthEvent(long id, String runtime, String container, HealthDetails d, Instant at) {
        return new HealthEvent(id, runtime, container, d.type(), at, d.json());
    }

    /** The TTL removal of whoami's container, as a cleanup pass logs it. */
    static Operation removal(Outcome outcome, String errorCode, String errorMessage) {
        return new Operation(13, "whoami", OpKind.REMOVE, OpSource.AUTO_TTL, outcome, errorCode, errorMessage,
                at("2026-12-02T04:09:59Z"), at("2026-12-02T04:09:59.250Z"), WHOAMI_ID);
    }
}
