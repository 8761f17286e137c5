package dev.dormouse.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.StringReader;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RouteSetTest {
    /** File routes used by the cases: a wildcard, exact hosts, a stream listener, a route without a container. */
    private static final List<RouteConfig> FILE = ConfigLoader.parse(new StringReader("""
            providers: {box: [{name: local}]}
            routes:
              - {name: apps, hosts: ['*.apps.t'], container: apps}
              - {name: web, hosts: [web.t, a.apps.t], container: web}
              - {name: dns, listen: 'udp://127.0.0.1:5353', target: 'udp://:53', container: dns}
              - {name: plain, hosts: [plain.t], target: 'http://10.0.0.1:80'}
              - {name: deep, hosts: ['*.deep.apps.t'], container: deep}
            """), "t.yml", Path.of("."), Path.of("t.yml"), TestKinds.KINDS).routes();

    /**
     * A label route of container {@code container} (route name from it), created {@code created} seconds
     * after the epoch (-1: unknown), with {@code claims}: comma-separated hosts, or a {@code tcp://} /
     * {@code udp://} listener; then its dependencies.
     */
    static RouteSet.Label label(String container, long created, String claims, String... deps) {
        boolean stream = claims.startsWith("tcp://") || claims.startsWith("udp://");
        List<String> hosts = stream ? List.of() : Arrays.asList(claims.split(","));
        Optional<ListenAddress> listen = stream ? Optional.of(ListenAddress.parseStream(claims)) : Optional.empty();
        URI target = URI.create((stream ? claims.substring(0, 3) : "http") + "://:80");
        IdleConfig idle = new IdleConfig(Duration.ZERO, StopMethod.STOP, "SIGTERM", Duration.ofSeconds(10), Duration.ofSeconds(60), List.of(deps),
                Optional.empty(), false, true, UserAgentFilter.NONE, IdleConfig.DEFAULT_MAX_HELD_REQUESTS);
        String name = container.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        RouteConfig r = new RouteConfig(name, hosts, target, listen, Optional.of(new ContainerRef("docker", "local", container)), idle,
                HealthcheckConfig.DEFAULT, Optional.empty(), StreamConfig.DEFAULT);
        return new RouteSet.Label(r, "docker:local", container, created < 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(created)));
    }

    record Case(String what, List<RouteSet.Label> labels, List<String> accepted, List<String> rejected) {}

    static Case c(String what, List<RouteSet.Label> labels, List<String> accepted, String... rejected) {
        return new Case(what, labels, accepted, List.of(rejected));
    }

    private static final List<String> F = List.of("apps", "web", "dns", "plain", "deep");

    private static List<String> plus(String... labelRoutes) {
        List<String> out = new ArrayList<>(F);
        out.addAll(List.of(labelRoutes));
        return out;
    }

    static final List<Case> CASES = List.of(
            // ------------------------------------------------ hosts
            c("an exact host of a file route", List.of(label("x", 1, "web.t")), F,
                    "x: host 'web.t' is used by route 'web'"),
            c("a host inside a file route's wildcard", List.of(label("x", 1, "x.apps.t")), F,
                    "x: host 'x.apps.t' is covered by route 'apps' (*.apps.t)"),
            c("two labels deeper, as the router matches", List.of(label("x", 1, "a.b.apps.t")), F,
                    "x: host 'a.b.apps.t' is covered by route 'apps' (*.apps.t)"),
            c("a narrower wildcard inside a file route's wildcard", List.of(label("x", 1, "*.x.apps.t")), F,
                    "x: host '*.x.apps.t' is covered by route 'apps' (*.apps.t)"),
            c("the same wildcard", List.of(label("x", 1, "*.apps.t")), F,
                    "x: host '*.apps.t' is used by route 'apps'"),
            c("one bad host of several is enough", List.of(label("x", 1, "free.t,web.t")), F,
                    "x: host 'web.t' is used by route 'web'"),
            c("the wildcard's apex is not inside it", List.of(label("x", 1, "apps.t")), plus("x")),
            c("a wider wildcard takes nothing that is exact", List.of(label("x", 1, "*.t")), plus("x")),
            c("a lookalike suffix is not inside", List.of(label("x", 1, "xapps.t")), plus("x")),
            c("two labels, one host: the older container wins whatever its name",
                    List.of(label("a-new", 20, "same.t"), label("z-old", 10, "same.t")), plus("z-old"),
                    "a-new: host 'same.t' is used by route 'z-old'"),
            c("created in the same second: the name decides",
                    List.of(label("b", 10, "same.t"), label("a", 10, "same.t")), plus("a"),
                    "b: host 'same.t' is used by route 'a'"),
            c("no creation time counts as the newest",
                    List.of(label("a", -1, "same.t"), label("b", 99, "same.t")), plus("b"),
                    "a: host 'same.t' is used by route 'b'"),
            c("an older label's wildcard covers a newer label's host",
                    List.of(label("old", 1, "*.lab.t"), label("new", 2, "x.lab.t")), plus("old"),
                    "new: host 'x.lab.t' is covered by route 'old' (*.lab.t)"),
            c("the most specific covering wildcard is named, as the router would pick it",
                    List.of(label("x", 1, "x.deep.apps.t")), F,
                    "x: host 'x.deep.apps.t' is covered by route 'deep' (*.deep.apps.t)"),
            c("a newer label's wildcard does not take an older label's host",
                    List.of(label("old", 1, "x.lab.t"), label("new", 2, "*.lab.t")), plus("old", "new")),
            // ------------------------------------------------ names
            c("a file route's name", List.of(label("web", 1, "other.t")), F,
                    "web: route name 'web' is taken by a route of the config file"),
            c("two containers with one route name: the older keeps it",
                    List.of(label("my_app", 2, "a.t"), label("my.app", 1, "b.t")), plus("my-app"),
                    "my-app: route name 'my-app' is taken by container 'my.app' (docker:local)"),
            c("a container name in a reason is escaped",
                    List.of(label("a\"b", 1, "a.t"), label("a_b", 2, "b.t")), plus("a-b"),
                    "a-b: route name 'a-b' is taken by container 'a\\x22b' (docker:local)"),
            // ------------------------------------------------ listeners
            c("udp://:5353 against a file route's udp://127.0.0.1:5353", List.of(label("x", 1, "udp://:5353")), F,
                    "x: listener udp port 5353 is used by route 'dns' (udp://127.0.0.1:5353)"),
            c("another address spelling", List.of(label("x", 1, "udp://0.0.0.0:5353")), F,
                    "x: listener udp port 5353 is used by route 'dns' (udp://127.0.0.1:5353)"),
            c("tcp on the port of a udp route", List.of(label("x", 1, "tcp://:5353")), plus("x")),
            c("two labels on one port: the older wins",
                    List.of(label("new", 2, "tcp://127.0.0.1:2222"), label("old", 1, "tcp://:2222")), plus("old"),
                    "new: listener tcp port 2222 is used by route 'old' (tcp://0.0.0.0:2222)"),
            // ------------------------------------------------ dependencies
            c("an unknown dependency", List.of(label("x", 1, "x.t", "ghost")), F,
                    "x: depends_on: unknown route 'ghost'"),
            c("a dependency without a container", List.of(label("x", 1, "x.t", "plain")), F,
                    "x: depends_on: route 'plain' has no container to wake"),
            c("a file route with a container", List.of(label("x", 1, "x.t", "web")), plus("x")),
            c("an older label on a newer one", List.of(label("front", 1, "f.t", "db"), label("db", 2, "db.t")), plus("front", "db")),
            c("a cycle: the newest closes it, the other depends on it",
                    List.of(label("a", 1, "a.t", "b"), label("b", 2, "b.t", "a")), F,
                    "a: depends_on: route 'b' was rejected (dependency cycle: b -> a -> b)",
                    "b: dependency cycle: b -> a -> b"),
            c("a cycle of one", List.of(label("a", 1, "a.t", "a")), F, "a: dependency cycle: a -> a"),
            c("a longer cycle spares the route that only leads into it",
                    List.of(label("a", 1, "a.t", "b"), label("b", 2, "b.t", "c"), label("c", 3, "c.t", "b"), label("d", 4, "d.t")), plus("d"),
                    "a: depends_on: route 'b' was rejected (dependency cycle: c -> b -> c)",
                    "b: depends_on: route 'c' was rejected (dependency cycle: c -> b -> c)",
                    "c: dependency cycle: c -> b -> c"),
            c("a dependency rejected for its host",
                    List.of(label("db", 1, "web.t"), label("front", 2, "f.t", "db")), F,
                    "db: host 'web.t' is used by route 'web'",
                    "front: depends_on: route 'db' was rejected (host 'web.t' is used by route 'web')"),
            c("transitively, naming the first cause",
                    List.of(label("c", 3, "c.t", "b"), label("b", 2, "b.t", "a"), label("a", 1, "a.t", "ghost")), F,
                    "a: depends_on: unknown route 'ghost'",
                    "b: depends_on: route 'a' was rejected (depends_on: unknown route 'ghost')",
                    "c: depends_on: route 'b' was rejected (depends_on: unknown route 'ghost')"),
            c("a name held by a file route resolves to it, though a label claimed it too",
                    List.of(label("web", 1, "w2.t"), label("x", 2, "x.t", "web")), plus("x"),
                    "web: route name 'web' is taken by a route of the config file"),
            // ------------------------------------------------ a rejected route holds nothing
            c("rejected for its dependency: a newer container takes the host",
                    List.of(label("old", 1, "same.t", "ghost"), label("new", 2, "same.t")), plus("new"),
                    "old: depends_on: unknown route 'ghost'"),
            c("rejected for one host: its other hosts are free",
                    List.of(label("old", 1, "web.t,free.t"), label("new", 2, "free.t")), plus("new"),
                    "old: host 'web.t' is used by route 'web'"),
            c("freed by a cycle, then the newcomer's own dependency is checked",
                    List.of(label("a", 1, "same.t", "b"), label("b", 2, "b.t", "a"), label("c", 3, "same.t", "ghost"), label("d", 4, "same.t")),
                    plus("d"),
                    "a: depends_on: route 'b' was rejected (dependency cycle: b -> a -> b)",
                    "b: dependency cycle: b -> a -> b",
                    "c: depends_on: unknown route 'ghost'"),
            // ------------------------------------------------ order
            c("accepted: file routes, then labels oldest first",
                    List.of(label("c", 30, "c.t"), label("a", 10, "a.t"), label("b", 20, "b.t")), plus("a", "b", "c")));

    @Test
    void table() {
        List<String> failures = new ArrayList<>();
        for (Case k : CASES) {
            RouteSet.Result r = RouteSet.merge(FILE, k.labels());
            List<String> accepted = r.accepted().stream().map(RouteConfig::name).toList();
            List<String> rejected = r.rejected().stream().map(x -> x.route().name() + ": " + x.reason()).toList();
            if (!accepted.equals(k.accepted()) || !rejected.equals(k.rejected())) {
                failures.add(k.what() + ":\n  accepted " + accepted + "\n  want     " + k.accepted() + "\n  rejected " + rejected + "\n  want     " + k.rejected());
            }
            // The outcome does not depend on the order the providers listed the containers in.
            List<RouteSet.Label> shuffled = new ArrayList<>(k.labels());
            Collections.shuffle(shuffled, new Random(k.what().hashCode()));
            if (!RouteSet.merge(FILE, shuffled).equals(r)) failures.add(k.what() + ": depends on the listing order");
        }
        assertEquals("", String.join("\n", failures));
    }

    @Test
    void fileRoutesAreKeptAsTheyAre() {
        RouteSet.Result r = RouteSet.merge(FILE, List.of());
        assertEquals(FILE, r.accepted());
        assertEquals(List.of(), r.rejected());
    }

    @Test
    void aLabelNeedsItsProvenance() {
        RouteConfig r = label("x", 1, "x.t").route();
        assertThrows(IllegalArgumentException.class, () -> new RouteSet.Label(r, "", "x", Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new RouteSet.Label(r, "docker:local", " ", Optional.empty()));
        assertThrows(NullPointerException.class, () -> new RouteSet.Label(null, "docker:local", "x", Optional.empty()));
    }

    @Test
    void manyContainersOnOneHostMergeInOnePassEach() {
        List<RouteSet.Label> labels = new ArrayList<>();
        for (int i = 0; i < 2000; i++) labels.add(label("c" + i, 1000 + i, "same.t"));
        long started = System.nanoTime();
        RouteSet.Result r = RouteSet.merge(FILE, labels);
        assertEquals(plus("c0"), r.accepted().stream().map(RouteConfig::name).toList());
        assertEquals(1999, r.rejected().size());
        assertEquals("host 'same.t' is used by route 'c0'", r.rejected().get(1998).reason());
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.println("merge of 2,000 label routes on one host: " + ms + " ms");
    }
}
