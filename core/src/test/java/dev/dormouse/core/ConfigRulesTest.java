package dev.dormouse.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every rule of the config file, one small file each: how many problems it gives, and the one the case is
 * about, with its line, column, key path and message as {@code dormouse validate} prints them. Provider
 * kinds are core's test kinds ({@link TestKinds}); the real kinds' sections have tables in their modules.
 */
class ConfigRulesTest {
    private static final String BOX = "providers: {box: [{name: local}]}\n";

    /**
     * @param yaml the config file
     * @param count how many problems it has
     * @param problem the problem the case is about: {@code line:column: path: message}
     */
    record Case(String yaml, int count, String problem) {}

    static Case c(String yaml, int count, String problem) {
        return new Case(yaml, count, problem);
    }

    static List<String> problems(String yaml) {
        try {
            ConfigLoader.parse(new StringReader(yaml), "t.yml", Path.of("/etc/dormouse"), Path.of("/etc/dormouse/t.yml"), TestKinds.KINDS);
            return List.of();
        } catch (ConfigException e) {
            return e.problems().stream().map(p -> p.toString().substring("t.yml:".length())).toList();
        }
    }

    static void check(List<Case> cases) {
        List<String> failures = new ArrayList<>();
        for (Case k : cases) {
            List<String> got = problems(k.yaml());
            if (got.size() != k.count() || (k.count() > 0 && !got.contains(k.problem()))) {
                failures.add("for:\n" + k.yaml() + "\nexpected " + k.count() + " with: " + k.problem() + "\n     got " + got.size() + ": " + got);
            }
        }
        assertEquals("", String.join("\n\n", failures));
    }

    @Test
    void documentAndYaml() {
        check(List.of(
                c("[1, 2]\n", 1, "1:1: must be a mapping, got a list"),
                c("route: []\n", 1, "1:1: route: unknown key (did you mean 'routes'?)"),
                c("colour: red\n", 1, "1:1: colour: unknown key"),
                c("routes:\n  - name: x\n    name: y\n", 2, "3:5: routes[0].name: duplicate key"),
                c("routes: [{name: x, hosts: [x.t], target: 'http://h:1'}\n", 1, "1:55: malformed YAML: while parsing a flow sequence"),
                c("server: [1]\n", 1, "1:9: server: must be a mapping, got a list")));
    }

    @Test
    void server() {
        check(List.of(
                c("server: {http: 8080}\n", 1, "1:16: server.http: must be [host]:port, got '8080'"),
                c("server: {admin: 'h:x'}\n", 1, "1:17: server.admin: must be [host]:port with a numeric port, got 'h:x'"),
                c("server: {admin: ':99999'}\n", 1, "1:17: server.admin: port out of range, got ':99999'"),
                c("server: {http: 'a b:80'}\n", 1, "1:16: server.http: must be [host]:port with a host name or IP address, got 'a b:80'"),
                c("server: {http: '[::1:80'}\n", 1, "1:16: server.http: must be [host]:port, got '[::1:80'"),
                c("server: {http: [1]}\n", 1, "1:16: server.http: must be a string, got a list"),
                c("server: {data_dir: {a: b}}\n", 1, "1:20: server.data_dir: must be a string, got a mapping"),
                c("server: {htp: ':8080'}\n", 1, "1:10: server.htp: unknown key (did you mean 'http'?)"),
                c("server: {https: ':8443'}\n", 1, "1:1: server.https: needs tls.certificates or tls.acme"),
                c("server: {limits: {max_header_bytes: 512}}\n", 1, "1:37: server.limits.max_header_bytes: must be 1KiB to 16MiB, got 512"),
                c("server: {limits: {max_header_bytes: 64 apples}}\n", 1, "1:37: server.limits.max_header_bytes: not a size: '64 apples' (use e.g. 65536, 64KiB or 1MiB)"),
                c("server: {limits: {max_header_bytes: 999999999999999GiB}}\n", 1,
                        "1:37: server.limits.max_header_bytes: size out of range: '999999999999999GiB'"),
                c("server: {limits: {max_header_bytes: [1]}}\n", 1,
                        "1:37: server.limits.max_header_bytes: must be a size like 65536, 64KiB or 1MiB, got a list"),
                c("server: {limits: {header_timeout: 0s}}\n", 1, "1:35: server.limits.header_timeout: must be longer than 0"),
                c("server: {limits: {header_timeout: 5}}\n", 1, "1:35: server.limits.header_timeout: must be a duration like 30s, 15m or 1h30m, got a number '5'"),
                c("server: {limits: {max_connections: 0}}\n", 1, "1:36: server.limits.max_connections: must be 1 to 1000000, got 0"),
                c("server: {limits: {max_connections: many}}\n", 1, "1:36: server.limits.max_connections: must be a whole number, got a string 'many'"),
                c("server: {limits: {max_conections: 5}}\n", 1, "1:19: server.limits.max_conections: unknown key (did you mean 'max_connections'?)"),
                c("server: {trusted_proxies: ['10.0.0.0/33']}\n", 1, "1:28: server.trusted_proxies[0]: prefix length must be 0 to 32: '10.0.0.0/33'"),
                c("server: {trusted_proxies: ['10.0.0.1/8']}\n", 1,
                        "1:28: server.trusted_proxies[0]: '10.0.0.1/8' has host bits set; the block is 10.0.0.0/8"),
                c("server: {trusted_proxies: [ok, 'proxy.lan']}\n", 2,
                        "1:32: server.trusted_proxies[1]: not an address block like 10.0.0.0/8 or fd00::/8: 'proxy.lan'"),
                c("server: {trusted_proxies: [1]}\n", 1, "1:28: server.trusted_proxies[0]: must be a string, got a number")));
    }

