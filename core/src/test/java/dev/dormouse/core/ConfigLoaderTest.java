package dev.dormouse.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
    static DormouseConfig parse(String yaml) {
        return ConfigLoader.parse(new StringReader(yaml), "t.yml", Path.of("/etc/dormouse"), Path.of("/etc/dormouse/t.yml"), TestKinds.KINDS);
    }

    static List<String> problems(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    private static final String DOCKER = "providers:\n  box: [{name: local}]\n";

    @Test
    void notificationsSendDownAndUpByDefaultAndACrashWhereverADownGoes() {
        List<NotificationConfig> n = parse("""
                notifications:
                  - {name: all, type: webhook, url: 'http://h/a'}
                  - {name: crashes, type: ntfy, url: 'http://h/c', events: [crashed, up]}
                  - {name: wakes, type: gotify, url: 'http://h/w', events: [wake_failed]}
                """).notifications();
        record Case(int notifier, String event, boolean sent) {}
        List<Case> cases = List.of(new Case(0, "down", true), new Case(0, "up", true), new Case(0, "crashed", true),
                new Case(0, "wake_failed", false), new Case(1, "down", false), new Case(1, "crashed", true), new Case(1, "up", true),
                new Case(1, "wake_failed", false), new Case(2, "wake_failed", true), new Case(2, "crashed", false), new Case(2, "down", false));
        for (Case c : cases) assertEquals(c.sent(), n.get(c.notifier()).wants(c.event()), n.get(c.notifier()).name() + " " + c.event());
        assertEquals(List.of("down", "up"), n.get(0).events());
    }

    @Test
    void fullExampleWithDefaults() {
        DormouseConfig c = parse(DOCKER + """
                defaults:
                  idlewatcher: {stop_method: pause, wake_timeout: 20s}
                routes:
                  - name: whoami
                    hosts: [whoami.example.com, "*.apps.example.com"]
                    target: http://127.0.0.1:8081
                    container: whoami
                    idlewatcher:
                      idle_timeout: 15m
                      ignore_user_agents: ["(?i)uptime-kuma"]
                  - name: plain
                    hosts: [plain.example.com]
                    target: https://10.0.0.2/base
                """);
        assertEquals(":8080", c.server().http());
        assertEquals("127.0.0.1:9180", c.server().admin());
        assertEquals(Path.of("/etc/dormouse/data"), c.server().dataDir());
        RouteConfig r = c.routes().get(0);
        assertEquals(List.of("whoami.example.com", "*.apps.example.com"), r.hosts());
        assertEquals(new ContainerRef("box", "local", "whoami"), r.container().orElseThrow());
        assertEquals(Duration.ofMinutes(15), r.idle().idleTimeout());
        assertEquals(StopMethod.PAUSE, r.idle().stopMethod());
        assertEquals(Duration.ofSeconds(20), r.idle().wakeTimeout());
        assertEquals(Duration.ofSeconds(10), r.idle().stopTimeout());
        assertTrue(r.idle().keepAwakeWhileConnected());
        assertTrue(r.idle().ignores("Uptime-Kuma/1.23"));
        assertEquals(Optional.empty(), r.idle().startEndpoint());
        assertEquals(HealthcheckConfig.DEFAULT, r.healthcheck());
        assertEquals(URI.create("https://10.0.0.2:443/base"), c.routes().get(1).target());
        assertEquals(Optional.empty(), c.routes().get(1).container());
    }

    @Test
    void emptyFileIsAValidConfigWithNoRoutes() {
        assertEquals(List.of(), parse("").routes());
    }

    @Test
    void aKeyWithNothingAfterItIsEmptyButAQuotedEmptyStringIsAString() {
        DormouseConfig c = parse("""
                server:
                  http: ""
                  admin:
                routes:
                  # - name: later
                """);
        assertEquals(List.of(), c.routes(), "routes: with every item commented out");
        assertEquals("", c.server().http(), "a quoted empty string disables the listener");
        assertEquals("127.0.0.1:9180", c.server().admin(), "an empty key takes the default");
    }

    @Test
    void everyProblemIsReportedTogetherWithLineAndColumn() {
        List<String> p = problems(DOCKER + """
                server:
                  htp: ":8080"
                  admin: "nope"
                routes:
                  - name: Bad_Name
                    hosts: [ok.example.com]
                    target: ftp://x
                  - name: app
                    hosts: ["bad host", "*.*.example.com"]
                    target: http://127.0.0.1:8081
                    container: box:other/app
                    idlewatcher:
                      idle_timeout: 5 minutes
                      stop_method: halt
                      depends_on: [db, ghost]
                      ignore_user_agents: ["(unclosed"]
                      keep_awake_while_connected: "yes"
                  - name: db
                    hosts: [ok.example.com]
                    target: http://127.0.0.1:5432
                    container: db
                    idlewatcher: {depends_on: [app]}
                  - name: db
                    hosts: [db2.example.com]
                    target: http://127.0.0.1:5433
                    healthcheck: {retries: many, method: POST}
                """);
        String all = String.join("\n", p);
        List<String> expected = List.of(
                "t.yml:4:3: server.htp: unknown key (did you mean 'http'?)",
                "t.yml:5:10: server.admin: must be [host]:port, got 'nope'",
                "t.yml:7:11: routes[0].name: must match [a-z0-9-]",
                "t.yml:9:13: routes[0].target: scheme must be http, https, h2c, tcp or udp, got 'ftp://x'",
                "t.yml:11:13: routes[1].hosts[0]: not a host name",
                "t.yml:11:25: routes[1].hosts[1]: a wildcard is allowed only as the first label",
                "t.yml:13:16: routes[1].container: no box provider named 'other'",
                "t.yml:15:21: routes[1].idlewatcher.idle_timeout: not a duration: '5 minutes'",
                "t.yml:16:20: routes[1].idlewatcher.stop_method: must be kill, pause or stop, got 'halt'",
                "t.yml:18:28: routes[1].idlewatcher.ignore_user_agents[0]: not a valid regex",
                "t.yml:19:35: routes[1].idlewatcher.keep_awake_while_connected: must be true or false, got a string 'yes'",
                "routes[3].name: duplicate route name 'db' (also routes[2])",
                "routes[3].healthcheck.retries: must be a whole number, got a string 'many'",
                "routes[3].healthcheck.method: must be GET or HEAD, got 'POST'",
                "routes[1].idlewatcher.depends_on: unknown route 'ghost'",
                "dependency cycle: ");
        for (String e : expected) {
            assertTrue(p.stream().anyMatch(x -> x.contains(e)), "missing: " + e + "\nin:\n" + all);
        }
    }

    @Test
    void cyclesNameTheirPath() {
        List<String> p = problems(DOCKER + """
                routes:
                  - {name: a, hosts: [a.t], target: "http://127.0.0.1:1", container: a, idlewatcher: {depends_on: [b]}}
                  - {name: b, hosts: [b.t], target: "http://127.0.0.1:2", container: b, idlewatcher: {depends_on: [c]}}
                  - {name: c, hosts: [c.t], target: "http://127.0.0.1:3", container: c, idlewatcher: {depends_on: [a]}}
                """);
        assertEquals(1, p.size(), String.join("\n", p));
        assertTrue(p.get(0).endsWith("dependency cycle: a -> b -> c -> a"), p.get(0));
    }

    @Test
    void aFileRouteMayOverrideAnotherFileRoutesWildcardWithAnExactHost() {
        DormouseConfig c = parse("""
                routes:
                  - {name: apps, hosts: ['*.example.com'], target: 'http://h:1'}
                  - {name: grafana, hosts: [grafana.example.com, '*.grafana.example.com'], target: 'http://h:2'}
                """);
        assertEquals(List.of("apps", "grafana"), c.routes().stream().map(RouteConfig::name).toList());
    }

    @Test
    void limitsAndTrustedProxiesHaveSafeDefaultsAndTakeSizes() {
        DormouseConfig d = parse("");
        assertEquals(HttpLimits.DEFAULT, d.server().limits());
        assertEquals(64 * 1024, d.server().limits().maxHeaderBytes());
        assertEquals(Duration.ofSeconds(30), d.server().limits().headerTimeout());
        assertEquals(10_000, d.server().limits().maxConnections());
        assertEquals(List.of(), d.server().trustedProxies());
        assertEquals(Duration.ofDays(30), d.runtime().historyRetention());
        DormouseConfig c = parse("server:\n  limits: {max_header_bytes: 1MiB, header_timeout: 5s, max_connections: 200}\n"
                + "  trusted_proxies: [10.0.0.0/8, '::1', 'fd00::/8']\nruntime: {history_retention: 7d}\n");
        assertEquals(new HttpLimits(1024 * 1024, Duration.ofSeconds(5), 200), c.server().limits());
        assertEquals(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("::1/128"), Cidr.parse("fd00::/8")), c.server().trustedProxies());
        assertEquals(Duration.ofDays(7), c.runtime().historyRetention());
        assertEquals(65536, parse("server: {limits: {max_header_bytes: 65536}}").server().limits().maxHeaderBytes());
    }

    @Test
    void streamLimitsAndHeldRequestsHaveSafeDefaults() {
        DormouseConfig c = parse(DOCKER + """
                routes:
                  - {name: dns, listen: 'udp://:5353', target: 'udp://127.0.0.1:53', container: dns,
                     stream: {udp_max_sessions: 64, idle_timeout: 30s}}
                  - {name: ssh, listen: 'tcp://:2222', target: 'tcp://127.0.0.1:22'}
                  - {name: web, hosts: [w.t], container: web, idlewatcher: {max_held_requests: 50}}
                """);
        assertEquals(new StreamConfig(1024, Duration.ofSeconds(30), 64), c.routes().get(0).stream());
        assertEquals(StreamConfig.DEFAULT, c.routes().get(1).stream());
        assertEquals(new StreamConfig(1024, Duration.ofHours(1), 1024), StreamConfig.DEFAULT);
        assertEquals(50, c.routes().get(2).idle().maxHeldRequests());
        assertEquals(10_000, c.routes().get(0).idle().maxHeldRequests());
    }

    @Test
    void tlsTakesFilesAndAcme() {
        DormouseConfig c = parse("server: {https: ':8443'}\n"
                + "tls:\n  certificates: [{cert_file: certs/a.pem, key_file: /etc/k.pem}]\n"
                + "  acme: {email: ops@example.com, directory: 'https://127.0.0.1:14000/dir', ca_file: pebble.pem, challenge: tls-alpn-01}\n"
                + "  redirect_http: false\n  min_version: 1.3\n");
        TlsConfig t = c.tls();
        assertEquals(List.of(new TlsCertificate(Path.of("/etc/dormouse/certs/a.pem"), Path.of("/etc/k.pem"))), t.certificates());
        AcmeConfig a = t.acme().orElseThrow();
        assertEquals(java.util.Optional.of("ops@example.com"), a.email());
        assertEquals(URI.create("https://127.0.0.1:14000/dir"), a.directory());
        assertEquals(java.util.Optional.of(Path.of("/etc/dormouse/pebble.pem")), a.caFile());
        assertEquals(AcmeConfig.Challenge.TLS_ALPN_01, a.challenge());
        assertEquals(false, t.redirectHttp());
        assertEquals("1.3", t.minVersion());
        TlsConfig d = parse("tls: {acme: {}}").tls();
        assertEquals(AcmeConfig.LETS_ENCRYPT, d.acme().orElseThrow().directory());
        assertEquals(AcmeConfig.Challenge.HTTP_01, d.acme().orElseThrow().challenge());
        assertEquals(TlsConfig.NONE, parse("server: {http: ':8080'}").tls());
    }

    @Test
    void targetsWithoutAHostTakeTheContainersAddress() {
        DormouseConfig c = parse(DOCKER + "routes:\n"
                + "  - {name: a, hosts: [a.t], container: a, target: 'http://:8080/app'}\n"
                + "  - {name: b, hosts: [b.t], container: b}\n"
                + "  - {name: c, listen: 'tcp://:2222', container: c, target: 'tcp://:22'}\n"
                + "  - {name: d, hosts: [d.t], container: d, target: 'http://10.0.0.5:81'}\n");
        RouteConfig a = c.routes().get(0);
        assertTrue(a.targetFromContainer());
        assertEquals(URI.create("http://172.17.0.4:8080/app"), a.targetAt("172.17.0.4"));
        assertEquals(URI.create("http://[fd00::4]:8080/app"), a.targetAt("fd00::4"));
        assertEquals(URI.create("http://10.1.1.1:80"), c.routes().get(1).targetAt("10.1.1.1"));
        assertTrue(c.routes().get(2).isStream());
        assertEquals(URI.create("tcp://127.0.0.1:22"), c.routes().get(2).targetAt("127.0.0.1"));
        assertEquals(false, c.routes().get(3).targetFromContainer());
    }
}
