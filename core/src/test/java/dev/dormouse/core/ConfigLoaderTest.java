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
        return ConfigLoader.parse(new StringReader(yaml), "t.yml", Path.of("/etc/dormouse"), Path.of("/etc/dormouse/t.yml"));
    }

    static List<String> problems(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    private static final String DOCKER = "providers:\n  docker: [{name: local}]\n";

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
        assertEquals(new ContainerRef("docker", "local", "whoami"), r.container().orElseThrow());
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
                    container: docker:other/app
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
                "t.yml:13:16: routes[1].container: no docker provider named 'other'",
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
    void singleProblems() {
        String[][] cases = {
            {"routes: [{name: x, hosts: [x.t], target: 'http://h:1', container: x}]", "routes[0].container: 'x' names no provider"},
            {"routes: [{name: a, hosts: [x.t], target: 'http://h:1'}, {name: b, hosts: [X.t], target: 'http://h:2'}]",
                "routes[1].hosts: host 'x.t' is already used by route 'a'"},
            {"server: {http: 8080}", "server.http: must be [host]:port"},
            {"routes: {name: x}", "routes: must be a list, got a mapping"},
            {"routes: [{name: x, target: 'http://h:1'}]", "routes[0].hosts: required for an HTTP route"},
            {"routes: [{name: x, hosts: [x.t]}]", "routes[0].target: required for a route without a container"},
            {"routes: [{name: x, hosts: [x.t], target: 'http://:8080'}]", "routes[0].target: names no host, so it needs a container"},
            {"routes: [{name: x, hosts: [x.t], target: 'http://:web'}]", "routes[0].target: needs a host, or just :port"},
            {"routes: [{hosts: [x.t], target: 'http://h:1'}]", "routes[0].name: required"},
            {"routes: [{name: x, hosts: [x.t], target: 'http://h:99999'}]", "routes[0].target: port out of range"},
            {"routes: [{name: x, hosts: [x.t], target: 'http://h:1', idlewatcher: {idle_timeout: 1m}}]", "routes[0].idlewatcher: needs a container"},
            {"routes: [{name: x, listen: 'udp://:2222', target: 'tcp://h:22'}]", "routes[0].listen: scheme must match the target's (tcp)"},
            {"routes: [{name: x, target: 'tcp://h:22'}]", "routes[0].listen: required for a tcp target"},
            {"routes: [{name: x, listen: 'tcp://:ssh', target: 'tcp://h:22'}]", "routes[0].listen: needs a numeric port"},
            {"routes: [{name: x, listen: 'tcp://:22', target: 'tcp://h'}]", "routes[0].target: needs a port"},
            {"routes: [{name: a, listen: 'tcp://:22', target: 'tcp://h:1'}, {name: b, listen: 'tcp://0.0.0.0:22', target: 'tcp://h:2'}]",
                "routes[1].listen: 'tcp://0.0.0.0:22' is already used by route 'a'"},
            {"runtime: {inspect_interval: 0s}", "runtime.inspect_interval: must be longer than 0"},
            {"server: {https: ':8443'}", "server.https: needs tls.certificates or tls.acme"},
            {"tls: {min_version: '1.1'}", "tls.min_version: must be 1.2 or 1.3, got '1.1'"},
            {"tls: {certificates: [{cert_file: a.pem}]}", "tls.certificates[0].key_file: required"},
            {"tls: {acme: {directory: 'ftp://ca'}}", "tls.acme.directory: must be the http(s) URL of the CA's ACME directory"},
            {"tls: {acme: {challenge: dns-01}}", "tls.acme.challenge: must be http-01 or tls-alpn-01, got 'dns-01'"},
            {"tls: {acme: {email: nobody}}", "tls.acme.email: not an email address"},
            {"tls: {acme: {emial: a@b.c}}", "tls.acme.emial: unknown key (did you mean 'email'?)"},
            {"routes:\n  - name: x\n    name: y\n", "routes[0].name: duplicate key"},
            {"routes: [{name: x, hosts: [x.t], target: 'http://h:1'}\n", "malformed YAML"},
            {"routes: [{name: x, hosts: [x.t], target: 'http://h:1', unknown: 1}]", "routes[0].unknown: unknown key"},
            {"providers: {docker: [{name: l, host: 'http://x'}]}", "providers.docker[0].host: must start with unix:// or tcp://"},
            {"defaults: {idlewatcher: {stop_methd: kill}}", "defaults.idlewatcher.stop_methd: unknown key (did you mean 'stop_method'?)"},
            {"routes: [{name: x, hosts: [x.t], target: 'http://h:1', healthcheck: {path: health}}]", "routes[0].healthcheck.path: must start with '/'"},
        };
        List<String> failures = new java.util.ArrayList<>();
        for (String[] c : cases) {
            List<String> p;
            try {
                parse(c[0]);
                failures.add("accepted: " + c[0]);
                continue;
            } catch (ConfigException e) {
                p = e.problems().stream().map(ConfigProblem::toString).toList();
            }
            if (p.stream().noneMatch(x -> x.contains(c[1]) && x.startsWith("t.yml:"))) {
                failures.add("for " + c[0] + " expected " + c[1] + " in " + p);
            }
        }
        assertEquals(List.of(), failures);
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