    @Test
    void tls() {
        check(List.of(
                c("tls: {certificates: [{cert_file: a.pem}]}\n", 1, "1:22: tls.certificates[0].key_file: required"),
                c("tls: {certificates: [{key_file: a.pem}]}\n", 1, "1:22: tls.certificates[0].cert_file: required"),
                c("tls: {certificates: [a.pem]}\n", 1, "1:22: tls.certificates[0]: must be a mapping, got a string"),
                c("tls: {acme: {email: nobody}}\n", 1, "1:21: tls.acme.email: not an email address, got 'nobody'"),
                c("tls: {acme: {directory: 'ftp://ca'}}\n", 1,
                        "1:25: tls.acme.directory: must be the http(s) URL of the CA's ACME directory, got 'ftp://ca'"),
                c("tls: {acme: {directory: 'https://a b/'}}\n", 1, "1:25: tls.acme.directory: not a URL: 'https://a b/'"),
                c("tls: {acme: {challenge: dns-01}}\n", 1, "1:25: tls.acme.challenge: must be http-01 or tls-alpn-01, got 'dns-01'"),
                c("tls: {acme: {emial: a@b.c}}\n", 1, "1:14: tls.acme.emial: unknown key (did you mean 'email'?)"),
                c("tls: {min_version: '1.1'}\n", 1, "1:20: tls.min_version: must be 1.2 or 1.3, got '1.1'"),
                c("tls: {redirect_http: maybe}\n", 1, "1:22: tls.redirect_http: must be true or false, got a string 'maybe'")));
    }

