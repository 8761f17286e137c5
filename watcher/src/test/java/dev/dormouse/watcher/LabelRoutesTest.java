package dev.dormouse.watcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.ContainerRef;
import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.StopMethod;
import dev.dormouse.core.spi.ContainerHealth;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.ProviderConfig;
import java.io.StringReader;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LabelRoutesTest {
    /** A provider with labels, as its kind's factory would parse it; LabelRoutes sees no more than this. */
    record Labelled(String kind, String name) implements ProviderConfig {
        public boolean labels() {
            return true;
        }

        public String endpoint() {
            return kind + " " + name;
        }
    }

    private static final ProviderConfig LOCAL = new Labelled("docker", "local");
    private static final DormouseConfig CFG = ConfigLoader.parse(new StringReader(
            "defaults: {idlewatcher: {stop_method: pause, wake_timeout: 20s}, healthcheck: {interval: 10s}}\n"), "t.yml", Path.of("."), Path.of("t.yml"));

    static ContainerState container(String name, ContainerStatus status, String address, String... labels) {
        Map<String, String> l = new HashMap<>();
        for (int i = 0; i < labels.length; i += 2) l.put(labels[i], labels[i + 1]);
        return new ContainerState("id-" + name, name, status, ContainerHealth.NONE, "img", 0, 0, Optional.empty(), Optional.empty(), l, address);
    }

    static LabelRoutes.Result build(ContainerState... cs) {
        return LabelRoutes.build(List.of(cs), LOCAL, CFG.defaultIdle(), CFG.defaultHealthcheck());
    }

    @Test
    void anEnabledContainerBecomesARouteWithDefaultsUnderItsLabels() {
        LabelRoutes.Result r = build(container("Whoami_1", ContainerStatus.STOPPED, "",
                "dormouse.enable", "true", "dormouse.hosts", "whoami.example.com, *.who.example.com", "dormouse.port", "8081",
                "dormouse.idle_timeout", "15m", "dormouse.depends_on", "db", "dormouse.healthcheck.path", "/health"));
        assertEquals(List.of(), r.problems());
        RouteConfig route = r.routes().get(0).route();
        assertEquals("docker:local", r.routes().get(0).provider());
        assertEquals("Whoami_1", r.routes().get(0).container());
        assertEquals("whoami-1", route.name());
        assertEquals(List.of("whoami.example.com", "*.who.example.com"), route.hosts());
        assertTrue(route.targetFromContainer(), "the address is found when the container starts");
        assertEquals(URI.create("http://172.17.0.9:8081"), route.targetAt("172.17.0.9"));
        assertEquals(new ContainerRef("docker", "local", "Whoami_1"), route.container().orElseThrow());
        assertEquals(Duration.ofMinutes(15), route.idle().idleTimeout());
        assertEquals(StopMethod.PAUSE, route.idle().stopMethod(), "from defaults");
        assertEquals(Duration.ofSeconds(20), route.idle().wakeTimeout(), "from defaults");
        assertEquals(List.of("db"), route.idle().dependsOn());
        assertEquals("/health", route.healthcheck().path());
        assertEquals(Duration.ofSeconds(10), route.healthcheck().interval(), "from defaults");
    }

    @Test
    void table() {
        Object[][] cases = {
            // labels..., expected target or problem
            {new String[] {"dormouse.enable", "false", "dormouse.hosts", "a.t", "dormouse.port", "80"}, "no route"},
            {new String[] {"dormouse.hosts", "a.t", "dormouse.port", "80"}, "no route"},
            {new String[] {"dormouse.enable", "true", "dormouse.hosts", "a.t"}, "label dormouse.port: required"},
            {new String[] {"dormouse.enable", "true", "dormouse.port", "80"}, "label dormouse.hosts: required for an HTTP route"},
            {new String[] {"dormouse.enable", "true", "dormouse.hosts", "a.t", "dormouse.port", "http"}, "label dormouse.port: "},
            {new String[] {"dormouse.enable", "true", "dormouse.hosts", "bad host", "dormouse.port", "80"}, "label dormouse.hosts: not a host name"},
            {new String[] {"dormouse.enable", "true", "dormouse.hosts", "a.t", "dormouse.port", "80", "dormouse.idle_timeout", "soon"},
                "label dormouse.idle_timeout: not a duration: 'soon'"},
            {new String[] {"dormouse.enable", "true", "dormouse.hosts", "a.t", "dormouse.port", "80", "dormouse.stop_method", "halt"},
                "label dormouse.stop_method: must be pause, stop or kill, got 'halt'"},
            {new String[] {"dormouse.enable", "true", "dormouse.hosts", "a.t", "dormouse.port", "80", "dormouse.no_loading_page", "yes"},
                "label dormouse.no_loading_page: must be true or false, got 'yes'"},
            {new String[] {"dormouse.enable", "true", "dormouse.hosts", "a.t", "dormouse.port", "80", "dormouse.idel_timeout", "1m"},
                "unknown label dormouse.idel_timeout"},
            {new String[] {"dormouse.enable", "true", "dormouse.hosts", "a.t", "dormouse.port", "443", "dormouse.scheme", "https"}, "https://:443"},
            {new String[] {"dormouse.enable", "true", "dormouse.listen", "udp://:5353", "dormouse.port", "53"}, "udp://:53"},
            {new String[] {"dormouse.enable", "true", "dormouse.scheme", "tcp", "dormouse.port", "22"}, "label dormouse.listen: required for a tcp route"},
            {new String[] {"dormouse.enable", "TRUE", "dormouse.hosts", "a.t", "dormouse.port", "80", "unrelated.label", "x"}, "http://:80"},
        };
        for (Object[] c : cases) {
            LabelRoutes.Result r = build(container("app", ContainerStatus.RUNNING, "10.0.0.7", (String[]) c[0]));
            String want = (String) c[1];
            String got = r.routes().isEmpty() ? (r.problems().isEmpty() ? "no route" : r.problems().get(0)) : r.routes().get(0).route().target().toString();
            assertTrue(got.contains(want), "labels " + List.of((String[]) c[0]) + ": want " + want + ", got " + got);
            if (!r.problems().isEmpty()) assertTrue(r.problems().get(0).startsWith("docker local: container 'app' skipped: "), r.problems().get(0));
        }
    }

    @Test
    void aBadContainerNeverAffectsTheOthers() {
        LabelRoutes.Result r = build(
                container("good", ContainerStatus.RUNNING, "", "dormouse.enable", "true", "dormouse.hosts", "good.t", "dormouse.port", "80"),
                container("bad", ContainerStatus.RUNNING, "", "dormouse.enable", "true", "dormouse.hosts", "bad.t"),
                container("gone", ContainerStatus.MISSING, "", "dormouse.enable", "true", "dormouse.hosts", "gone.t", "dormouse.port", "80"));
        assertEquals(List.of("good"), r.routes().stream().map(x -> x.route().name()).toList());
        assertEquals(List.of("docker local: container 'bad' skipped: label dormouse.port: required"), r.problems());
    }

    @Test
    void anyKindWithLabelsDeclaresRoutesOfItsOwnContainers() {
        ProviderConfig edge = new Labelled("podman", "edge");
        LabelRoutes.Result r = LabelRoutes.build(List.of(
                container("web", ContainerStatus.STOPPED, "", "dormouse.enable", "true", "dormouse.hosts", "web.t", "dormouse.port", "80"),
                container("bad", ContainerStatus.STOPPED, "", "dormouse.enable", "true", "dormouse.hosts", "bad.t")),
                edge, CFG.defaultIdle(), CFG.defaultHealthcheck());
        assertEquals(new ContainerRef("podman", "edge", "web"), r.routes().get(0).route().container().orElseThrow());
        assertEquals("podman:edge", r.routes().get(0).provider());
        assertEquals(List.of("podman edge: container 'bad' skipped: label dormouse.port: required"), r.problems());
    }

    @Test
    void theSameContainerNameOnTwoEnginesGivesTwoRoutesThatNeverClash() {
        ProviderConfig far = new Labelled("docker", "far");
        ContainerState web = container("web", ContainerStatus.RUNNING, "", "dormouse.enable", "true", "dormouse.hosts", "web.t", "dormouse.port", "80");
        ContainerState farWeb = container("web", ContainerStatus.RUNNING, "", "dormouse.enable", "true", "dormouse.hosts", "web.far.t",
                "dormouse.port", "80");
        ContainerState named = container("web2", ContainerStatus.RUNNING, "", "dormouse.enable", "true", "dormouse.hosts", "w2.far.t",
                "dormouse.port", "80", "dormouse.name", "intranet");
        List<dev.dormouse.core.RouteSet.Label> labels = new java.util.ArrayList<>(LabelRoutes.build(List.of(web), LOCAL, true, CFG.defaultIdle(),
                CFG.defaultHealthcheck()).routes());
        LabelRoutes.Result r = LabelRoutes.build(List.of(farWeb, named), far, false, CFG.defaultIdle(), CFG.defaultHealthcheck());
        assertEquals(List.of(), r.problems());
        labels.addAll(r.routes());
        assertEquals(List.of("web", "web-far", "intranet"), labels.stream().map(x -> x.route().name()).toList(),
                "the first provider with labels keeps container names; others add -<provider>; dormouse.name wins");
        assertEquals(new ContainerRef("docker", "far", "web"), labels.get(1).route().container().orElseThrow());
        dev.dormouse.core.RouteSet.Result merged = dev.dormouse.core.RouteSet.merge(List.of(), labels);
        assertEquals(List.of(), merged.rejected(), "different routes of different engines");
        assertEquals(3, merged.accepted().size());
        assertEquals(List.of("docker far: container 'x' skipped: label dormouse.name: must be [a-z0-9-], got 'Not_OK'"),
                LabelRoutes.build(List.of(container("x", ContainerStatus.RUNNING, "", "dormouse.enable", "true", "dormouse.hosts", "x.t",
                        "dormouse.port", "80", "dormouse.name", "Not_OK")), far, false, CFG.defaultIdle(), CFG.defaultHealthcheck()).problems());
    }

    @Test
    void theContainersCreationTimeGoesWithItsRoute() {
        java.time.Instant created = java.time.Instant.parse("2026-11-30T10:00:00Z");
        ContainerState c = container("app", ContainerStatus.RUNNING, "", "dormouse.enable", "true", "dormouse.hosts", "a.t", "dormouse.port", "80");
        c = new ContainerState(c.id(), c.name(), c.status(), c.health(), c.image(), 0, 0, Optional.empty(), Optional.of(created), c.labels(), "");
        assertEquals(Optional.of(created), build(c).routes().get(0).createdAt());
    }

    @Test
    void outsideTextInProblemsIsEscaped() {
        String[][] cases = {
            // label, value, what the problem shows
            {"dormouse.idle_timeout", "1m'\n[ERROR] forged", "label dormouse.idle_timeout: not a duration: '1m\\x27\\n[ERROR] forged'"},
            {"dormouse.listen", "udp://:53\u001b[2J", "label dormouse.listen: needs a numeric port, got 'udp://:53\\x1b[2J'"},
            {"dormouse.hosts", "a.t\u202e", "label dormouse.hosts: not a host name (letters, digits, '-' and '.'), got 'a.t\\u202E'"},
            {"dormouse.stop_method", "\"halt\"", "got '\\x22halt\\x22'"},
            {"dormouse.no_loading_page", "x".repeat(5000), "got '" + "x".repeat(100) + "... (5000 chars)'"},
            {"dormouse.healthcheck.path", "h\u0000", "must start with '/', got 'h\\x00'"},
            {"dormouse.start_endpoint", "s\\", "must start with '/', got 's\\x5c'"},
            {"dormouse.port", "8\u00850", "label dormouse.port: not a URL: 'http://:8\\x850'"},
            {"dormouse.b\nogus", "1", "unknown label dormouse.b\\nogus"},
        };
        for (String[] c : cases) {
            Map<String, String> labels = new HashMap<>(Map.of("dormouse.enable", "true", "dormouse.hosts", "a.t", "dormouse.port", "80"));
            labels.put(c[0], c[1]);
            LabelRoutes.Result r = build(new ContainerState("id", "app", ContainerStatus.RUNNING, ContainerHealth.NONE, "img", 0, 0, Optional.empty(),
                    Optional.empty(), labels, ""));
            assertEquals(1, r.problems().size(), c[0] + ": " + r.problems());
            String p = r.problems().get(0);
            assertTrue(p.contains(c[2]), c[0] + ": want " + c[2] + ", got " + p);
            assertTrue(p.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f), "only printable ASCII here: " + p);
        }
        ContainerState odd = container("app\u0007\"x", ContainerStatus.RUNNING, "", "dormouse.enable", "true", "dormouse.hosts", "a.t");
        assertEquals(List.of("docker local: container 'app\\x07\\x22x' skipped: label dormouse.port: required"), build(odd).problems());
    }
}
