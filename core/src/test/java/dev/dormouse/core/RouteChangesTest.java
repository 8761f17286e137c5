package dev.dormouse.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RouteChangesTest {
    /** Routes from one line each of YAML flow mappings. */
    private static List<RouteConfig> routes(String... lines) {
        StringBuilder y = new StringBuilder("providers: {box: [{name: local}]}\nroutes:\n");
        if (lines.length == 0) y.append("  []\n");
        for (String l : lines) y.append("  - ").append(l).append('\n');
        return ConfigLoader.parse(new StringReader(y.toString()), "t.yml", Path.of("."), Path.of("t.yml"), TestKinds.KINDS).routes();
    }

    private static final String A = "{name: a, hosts: [a.t], container: a}";
    private static final String A2 = "{name: a, hosts: [a.t], container: a, idlewatcher: {idle_timeout: 5m}}";
    private static final String B = "{name: b, hosts: [b.t], container: b}";
    private static final String C = "{name: c, hosts: [c.t], target: 'http://10.0.0.1:80'}";

    record Case(String what, List<RouteConfig> before, List<RouteConfig> after, String changes, List<String> fresh, List<String> replaced) {}

    static List<Case> cases() {
        return List.of(
                new Case("the same routes", routes(A, B), routes(A, B), "added: none; changed: none; removed: none", List.of(), List.of()),
                new Case("a new route", routes(A), routes(A, B), "added: b; changed: none; removed: none", List.of("b"), List.of()),
                new Case("a route gone", routes(A, B, C), routes(A, C), "added: none; changed: none; removed: b", List.of(), List.of("b")),
                new Case("a route changed", routes(A, B), routes(A2, B), "added: none; changed: a; removed: none", List.of("a"), List.of("a")),
                new Case("all three at once, in the new order", routes(A, B), routes(C, A2), "added: c; changed: a; removed: b",
                        List.of("c", "a"), List.of("a", "b")),
                new Case("from nothing", routes(), routes(B, A), "added: b, a; changed: none; removed: none", List.of("b", "a"), List.of()),
                new Case("to nothing", routes(A, B), routes(), "added: none; changed: none; removed: a, b", List.of(), List.of("a", "b")),
                new Case("reordered only", routes(A, B), routes(B, A), "added: none; changed: none; removed: none", List.of(), List.of()));
    }

    private static DormouseConfig config(String yaml) {
        return ConfigLoader.parse(new StringReader("providers: {box: [{name: local}]}\n" + yaml), "t.yml", Path.of("."), Path.of("t.yml"),
                TestKinds.KINDS);
    }

    @org.junit.jupiter.api.Test
    void aReloadAppliesRoutesAndDefaultsAndNamesTheSectionsThatWaitForARestart() {
        DormouseConfig before = config("routes: [" + A + "]\n");
        assertEquals(List.of(), before.restartNeeded(config("routes: [" + A2 + ", " + B + "]\ndefaults: {idlewatcher: {idle_timeout: 1m}}\n")),
                "routes and defaults take effect at once");
        assertEquals(List.of("server", "runtime"), before.restartNeeded(config(
                "server: {http: ':9090'}\nruntime: {reconcile_interval: 1m}\nroutes: [" + A + "]\n")));
        assertEquals(List.of("providers", "notifications"), before.restartNeeded(ConfigLoader.parse(new StringReader(
                "providers: {box: [{name: local}, {name: other}]}\nnotifications: [{name: n, type: webhook, url: 'http://10.0.0.1/'}]\nroutes: ["
                + A.replace("container: a", "container: 'box:local/a'") + "]\n"),
                "t.yml", Path.of("."), Path.of("t.yml"), TestKinds.KINDS)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void whatChangedAndWhichRoutesAreTouched(Case c) {
        RouteChanges d = RouteChanges.between(c.before(), c.after());
        assertEquals(c.changes(), d.toString(), c.what());
        assertEquals(c.fresh(), d.fresh().stream().map(RouteConfig::name).toList(), "fresh: " + c.what());
        assertEquals(c.replaced(), d.replaced(), "replaced: " + c.what());
        assertEquals(c.changes().equals("added: none; changed: none; removed: none"), d.none(), c.what());
        for (RouteConfig r : d.fresh()) assertTrue(c.after().contains(r), "fresh routes are the new versions: " + c.what());
    }
}