    @Test
    void runtimeNotificationsAndDefaults() {
        check(List.of(
                c("runtime: {inspect_interval: 0s}\n", 1, "1:29: runtime.inspect_interval: must be longer than 0"),
                c("runtime: {reconcile_interval: soon}\n", 1, "1:31: runtime.reconcile_interval: not a duration: 'soon' (use e.g. 500ms, 30s, 15m, 2h, 7d, 1h30m)"),
                c("runtime: {history_retention: 0s}\n", 1, "1:30: runtime.history_retention: must be longer than 0"),
                c("runtime: {cleanup: 1h}\n", 1, "1:11: runtime.cleanup: unknown key"),
                c("notifications: [{type: ntfy, url: 'https://n'}]\n", 1, "1:17: notifications[0].name: required"),
                c("notifications: [{name: n, url: 'https://n'}]\n", 1, "1:17: notifications[0].type: required, one of gotify, ntfy, webhook"),
                c("notifications: [{name: n, type: slack, url: 'https://n'}]\n", 1,
                        "1:33: notifications[0].type: must be gotify, ntfy or webhook, got 'slack'"),
                c("notifications: [{name: n, type: ntfy, url: 'ftp://n'}]\n", 1, "1:44: notifications[0].url: must be an http(s) URL, got 'ftp://n'"),
                c("notifications: [{name: n, type: ntfy, url: 'https://n', events: [down, sideways]}]\n", 1,
                        "1:65: notifications[0].events: events are down, up, crashed, wake_failed, got 'sideways'"),
                c("notifications: [{name: n, type: ntfy, url: 'https://n', events: []}]\n", 1,
                        "1:65: notifications[0].events: must name at least one of down, up, crashed, wake_failed (or be left out for down, up)"),
                c("notifications: [{name: n, type: ntfy, url: 'https://n', headers: {a: [1]}}]\n", 1,
                        "1:67: notifications[0].headers.a: must be a string, got a list"),
                c("notifications: [{name: n, type: ntfy, url: 'https://n', token_fil: t}]\n", 1,
                        "1:57: notifications[0].token_fil: unknown key (did you mean 'token_file'?)"),
                c("defaults: {idlewatcher: {stop_methd: kill}}\n", 1, "1:26: defaults.idlewatcher.stop_methd: unknown key (did you mean 'stop_method'?)"),
                c("defaults: {healthchek: {}}\n", 1, "1:12: defaults.healthchek: unknown key (did you mean 'healthcheck'?)"),
                // A bad default is reported once, where it is written, however many routes read it.
                c(BOX + "defaults: {idlewatcher: {wake_timeout: 0s}}\nroutes: [{name: a, hosts: [a.t], container: a}, {name: b, hosts: [b.t], container: b}]\n",
                        1, "2:40: defaults.idlewatcher.wake_timeout: must be longer than 0")));
    }

    @Test
    void providers() {
        check(List.of(
                c("providers: [box]\n", 1, "1:12: providers: must be a mapping, got a list"),
                c("providers: {box: {name: x}}\n", 1, "1:18: providers.box: must be a list, got a mapping"),
                c("providers: {box: [x]}\n", 1, "1:19: providers.box[0]: must be a mapping, got a string"),
                c("providers: {box: [{labels: true}]}\n", 1, "1:19: providers.box[0].name: required"),
                c("providers: {box: [{name: ''}]}\n", 1, "1:26: providers.box[0].name: must not be empty"),
                c("providers: {box: [{name: l}, {name: l}]}\n", 1, "1:37: providers.box[1].name: duplicate provider name 'l'"),
                c("providers: {box: [{name: l}], vm: [{name: l}]}\n", 0, ""),
                c("providers: {box: [{name: l, colour: red}]}\n", 1, "1:29: providers.box[0].colour: unknown key"),
                c("providers: {podman: [{name: p}]}\n", 1, "1:13: providers.podman: this build of dormouse has no podman provider (available: box, vm)"),
                c("providers: {bxo: [{name: p}]}\n", 1, "1:13: providers.bxo: unknown key (did you mean 'box'?)"),
                // The kind's own check, run only when its section is otherwise right.
                c("providers: {box: [{name: l, secret_file: /nonexistent/s}]}\n", 1,
                        "1:42: providers.box[0].secret_file: /nonexistent/s cannot be read"),
                c("providers: {box: [{name: l, secret_file: /nonexistent/s, labels: 3}]}\n", 1,
                        "1:66: providers.box[0].labels: must be true or false, got a number '3'")));
    }

