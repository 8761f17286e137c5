package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dormouse.core.ConfigLoader;
import dev.dormouse.provider.docker.testkit.TestDocker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Container labels that try to take what another route has, against the real daemon and engine: the
 * original route keeps serving, and the claimant is an error route whose reason {@code dormouse routes}
 * shows.
 */
class LabelClaimsIT extends EngineTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every log line of the test, as formatted. */
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        private final SimpleFormatter f = new SimpleFormatter();

        @Override
        public void publish(LogRecord r) {
            log.add(f.formatMessage(r));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void captureLog() {
        capture.setLevel(Level.ALL);
        Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void releaseLog() {
        Logger.getLogger("").removeHandler(capture);
    }

    // ---------------------------------------------------------------- helpers

    /** A daemon with its admin API, a Docker provider with labels, and {@code routes} from the file. */
    private void serve(String routes) throws Exception {
        String yaml = "server:\n  http: \"127.0.0.1:0\"\n  admin: \"127.0.0.1:0\"\n  data_dir: \"" + dir.resolve("data") + "\"\n"
                + "providers:\n  docker: [{name: local, labels: true}]\nroutes:\n" + routes;
        Path cfg = dir.resolve("dormouse.yml");
        Files.writeString(cfg, yaml);
        daemon = new Daemon(ConfigLoader.load(cfg));
        daemon.start();
    }

    /** A busybox httpd on the host network answering {@code body} on {@code port}, with {@code dormouse.enable} and {@code dormouse.port} set. */
    private static void labelledHttpd(String name, int port, String body, String... labels) {
        List<String> args = new ArrayList<>(List.of("--network", "host", "--label", "dormouse.enable=true", "--label", "dormouse.port=" + port));
        for (String l : labels) args.addAll(List.of("--label", l));
        args.addAll(List.of(TestDocker.IMAGE, "sh", "-c", "mkdir -p /www && echo " + body + " > /www/index.html && "
                + "trap 'kill $pid; exit 0' TERM; httpd -f -p 127.0.0.1:" + port + " -h /www & pid=$!; wait"));
        TestDocker.run(name, args.toArray(String[]::new));
    }

    private HttpResponse<String> get(String host) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/")).header("Host", host)
                .header("Accept", "*/*").timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String body(String host) {
        try {
            HttpResponse<String> r = get(host);
            return r.statusCode() + " " + r.body().strip();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private record Cli(int code, String out, String err) {}

    /** {@code dormouse ARGS --admin <the daemon> --token-file <its token>}, in-process. */
    private Cli dormouse(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--admin", "http://127.0.0.1:" + daemon.adminPort(), "--token-file", dir.resolve("data").resolve("admin.token").toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(a.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err), new CliEnv(Map.of(), Clock.systemUTC(), ZoneOffset.UTC));
        return new Cli(code, out.toString(), err.toString());
    }

    /** {@code dormouse routes --json}: the routes, rejected ones included. */
    private List<JsonNode> routes() {
        Cli c = dormouse("routes", "--json");
        assertEquals(0, c.code(), c.err());
        try {
            List<JsonNode> out = new ArrayList<>();
            JSON.readTree(c.out()).get("routes").forEach(out::add);
            return out;
        } catch (Exception e) {
            throw new AssertionError("dormouse routes --json: " + e.getMessage() + "\n" + c.out(), e);
        }
    }

    /** The route of container {@code container} as {@code dormouse routes --json} lists it. */
    private Optional<JsonNode> routeOf(String container) {
        return routes().stream().filter(r -> r.path("container").asText().equals("docker:local/" + container)).findFirst();
    }

    /** Waits until the container's label route is listed as rejected with {@code reason}; returns it. */
    private JsonNode awaitRejected(String container, String reason) {
        ServeIT.await("route of " + container + " rejected: " + reason, () -> routeOf(container)
                .filter(r -> r.path("rejected").asBoolean() && r.path("last_error").asText().equals(reason)).isPresent());
        JsonNode r = routeOf(container).orElseThrow();
        assertEquals("error", r.get("state").asText(), r.toString());
        assertEquals("docker:local", r.get("provider").asText(), r.toString());
        assertTrue(r.get("health").isNull(), "a rejected route is not monitored: " + r);
        return r;
    }

    /** The line of {@code dormouse routes} (the table) that shows {@code route}'s container, in the PROVIDER and CONTAINER columns. */
    private String tableLine(String container) {
        Cli c = dormouse("routes");
        assertEquals(0, c.code(), c.err());
        return c.out().lines().filter(l -> l.matches(".*\\sdocker:local\\s+" + java.util.regex.Pattern.quote(container) + "\\s.*")).findFirst()
                .orElseThrow(() -> new AssertionError("no line for " + container + " in\n" + c.out()));
    }

    private static void awaitAnswer(String what, java.util.function.Supplier<String> got, String want) {
        String[] last = {""};
        try {
            ServeIT.await(what + " (" + want + ")", () -> (last[0] = got.get()).equals(want));
        } catch (AssertionError e) {
            fail(e.getMessage() + "; last answer: " + last[0]);
        }
    }

    // ---------------------------------------------------------------- (a) a host inside a file route's wildcard

    @Test
    void aLabelHostInsideAFileRoutesWildcardIsRejectedAndLoggedOnce() throws Exception {
        int filePort = TestDocker.freePort();
        ServeIT.httpd("apps", filePort, "apps");
        serve("  - {name: apps, hosts: ['*.apps.test'], target: 'http://127.0.0.1:" + filePort + "'}\n");
        assertEquals("200 apps", body("x.apps.test"));

        int port = TestDocker.freePort();
        String grab = ServeIT.name("grab");
        labelledHttpd(grab, port, "hijacked", "dormouse.hosts=x.apps.test");
        TestDocker.waitForPort(port, Duration.ofSeconds(20));
        String reason = "host 'x.apps.test' is covered by route 'apps' (*.apps.test)";
        JsonNode r = awaitRejected(grab, reason);
        assertEquals(grab, r.get("name").asText());
        assertEquals("200 apps", body("x.apps.test"), "the wildcard's owner still serves the host");
        String line = tableLine(grab);
        assertTrue(line.startsWith(grab) && line.contains(" error ") && line.endsWith(reason), line);

        // Later rebuilds find the same rejection again; it is logged once. Outside text in the log is escaped.
        long rebuilds = daemon.labelRebuilds();
        String bad = ServeIT.name("bad");
        TestDocker.run(bad, "--network", "host", "--label", "dormouse.enable=true", "--label", "dormouse.hosts=bad.test",
                "--label", "dormouse.port=1", "--label", "dormouse.idle_timeout=1m'\n[ERROR] forged", TestDocker.IMAGE, "sleep", "600");
        ServeIT.await("the bad container's problem logged", () -> log.stream().anyMatch(l -> l.contains("container '" + bad + "' skipped")));
        String skipped = log.stream().filter(l -> l.contains("container '" + bad + "' skipped")).findFirst().orElseThrow();
        assertTrue(skipped.endsWith("label dormouse.idle_timeout: not a duration: '1m\\x27\\n[ERROR] forged' (use e.g. 500ms, 30s, 15m, 2h, 7d, 1h30m)"),
                skipped);
        assertFalse(skipped.contains("\n"), "one line: " + skipped);
        assertTrue(daemon.labelRebuilds() > rebuilds, "the routes were rebuilt since");
        List<String> rejections = log.stream().filter(l -> l.contains("rejected: " + reason)).toList();
        assertEquals(1, rejections.size(), String.join("\n", rejections));
        assertEquals("labels: route '" + grab + "' of container '" + grab + "' (docker:local) rejected: " + reason, rejections.get(0));
        assertEquals("200 apps", body("x.apps.test"));
    }

    // ---------------------------------------------------------------- (b) two containers, one host

    @Test
    void theOlderContainerKeepsItsHostAndTheNewerTakesOverWhenItGoes() throws Exception {
        serve("");
        // Named so that the newer sorts first: the creation time decides, not the name.
        String older = ServeIT.name("z-older");
        String newer = ServeIT.name("a-newer");
        int olderPort = TestDocker.freePort();
        labelledHttpd(older, olderPort, "older", "dormouse.hosts=same.test");
        awaitAnswer("the older container serves", () -> body("same.test"), "200 older");
        // Docker's list gives Created in whole seconds: start the newer in a later second than the older.
        Instant created = Instant.parse(TestDocker.exec("inspect", "-f", "{{.Created}}", older).strip());
        ServeIT.await("a second after the older was created", () -> Instant.now().getEpochSecond() > created.getEpochSecond());

        int newerPort = TestDocker.freePort();
        labelledHttpd(newer, newerPort, "newer", "dormouse.hosts=same.test");
        TestDocker.waitForPort(newerPort, Duration.ofSeconds(20));
        String reason = "host 'same.test' is used by route '" + older + "'";
        awaitRejected(newer, reason);
        assertEquals("200 older", body("same.test"), "the older keeps serving after the newer started");
        assertTrue(tableLine(newer).endsWith(reason), tableLine(newer));
        assertFalse(routeOf(older).orElseThrow().get("rejected").asBoolean(), "the older is in use");

        TestDocker.exec("rm", "-f", older);
        awaitAnswer("the newer takes over once the older is gone", () -> body("same.test"), "200 newer");
        JsonNode now = routeOf(newer).orElseThrow();
        assertFalse(now.get("rejected").asBoolean(), now.toString());
        assertEquals("ready", now.get("state").asText(), now.toString());
        assertEquals(Optional.empty(), routeOf(older));
    }

    // ---------------------------------------------------------------- (c) one UDP port, two spellings

    @Test
    void aLabelListenerOnAFileRoutesUdpPortIsRejectedWhateverTheAddress() throws Exception {
        int listen = TestDocker.freePort();
        try (DatagramSocket upstream = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            // The file route's upstream marks its answers, so an answer from anyone else shows.
            Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[2048];
                while (!upstream.isClosed()) {
                    try {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        upstream.receive(p);
                        byte[] a = ("file:" + new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
                        upstream.send(new DatagramPacket(a, a.length, p.getSocketAddress()));
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            serve("  - {name: dns, listen: 'udp://127.0.0.1:" + listen + "', target: 'udp://127.0.0.1:" + upstream.getLocalPort() + "'}\n");
            assertEquals("file:one", ask(listen, "one"));

            int app = TestDocker.freePort();
            String grab = ServeIT.name("udp-grab");
            TestDocker.run(grab, "--network", "host", "--label", "dormouse.enable=true", "--label", "dormouse.scheme=udp",
                    "--label", "dormouse.listen=udp://:" + listen, "--label", "dormouse.port=" + app, TestDocker.IMAGE, "echod", "udp",
                    Integer.toString(app));
            String reason = "listener udp port " + listen + " is used by route 'dns' (udp://127.0.0.1:" + listen + ")";
            awaitRejected(grab, reason);
            assertTrue(tableLine(grab).endsWith(reason), tableLine(grab));
            for (int i = 0; i < 20; i++) assertEquals("file:n" + i, ask(listen, "n" + i), "every datagram reaches the file route's upstream");
            assertTrue(daemon.streams().stats(grab).isEmpty(), "no listener for the claimant");
        }
    }

    /** Sends {@code text} to 127.0.0.1:port and returns the answer. */
    private static String ask(int port, String text) throws Exception {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(10_000);
            byte[] d = text.getBytes(StandardCharsets.UTF_8);
            s.send(new DatagramPacket(d, d.length, new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
            byte[] buf = new byte[2048];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
            } catch (SocketTimeoutException e) {
                return "(no answer)";
            }
            return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
        }
    }

    // ---------------------------------------------------------------- (d) dependency cycles and unknown dependencies

    @Test
    void labelRoutesWithADependencyCycleOrAnUnknownDependencyAreRejected() throws Exception {
        int filePort = TestDocker.freePort();
        ServeIT.httpd("web", filePort, "web");
        serve("  - {name: web, hosts: [web.test], target: 'http://127.0.0.1:" + filePort + "'}\n");
        String a = ServeIT.name("loop-a");
        String b = ServeIT.name("loop-b");
        String orphan = ServeIT.name("orphan");
        int pa = TestDocker.freePort();
        int pb = TestDocker.freePort();
        int po = TestDocker.freePort();
        labelledHttpd(a, pa, "a", "dormouse.hosts=loop-a.test", "dormouse.depends_on=" + b);
        labelledHttpd(b, pb, "b", "dormouse.hosts=loop-b.test", "dormouse.depends_on=" + a);
        labelledHttpd(orphan, po, "orphan", "dormouse.hosts=orphan.test", "dormouse.depends_on=ghost");
        for (int p : List.of(pa, pb, po)) TestDocker.waitForPort(p, Duration.ofSeconds(20));

        // a was created first (or, in the same second, sorts first), so b closes the cycle.
        String cycle = "dependency cycle: " + b + " -> " + a + " -> " + b;
        awaitRejected(b, cycle);
        awaitRejected(a, "depends_on: route '" + b + "' was rejected (" + cycle + ")");
        awaitRejected(orphan, "depends_on: unknown route 'ghost'");
        assertTrue(tableLine(orphan).endsWith("depends_on: unknown route 'ghost'"), tableLine(orphan));
        assertTrue(tableLine(b).endsWith(cycle), tableLine(b));
        for (String h : List.of("loop-a.test", "loop-b.test", "orphan.test")) assertEquals(404, get(h).statusCode(), h + " serves nothing");
        assertEquals("200 web", body("web.test"), "the file route still serves");
        assertEquals(List.of("web"), daemon.routes().stream().map(dev.dormouse.core.RouteConfig::name).toList());
    }
}
