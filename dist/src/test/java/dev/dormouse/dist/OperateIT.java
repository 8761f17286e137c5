package dev.dormouse.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dormouse.cli.testkit.PromText;
import dev.dormouse.provider.docker.testkit.TestDocker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operating the unpacked tarball as a user does: one real daemon ({@code bin/dormouse serve}) in front of
 * real containers, driven only through the CLI and the admin API. The tests run in order on one daemon.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperateIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String SUFFIX = Long.toHexString(ProcessHandle.current().pid());

    @TempDir
    static Path home;
    static Path bin;
    static Path cfg;
    static Path data;
    static Process daemon;
    static int proxyPort;
    static int adminPort;
    static String app;
    static String old;

    @BeforeAll
    static void start() throws Exception {
        TestDocker.ensureEngine();
        Path tarball = Path.of(System.getProperty("dormouse.tarball"));
        assertTrue(Files.exists(tarball), "no tarball at " + tarball);
        assertEquals(0, new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", home.toString()).inheritIO().start().waitFor());
        bin = home.resolve("dormouse-" + System.getProperty("dormouse.version")).resolve("bin/dormouse");

        int appPort = TestDocker.freePort();
        app = "dm-op-app-" + SUFFIX;
        TestDocker.run(app, "--network", "host", TestDocker.IMAGE, "sh", "-c",
                "mkdir -p /www && echo operated > /www/index.html && trap 'kill $pid; exit 0' TERM; httpd -f -p 127.0.0.1:" + appPort
                        + " -h /www & pid=$!; wait");
        TestDocker.waitForPort(appPort, Duration.ofSeconds(20));
        TestDocker.exec("stop", app);
        old = "dm-op-old-" + SUFFIX;
        TestDocker.run(old, "--network", "host", TestDocker.IMAGE, "true");
        await("the retained container exited", Duration.ofSeconds(20), () -> TestDocker.inspectStatus(old).equals("exited"));

        proxyPort = TestDocker.freePort();
        adminPort = TestDocker.freePort();
        data = home.resolve("data");
        cfg = home.resolve("dormouse.yml");
        Files.writeString(cfg, """
                server: {http: "127.0.0.1:%d", admin: "127.0.0.1:%d", data_dir: "%s"}
                providers: {docker: [{name: local}]}
                routes:
                  - {name: app, hosts: [app.test], target: "http://127.0.0.1:%d", container: %s, idlewatcher: {idle_timeout: 1h, wake_timeout: 30s}}
                  - {name: old, hosts: [old.test], target: "http://127.0.0.1:1", container: %s, retention: 1s, healthcheck: {disable: true}}
                """.formatted(proxyPort, adminPort, data, appPort, app, old));
        daemon = new ProcessBuilder(bin.toString(), "serve", "--config", cfg.toString())
                .redirectErrorStream(true).redirectOutput(home.resolve("serve.log").toFile()).start();
        waitForPort(adminPort);
        waitForPort(proxyPort);
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.destroy();
            if (!daemon.waitFor(20, TimeUnit.SECONDS)) daemon.destroyForcibly();
        }
        TestDocker.removeAll();
        if (home != null && Files.exists(home.resolve("serve.log"))) {
            String log = Files.readString(home.resolve("serve.log"));
            String token = Files.exists(data.resolve("admin.token")) ? Files.readString(data.resolve("admin.token")).strip() : "";
            assertFalse(!token.isEmpty() && log.contains(token), "the admin token is in the daemon's log");
        }
    }

    // ------------------------------------------------------------------ must show 1: the commands

    @Test
    @Order(1)
    void routesShowsEveryRouteInATableAndAsJson() throws Exception {
        Run t = cli("routes");
        assertEquals(0, t.exit, t.all());
        List<String> lines = t.out.lines().toList();
        assertTrue(lines.get(0).matches("(?i)NAME\\s+.*STATE.*"), "a header row: " + t.out);
        String appLine = lines.stream().filter(l -> l.startsWith("app ")).findFirst().orElseThrow(() -> new AssertionError(t.out));
        assertTrue(appLine.contains("napping"), appLine);
        assertColumnsAligned(lines);

        JsonNode j = json(cli("routes", "--json"));
        JsonNode route = find(j.get("routes"), "name", "app");
        assertEquals("napping", route.get("state").asText());
        assertEquals("docker:local/" + app, route.get("container").asText());
        assertEquals("1h", route.get("idle_timeout").asText());
    }

    @Test
    @Order(2)
    void wakeShowsProgressUntilReadyAndTheRouteAnswers() throws Exception {
        Run w = cli("wake", "app");
        assertEquals(0, w.exit, w.all());
        assertTrue(w.out.contains("container_started") || w.out.contains("starting"), "progress lines: " + w.out);
        assertTrue(w.out.toLowerCase().contains("ready"), w.out);
        assertEquals("running", TestDocker.inspectStatus(app));
        assertEquals("ready", find(json(cli("routes", "--json")).get("routes"), "name", "app").get("state").asText());
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + "/")).header("Host", "app.test")
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("operated", r.body().strip());

        Run again = cli("wake", "app", "--json");
        assertEquals(0, again.exit, again.all());
        assertEquals("ready", json(again).get("state").asText(), "waking a ready route answers at once");

        Run missing = cli("wake", "nope");
        assertEquals(1, missing.exit, missing.all());
        assertEquals(1, missing.err.strip().lines().count(), "one line: " + missing.err);
        assertTrue(missing.err.startsWith("dormouse: ") && missing.err.contains("nope"), missing.err);
    }

    @Test
    @Order(3)
    void sleepStopsTheContainerAndEverythingIsOnRecord() throws Exception {
        Run s = cli("sleep", "app");
        assertEquals(0, s.exit, s.all());
        assertTrue(s.out.contains("napping"), s.out);
        assertEquals("exited", TestDocker.inspectStatus(app));

        Run rt = cli("runtimes");
        assertEquals(0, rt.exit, rt.all());
        String line = rt.out.lines().filter(l -> l.startsWith("app ")).findFirst().orElseThrow(() -> new AssertionError(rt.out));
        assertTrue(line.contains("stopped"), line);
        assertColumnsAligned(rt.out.lines().toList());
        JsonNode rj = find(json(cli("runtimes", "--json")).get("runtimes"), "runtime_id", "app");
        assertEquals("stopped", rj.get("status").asText());
        assertEquals(TestDocker.exec("inspect", "-f", "{{.Id}}", app).strip(), rj.get("container_id").asText());

        JsonNode ops = json(cli("ops", "--runtime", "app", "--json")).get("operations");
        assertEquals("stop/admin/success", row(ops.get(0)));
        assertEquals("start/admin/success", row(ops.get(1)));
        assertTrue(ops.get(0).get("duration_ms").asLong() >= 0);
        Run ot = cli("ops", "--runtime", "app", "--limit", "2");
        assertEquals(0, ot.exit, ot.all());
        List<String> rows = ot.out.lines().skip(1).toList();
        assertEquals(2, rows.size(), ot.out);
        assertTrue(rows.get(0).contains("stop") && rows.get(0).contains("admin") && rows.get(0).contains("success"), ot.out);
        assertEquals(1, json(cli("ops", "--runtime", "app", "--limit", "1", "--json")).get("operations").size());

        Run bad = cli("ops", "--limit", "0");
        assertTrue(bad.exit == 1 || bad.exit == 2, bad.all());
        assertTrue(bad.err.contains("limit"), bad.err);

        Run ev = cli("events");
        assertEquals(0, ev.exit, ev.all());
        assertTrue(ev.out.contains("stop") && ev.out.contains("app"), ev.out);
    }

    @Test
    @Order(4)
    void eventsFollowStreamsAWakeAsItHappens() throws Exception {
        Process follow = new ProcessBuilder(bin.toString(), "events", "--follow", "--json", "--config", cfg.toString())
                .redirectError(home.resolve("follow.err").toFile()).start();
        try {
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(follow.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) lines.add(l);
                } catch (IOException e) {
                    // the process was stopped
                }
            });
            // The command subscribes some time after its JVM starts: sleep and wake the route until a wake
            // shows up on the stream, with its progress before the ready.
            List<JsonNode> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            boolean ready = false;
            while (!ready && System.nanoTime() < deadline) {
                assertEquals(200, api("POST", "/api/v1/routes/app/sleep", Optional.of(token())).statusCode());
                HttpResponse<String> posted = api("POST", "/api/v1/routes/app/wake?wait=true", Optional.of(token()));
                assertEquals(200, posted.statusCode(), posted.body());
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (!ready && System.nanoTime() < until) {
                    String l = lines.poll(100, TimeUnit.MILLISECONDS);
                    if (l == null) {
                        if (!follow.isAlive()) fail("events --follow exited: " + Files.readString(home.resolve("follow.err")));
                        continue;
                    }
                    JsonNode e = JSON.readTree(l);
                    seen.add(e);
                    ready = e.path("event").asText().equals("wake") && e.path("data").path("route").asText().equals("app")
                            && e.path("data").path("type").asText().equals("ready");
                }
            }
            assertTrue(ready, "no ready event of app in " + seen);
            // Operations reach the stream from the runtime manager, wake steps from the idle watcher: no order between them.
            long opDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (seen.stream().noneMatch(OperateIT::isStart) && System.nanoTime() < opDeadline) {
                String l = lines.poll(100, TimeUnit.MILLISECONDS);
                if (l != null) seen.add(JSON.readTree(l));
            }
            assertTrue(seen.stream().anyMatch(OperateIT::isStart), "the start is on the stream too: " + seen);
        } finally {
            follow.destroy();
            follow.waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(0, cli("sleep", "app").exit);
    }

    private static boolean isStart(JsonNode e) {
        return e.path("event").asText().equals("operation") && e.path("data").path("op_kind").asText().equals("start");
    }

    @Test
    @Order(5)
    void cleanupDryRunListsWhatTtlCleanupWouldRemoveAndCleanupRemovesIt() throws Exception {
        assertEquals(0, cli("sleep", "app").exit, "app is stopped, but has no retention");
        await("the retained container is a cleanup candidate", Duration.ofSeconds(30), () -> {
            JsonNode c = json(cli("cleanup", "--dry-run", "--json")).get("candidates");
            for (JsonNode n : c) if (n.get("runtime_id").asText().equals("old")) return true;
            return false;
        });
        JsonNode candidates = json(cli("cleanup", "--dry-run", "--json")).get("candidates");
        for (JsonNode n : candidates) assertFalse(n.get("runtime_id").asText().equals("app"), "app has no retention: " + candidates);
        Run t = cli("cleanup", "--dry-run");
        assertEquals(0, t.exit, t.all());
        assertTrue(t.out.lines().anyMatch(l -> l.startsWith("old ")), t.out);
        assertEquals("exited", TestDocker.inspectStatus(old), "a dry run removes nothing");

        Run run = cli("cleanup");
        assertEquals(0, run.exit, run.all());
        assertTrue(run.out.contains("old") && run.out.contains("remove"), run.out);
        assertEquals("missing", TestDocker.inspectStatus(old));
        assertEquals("exited", TestDocker.inspectStatus(app), "a route without retention is never removed");
        JsonNode ops = json(cli("ops", "--runtime", "old", "--json")).get("operations");
        assertEquals("remove/auto_ttl/success", row(ops.get(0)));
    }

    @Test
    @Order(6)
    void completionAndVersion() throws Exception {
        Run c = run(List.of("completion"));
        assertEquals(0, c.exit, c.all());
        for (String cmd : List.of("routes", "wake", "sleep", "runtimes", "ops", "events", "cleanup")) assertTrue(c.out.contains(cmd), cmd);
        Run v = run(List.of("version"));
        assertTrue(v.out.startsWith("dormouse " + System.getProperty("dormouse.version")), v.out);
    }

    // ------------------------------------------------------------------ must show 2: the token

    @Test
    @Order(7)
    void aWrongOrMissingTokenIsRefusedWithAClearMessage() throws Exception {
        Path tokenFile = data.resolve("admin.token");
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(tokenFile));
        assertEquals(401, api("GET", "/api/v1/routes", Optional.empty()).statusCode());
        HttpResponse<String> wrong = api("GET", "/api/v1/routes", Optional.of("not-the-token"));
        assertEquals(401, wrong.statusCode());
        assertEquals("unauthorized", JSON.readTree(wrong.body()).get("error").get("code").asText());
        assertEquals(200, api("GET", "/healthz", Optional.empty()).statusCode(), "health needs no token");

        Path bad = home.resolve("wrong.token");
        Files.writeString(bad, "not-the-token\n");
        Run r = run(List.of("routes", "--admin", "http://127.0.0.1:" + adminPort, "--token-file", bad.toString()));
        assertEquals(4, r.exit, r.all());
        assertEquals(1, r.err.strip().lines().count(), r.err);
        assertTrue(r.err.startsWith("dormouse: ") && r.err.contains("token"), r.err);
        assertFalse(r.all().contains("not-the-token"), "the token is never printed");

        Run none = run(List.of("routes", "--admin", "http://127.0.0.1:" + adminPort, "--token-file", home.resolve("absent.token").toString()));
        assertEquals(4, none.exit, none.all());
        assertTrue(none.err.contains("absent.token"), none.err);

        Run down = run(List.of("routes", "--admin", "http://127.0.0.1:" + TestDocker.freePort(), "--token-file", tokenFile.toString()));
        assertEquals(3, down.exit, down.all());
        assertTrue(down.err.startsWith("dormouse: ") && down.err.contains("not reachable"), down.err);
    }

    @Test
    @Order(8)
    void theAdminApiListensOnLoopbackOnlyByDefault() throws Exception {
        Path dcfg = home.resolve("default-admin.yml");
        int port = TestDocker.freePort();
        Files.writeString(dcfg, """
                server: {http: "127.0.0.1:%d", data_dir: "%s"}
                routes:
                  - {name: plain, hosts: [plain.test], target: "http://127.0.0.1:1"}
                """.formatted(port, home.resolve("data-default")));
        Process p = new ProcessBuilder(bin.toString(), "serve", "--config", dcfg.toString())
                .redirectErrorStream(true).redirectOutput(home.resolve("default.log").toFile()).start();
        try {
            waitForPort(port);
            waitForPort(9180);
            Optional<InetAddress> external = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                    .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                    .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()).findFirst();
            List<String> listening = listeningOn(9180);
            assertFalse(listening.isEmpty(), "nothing listens on 9180");
            for (String a : listening) assertTrue(LOOPBACK.contains(a), "listening on " + a + ", not loopback only: " + listening);
            if (external.isPresent()) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(external.get(), 9180), 1000);
                    fail("the admin API answered on " + external.get());
                } catch (IOException expected) {
                    // refused: loopback only
                }
            }
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
    }

    /** 127.0.0.1, ::1 and ::ffff:127.0.0.1 as the kernel writes them in /proc/net/tcp and tcp6. */
    private static final Set<String> LOOPBACK = Set.of("0100007F", "00000000000000000000000001000000", "0000000000000000FFFF00000100007F");

    /** The local addresses (kernel hex) of the sockets listening on {@code port}, from /proc/net/tcp and tcp6. */
    private static List<String> listeningOn(int port) throws IOException {
        String hexPort = String.format("%04X", port);
        List<String> out = new ArrayList<>();
        for (String f : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            if (!Files.exists(Path.of(f))) continue;
            List<String> lines = Files.readAllLines(Path.of(f));
            for (String line : lines.subList(1, lines.size())) {
                String[] cols = line.strip().split("\\s+");
                String[] local = cols[1].split(":");
                if (cols[3].equals("0A") && local[1].equals(hexPort)) out.add(local[0]);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ must show 5: metrics

    @Test
    @Order(9)
    void metricsParseAndTheWakeCounterRisesAfterAWake() throws Exception {
        PromText before = PromText.parse(scrape());
        double wakes = before.find("dormouse_wakes_total", "route", "app").orElse(0.0);
        assertEquals(0, cli("sleep", "app").exit);
        assertEquals(0, cli("wake", "app").exit);
        PromText after = PromText.parse(scrape());
        assertEquals(wakes + 1, after.value("dormouse_wakes_total", "route", "app"), "one more wake of app");
        assertEquals(1.0, after.value("dormouse_route_state", "route", "app", "state", "ready"));
        assertTrue(after.families().keySet().stream().anyMatch(k -> k.startsWith("jvm_")), "JVM basics are there");
        assertEquals(401, api("GET", "/metrics", Optional.empty()).statusCode(), "metrics need the token too");
    }

    // ------------------------------------------------------------------ helpers

    private static String scrape() throws Exception {
        HttpResponse<String> r = api("GET", "/metrics", Optional.of(token()));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), r.headers().toString());
        return r.body();
    }

    private static String row(JsonNode op) {
        return op.get("op_kind").asText() + "/" + op.get("op_source").asText() + "/" + op.get("outcome").asText();
    }

    private static String token() throws IOException {
        return Files.readString(data.resolve("admin.token")).strip();
    }

    private static HttpResponse<String> api(String method, String path, Optional<String> token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).timeout(Duration.ofSeconds(60))
                .method(method, HttpRequest.BodyPublishers.noBody());
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode find(JsonNode array, String key, String value) {
        for (JsonNode n : array) if (n.get(key).asText().equals(value)) return n;
        throw new AssertionError("no " + key + "=" + value + " in " + array);
    }

    private static JsonNode json(Run r) throws IOException {
        assertEquals(0, r.exit, r.all());
        return JSON.readTree(r.out);
    }

    /** Every row of a table has its columns start where the header's do. */
    private static void assertColumnsAligned(List<String> lines) {
        String header = lines.get(0);
        List<Integer> starts = new ArrayList<>();
        // Columns are two or more spaces apart; a header may have one space inside ("LAST OP").
        for (int i = 0; i < header.length(); i++) {
            if (header.charAt(i) != ' ' && (i == 0 || i >= 2 && header.charAt(i - 1) == ' ' && header.charAt(i - 2) == ' ')) starts.add(i);
        }
        assertTrue(starts.size() >= 2, "a table has columns: " + header);
        for (String l : lines.subList(1, lines.size())) {
            for (int s : starts.subList(1, starts.size())) {
                assertTrue(l.length() > s && l.charAt(s - 1) == ' ' && l.charAt(s) != ' ',
                        "column at " + s + " not aligned in:\n" + String.join("\n", lines));
            }
        }
    }

    private record Run(int exit, String out, String err) {
        String all() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    private static Run cli(String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--config");
        a.add(cfg.toString());
        return run(a);
    }

    private static Run run(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(bin.toString()));
        cmd.addAll(args);
        Path err = Files.createTempFile(home, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "timed out: " + cmd);
        return new Run(p.exitValue(), out, Files.readString(err));
    }

    interface Check {
        boolean ok() throws Exception;
    }

    private static void await(String what, Duration bound, Check cond) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!cond.ok()) {
            if (System.nanoTime() > deadline) fail("timed out after " + bound.toSeconds() + "s waiting for " + what);
            LockSupport.parkNanos(100_000_000L);
        }
    }

    private static void waitForPort(int port) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (daemon != null && !daemon.isAlive()) fail("dormouse exited " + daemon.exitValue() + ":\n" + Files.readString(home.resolve("serve.log")));
                if (System.nanoTime() > deadline) fail("nothing listens on " + port + ":\n" + Files.readString(home.resolve("serve.log")));
                LockSupport.parkNanos(50_000_000L);
            }
        }
    }
}