    @Test
    void aKindOfferedByTwoFactoriesIsAProblemOfEveryConfigNamingBoth() {
        ProviderKinds two = ProviderKinds.of(List.of(new TestKinds.Box(), new TestKinds.Box(), new TestKinds.Vm()));
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(new StringReader("providers: {box: [{name: l}]}\n"), "t.yml", Path.of("/"), Path.of("/t.yml"), two));
        assertEquals(List.of("t.yml: providers: provider kind 'box' is offered by 2 factories: dev.dormouse.core.TestKinds$Box and "
                + "dev.dormouse.core.TestKinds$Box; remove all but one from the module path"), e.problems().stream().map(ConfigProblem::toString).toList());
        assertEquals(List.of("vm"), List.copyOf(two.kinds()), "neither factory is used");
        assertEquals(1, two.problems().size());
    }

    @Test
    void containerReferences() {
        String route = "routes: [{name: x, hosts: [x.t], container: %s}]\n";
        check(List.of(
                c(route.formatted("x"), 1, "1:45: routes[0].container: 'x' names no provider; write box:<provider>/<name> (0 box providers are configured)"),
                c("providers: {box: [{name: a}, {name: b}]}\n" + route.formatted("x"), 1,
                        "2:45: routes[0].container: 'x' names no provider; write box:<provider>/<name> (2 box providers are configured)"),
                c("providers: {vm: [{name: a}]}\n" + route.formatted("x"), 1,
                        "2:45: routes[0].container: 'x' names no provider; write box:<provider>/<name> (0 box providers are configured)"),
                c(BOX + route.formatted("''"), 1, "2:45: routes[0].container: not a container name: ''"),
                c(BOX + route.formatted("a/b"), 1, "2:45: routes[0].container: not a box name: 'a/b' in 'box:local/a/b'"),
                c(BOX + route.formatted("'box:local'"), 1,
                        "2:45: routes[0].container: must be box:<provider>/<name> or vm:<provider>/<host>/<n>, got 'box:local'"),
                c(BOX + route.formatted("'box:/x'"), 1, "2:45: routes[0].container: must be box:<provider>/<name> or vm:<provider>/<host>/<n>, got 'box:/x'"),
                c(BOX + route.formatted("'lxc:x/y'"), 1, "2:45: routes[0].container: unknown provider kind 'lxc' in 'lxc:x/y' (box or vm)"),
                c(BOX + route.formatted("'box:other/x'"), 1, "2:45: routes[0].container: no box provider named 'other' (in 'box:other/x')"),
                c("providers: {vm: [{name: v}]}\n" + route.formatted("'vm:v/h1'"), 1, "2:45: routes[0].container: must be vm:<provider>/<host>/<n>, got 'vm:v/h1'"),
                c(BOX + route.formatted("[a]"), 2, "2:45: routes[0].container: must be a string, got a list")));
    }

    @Test
    void aRoutesOwnValues() {
        check(List.of(
                c("routes: {name: x}\n", 1, "1:9: routes: must be a list, got a mapping"),
                c("routes: [x]\n", 1, "1:10: routes[0]: must be a mapping, got a string"),
                c("routes: [{hosts: [x.t], target: 'http://h:1'}]\n", 1, "1:10: routes[0].name: required"),
                c("routes: [{name: Bad_Name, hosts: [x.t], target: 'http://h:1'}]\n", 1,
                        "1:17: routes[0].name: must match [a-z0-9-] and not start or end with '-', got 'Bad_Name'"),
                c("routes: [{name: '', hosts: [x.t], target: 'http://h:1'}]\n", 1, "1:17: routes[0].name: must not be empty"),
                c("routes: [{name: x, hosts: ['bad host'], target: 'http://h:1'}]\n", 1,
                        "1:28: routes[0].hosts[0]: not a host name (letters, digits, '-' and '.'), got 'bad host'"),
                c("routes: [{name: x, hosts: [ok.t, '*.*.t'], target: 'http://h:1'}]\n", 1,
                        "1:34: routes[0].hosts[1]: a wildcard is allowed only as the first label ('*.example.com'), got '*.*.t'"),
                c("routes: [{name: x, hosts: x.t, target: 'http://h:1'}]\n", 1, "1:27: routes[0].hosts: must be a list of strings, got a string 'x.t'"),
                c("routes: [{name: x, target: 'http://h:1'}]\n", 1, "1:10: routes[0].hosts: required for an HTTP route (at least one host)"),
                c("routes: [{name: x, hosts: [x.t]}]\n", 1, "1:10: routes[0].target: required for a route without a container"),
                c("routes: [{name: x, hosts: [x.t], target: 'ftp://x'}]\n", 1,
                        "1:42: routes[0].target: scheme must be http, https, h2c, tcp or udp, got 'ftp://x'"),
                c("routes: [{name: x, hosts: [x.t], target: 'http://h h'}]\n", 1, "1:42: routes[0].target: not a URL: 'http://h h'"),
                c("routes: [{name: x, hosts: [x.t], target: 'http://:web'}]\n", 1,
                        "1:42: routes[0].target: needs a host, or just :port to use the container's address, got 'http://:web'"),
                c("routes: [{name: x, hosts: [x.t], target: 'http://:8080'}]\n", 1,
                        "1:42: routes[0].target: names no host, so it needs a container to take the address from"),
                c("routes: [{name: x, hosts: [x.t], target: 'http://h:99999'}]\n", 1, "1:42: routes[0].target: port out of range, got 'http://h:99999'"),
                c("routes: [{name: x, hosts: [x.t], target: 'http://h:1/?q=1'}]\n", 1,
                        "1:42: routes[0].target: must not have a query or fragment, got 'http://h:1/?q=1'"),
                c("routes: [{name: x, listen: 'tcp://:22', target: 'tcp://h'}]\n", 1, "1:49: routes[0].target: needs a port, got 'tcp://h'"),
                c("routes: [{name: x, listen: 'tcp://:22', target: 'tcp://h:1/p'}]\n", 1, "1:49: routes[0].target: a tcp target has no path, got 'tcp://h:1/p'")));
    }

    @Test
    void streamRoutes() {
        check(List.of(
                c("routes: [{name: x, target: 'tcp://h:22'}]\n", 1, "1:10: routes[0].listen: required for a tcp target"),
                c("routes: [{name: x, listen: 'udp://:2222', target: 'tcp://h:22'}]\n", 1, "1:28: routes[0].listen: scheme must match the target's (tcp)"),
                c("routes: [{name: x, listen: 'tcp://:ssh', target: 'tcp://h:22'}]\n", 1, "1:28: routes[0].listen: needs a numeric port, got 'tcp://:ssh'"),
                c("routes: [{name: x, listen: 'tcp://:0', target: 'tcp://h:22'}]\n", 1, "1:28: routes[0].listen: port out of range, got 'tcp://:0'"),
                c("routes: [{name: x, listen: 'http://:1', target: 'tcp://h:22'}]\n", 1,
                        "1:28: routes[0].listen: must be tcp://[host]:port or udp://[host]:port, got 'http://:1'"),
                c("routes: [{name: x, listen: 'tcp://a b:1', target: 'tcp://h:22'}]\n", 1,
                        "1:28: routes[0].listen: needs a host name or IP address, got 'tcp://a b:1'"),
                c("routes: [{name: x, listen: 'tcp://:22', hosts: [x.t], target: 'tcp://h:22'}]\n", 1,
                        "1:48: routes[0].hosts: a tcp route is matched by listen, not by hosts"),
                c("routes: [{name: x, listen: 'tcp://:22', hosts: [x.t], target: 'http://h:22'}]\n", 1,
                        "1:28: routes[0].listen: only tcp and udp routes have a listener of their own"),
                c("routes: [{name: x, hosts: [x.t], target: 'http://h:1', stream: {max_connections: 5}}]\n", 1,
                        "1:64: routes[0].stream: only tcp and udp routes have stream limits"),
                c("routes: [{name: x, listen: 'tcp://:22', target: 'tcp://h:22', stream: {max_connections: 0}}]\n", 1,
                        "1:89: routes[0].stream.max_connections: must be 1 to 1000000, got 0"),
                c("routes: [{name: x, listen: 'udp://:53', target: 'udp://h:53', stream: {udp_max_sessions: 0}}]\n", 1,
                        "1:90: routes[0].stream.udp_max_sessions: must be 1 to 1000000, got 0"),
                c("routes: [{name: x, listen: 'tcp://:22', target: 'tcp://h:22', stream: {idle_timeout: 0s}}]\n", 1,
                        "1:86: routes[0].stream.idle_timeout: must be longer than 0"),
                c("routes: [{name: x, listen: 'tcp://:22', target: 'tcp://h:22', stream: {max_conns: 1}}]\n", 1,
                        "1:72: routes[0].stream.max_conns: unknown key")));
    }

    @Test
    void blocks() {
        String idle = BOX + "routes: [{name: x, hosts: [x.t], container: x, idlewatcher: {%s}}]\n";
        String hc = "routes: [{name: x, hosts: [x.t], target: 'http://h:1', healthcheck: {%s}}]\n";
        check(List.of(
                c("routes: [{name: x, hosts: [x.t], target: 'http://h:1', idlewatcher: {idle_timeout: 1m}}]\n", 1,
                        "1:69: routes[0].idlewatcher: needs a container to put to sleep"),
                c("routes: [{name: x, hosts: [x.t], target: 'http://h:1', retention: 1h}]\n", 1, "1:67: routes[0].retention: needs a container"),
                c("routes: [{name: x, hosts: [x.t], target: 'http://h:1', colour: red}]\n", 1, "1:56: routes[0].colour: unknown key"),
                c(idle.formatted("idle_timeout: 5 minutes"), 1,
                        "2:76: routes[0].idlewatcher.idle_timeout: not a duration: '5 minutes' (use e.g. 500ms, 30s, 15m, 2h, 7d, 1h30m)"),
                c(idle.formatted("stop_method: halt"), 1, "2:75: routes[0].idlewatcher.stop_method: must be kill, pause or stop, got 'halt'"),
                c(idle.formatted("stop_signal: 'sig term'"), 1, "2:75: routes[0].idlewatcher.stop_signal: not a signal name or number, got 'sig term'"),
                c(idle.formatted("wake_timeout: 0s"), 1, "2:76: routes[0].idlewatcher.wake_timeout: must be longer than 0"),
                c(idle.formatted("start_endpoint: start"), 1, "2:78: routes[0].idlewatcher.start_endpoint: must be a path starting with '/', got 'start'"),
                c(idle.formatted("no_loading_page: 1"), 1, "2:79: routes[0].idlewatcher.no_loading_page: must be true or false, got a number '1'"),
                c(idle.formatted("ignore_user_agents: ['(unclosed']"), 1,
                        "2:83: routes[0].idlewatcher.ignore_user_agents[0]: not a valid regex (RE2 syntax: no backreferences or lookaround): missing closing ), got '(unclosed'"),
                c(idle.formatted("ignore_user_agents: ['(bot)\\1']"), 1,
                        "2:83: routes[0].idlewatcher.ignore_user_agents[0]: not a valid regex (RE2 syntax: no backreferences or lookaround): "
                                + "invalid escape sequence, got '(bot)\\1'"),
                c(idle.formatted("max_held_requests: 0"), 1, "2:81: routes[0].idlewatcher.max_held_requests: must be 1 to 1000000, got 0"),
                c(idle.formatted("depends_on: [1]"), 1, "2:75: routes[0].idlewatcher.depends_on[0]: must be a string, got a number"),
                c(idle.formatted("keep_awake: true"), 1,
                        "2:62: routes[0].idlewatcher.keep_awake: unknown key"),
                c(hc.formatted("path: health"), 1, "1:76: routes[0].healthcheck.path: must start with '/', got 'health'"),
                c(hc.formatted("interval: 0s"), 1, "1:80: routes[0].healthcheck.interval: must be longer than 0"),
                c(hc.formatted("retries: 0"), 1, "1:79: routes[0].healthcheck.retries: must be at least 1, got 0"),
                c(hc.formatted("retries: many"), 1, "1:79: routes[0].healthcheck.retries: must be a whole number, got a string 'many'"),
                c(hc.formatted("method: POST"), 1, "1:78: routes[0].healthcheck.method: must be GET or HEAD, got 'POST'"),
                c(hc.formatted("expected_status: abc"), 1,
                        "1:87: routes[0].healthcheck.expected_status: not an HTTP status set: 'abc' (use e.g. <500, 200-399 or 200,204)"),
                c(hc.formatted("expect: pong"), 1, "1:78: routes[0].healthcheck.expect: needs send: only an answer to what was sent can be expected"),
                c(hc.formatted("disable: sure"), 1, "1:79: routes[0].healthcheck.disable: must be true or false, got a string 'sure'")));
    }

    @Test
    void betweenRoutes() {
        check(List.of(
                c("routes: [{name: a, hosts: [a.t], target: 'http://h:1'}, {name: a, hosts: [b.t], target: 'http://h:2'}]\n", 1,
                        "1:57: routes[1].name: duplicate route name 'a' (also routes[0])"),
                c("routes: [{name: a, hosts: [x.t], target: 'http://h:1'}, {name: b, hosts: [X.t], target: 'http://h:2'}]\n", 1,
                        "1:57: routes[1].hosts: host 'x.t' is already used by route 'a'"),
                c("routes: [{name: a, hosts: ['*.x.t'], target: 'http://h:1'}, {name: b, hosts: ['*.x.t'], target: 'http://h:2'}]\n", 1,
                        "1:61: routes[1].hosts: host '*.x.t' is already used by route 'a'"),
                // An exact host inside another file route's wildcard is a deliberate override.
                c("routes: [{name: a, hosts: ['*.x.t'], target: 'http://h:1'}, {name: b, hosts: [a.x.t], target: 'http://h:2'}]\n", 0, ""),
                c("routes: [{name: a, listen: 'tcp://:22', target: 'tcp://h:1'}, {name: b, listen: 'tcp://0.0.0.0:22', target: 'tcp://h:2'}]\n", 1,
                        "1:63: routes[1].listen: 'tcp://0.0.0.0:22' is already used by route 'a'"),
                c("routes: [{name: a, listen: 'udp://:5353', target: 'udp://h:1'}, {name: b, listen: 'udp://127.0.0.1:5353', target: 'udp://h:2'}]\n", 1,
                        "1:65: routes[1].listen: 'udp://127.0.0.1:5353' is already used by route 'a'"),
                c("routes: [{name: a, listen: 'tcp://[::1]:53', target: 'tcp://h:1'}, {name: b, listen: 'tcp://::1:53', target: 'tcp://h:2'}]\n", 1,
                        "1:68: routes[1].listen: 'tcp://[::1]:53' is already used by route 'a'"),
                c("routes: [{name: a, listen: 'tcp://:53', target: 'tcp://h:1'}, {name: b, listen: 'udp://:53', target: 'udp://h:2'}]\n", 0, ""),
                c(BOX + "routes: [{name: a, hosts: [a.t], container: a, idlewatcher: {depends_on: [ghost]}}]\n", 1,
                        "2:10: routes[0].idlewatcher.depends_on: unknown route 'ghost'"),
                c(BOX + "routes: [{name: a, hosts: [a.t], target: 'http://h:1'}, {name: b, hosts: [b.t], container: b, idlewatcher: {depends_on: [a]}}]\n", 1,
                        "2:57: routes[1].idlewatcher.depends_on: route 'a' has no container to wake"),
                c(BOX + "routes: [{name: a, hosts: [a.t], container: a}, {name: b, hosts: [b.t], target: 'http://h:1', idlewatcher: {depends_on: [a]}}]\n",
                        2, "2:49: routes[1].idlewatcher.depends_on: needs a container on this route"),
                // A dependency whose container reference is itself wrong is reported once, where it is written.
                c(BOX + "routes: [{name: a, hosts: [a.t], container: 'box:x/a'}, {name: b, hosts: [b.t], container: b, idlewatcher: {depends_on: [a]}}]\n",
                        1, "2:45: routes[0].container: no box provider named 'x' (in 'box:x/a')"),
                c(BOX + "routes: [{name: a, hosts: [a.t], container: a, idlewatcher: {depends_on: [a]}}]\n", 1,
                        "2:10: routes[0].idlewatcher.depends_on: dependency cycle: a -> a"),
                c(BOX + "routes:\n  - {name: a, hosts: [a.t], container: a, idlewatcher: {depends_on: [b]}}\n"
                        + "  - {name: b, hosts: [b.t], container: b, idlewatcher: {depends_on: [c]}}\n"
                        + "  - {name: c, hosts: [c.t], container: c, idlewatcher: {depends_on: [a]}}\n", 1,
                        "3:5: routes[0].idlewatcher.depends_on: dependency cycle: a -> b -> c -> a")));
    }
}
