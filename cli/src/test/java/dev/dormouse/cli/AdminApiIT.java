package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dormouse.core.ConfigLoader;
import dev.dormouse.provider.docker.testkit.TestDocker;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API of a real daemon in front of a real container: what {@code curl} and the CLI see. */
class AdminApiIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private Daemon daemon;
    private String token;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    /** Every log line of the test, formatted with its arguments and stack trace. */
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        private final SimpleFormatter f = new SimpleFormatter();

        @Override
        public void publish(LogRecord r) {
            StringWriter w = new StringWriter();
            w.append(f.formatMessage(r));
            if (r.getThrown() != null) r.getThrown().printStackTrace(new PrintWriter(w));
            log.add(w.toString());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private Level rootLevel;

    @BeforeAll
    static void engine() {
        TestDocker.ensureEngine();
    }

    @BeforeEach
    void captureLog() {
        Logger root = Logger.getLogger("");
        rootLevel = root.getLevel();
        capture.setLevel(Level.ALL);
        root.addHandler(capture);
        root.setLevel(Level.FINE);
        for (Handler h : root.getHandlers()) {
            if (h != capture && h.getLevel().intValue() < Level.INFO.intValue()) h.setLevel(Level.INFO);
        }
    }

    @AfterEach
    void cleanup() throws Exception {
        for (AutoCloseable c : closeables) c.close();
        if (daemon != null) daemon.close();
        TestDocker.removeAll();
        Logger root = Logger.getLogger("");
        root.removeHandler(capture);
        root.setLevel(rootLevel);
    }

    private Path config(String routes) throws Exception {
        String yaml = "server:\n  http: \"127.0.0.1:0\"\n  admin: \"127.0.0.1:0\"\n  data_dir: \"" + dir.resolve("data") + "\"\n"
                + "providers:\n  docker: [{name: local}]\nroutes:\n" + routes;
        Path cfg = dir.resolve("dormouse.yml");
        Files.writeString(cfg, yaml);
        return cfg;
    }

    private HttpResponse<String> call(String method, String path, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.adminPort() + path))
                .timeout(Duration.ofSeconds(90)).method(method, HttpRequest.BodyPublishers.noBody());
        if (bearer != null) b.header("Authorization", "Bearer " + bearer);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(String method, String path) throws Exception {
        HttpResponse<String> r = call(method, path, token);
        assertEquals(200, r.statusCode(), method + " " + path + ": " + r.body());
        return JSON.readTree(r.body());
    }

    private static String row(JsonNode op) {
        return op.get("op_kind").asText() + "/" + op.get("op_source").asText() + "/" + op.get("outcome").asText();
    }

    private static String next(LinkedBlockingQueue<String> lines) throws InterruptedException {
        String l = lines.poll(60, TimeUnit.SECONDS);
        if (l == null) fail("no event stream line within 60 s");
        return l;
    }

    @Test
    void theAdminApiDrivesARealContainer() throws Exception {
        int port = TestDocker.freePort();
        String c = ServeIT.httpd("admin", port, "admin ok");
        String route = ServeIT.route("web", "web.test", port, c, "idle_timeout: 1h, stop_timeout: 5s");
        Path cfg = config(route);
        daemon = new Daemon(ConfigLoader.load(cfg));
        daemon.start();

        // The token file: created at start with mode 0600, 32 random bytes in base64url.
        Path tokenFile = dir.resolve("data").resolve("admin.token");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
        token = Files.readString(tokenFile).strip();
        assertTrue(token.matches("[A-Za-z0-9_-]{43}"), "token shape");

        HttpResponse<String> denied = call("GET", "/api/v1/routes", token.substring(1) + "x");
        assertEquals(401, denied.statusCode());
        assertEquals("Bearer realm=\"dormouse\"", denied.headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals(401, call("GET", "/metrics", null).statusCode());
        assertEquals("ok", JSON.readTree(call("GET", "/healthz", null).body()).get("status").asText());

        // Running at start-up: ready.
        JsonNode web = ok("GET", "/api/v1/routes").get("routes").get(0);
        assertEquals("web", web.get("name").asText());
        assertEquals("ready", web.get("state").asText());
        assertEquals("docker:local/" + c, web.get("container").asText());
        assertEquals("1h", web.get("idle_timeout").asText());

        // Sleep now: napping, the container stopped, the stop on record as an admin action.
        JsonNode slept = ok("POST", "/api/v1/routes/web/sleep");
        assertEquals("napping", slept.get("state").asText());
        assertEquals("exited", TestDocker.inspectStatus(c));
        assertEquals("stop/admin/success", row(ok("GET", "/api/v1/operations?runtime=web&limit=1").get("operations").get(0)));
        assertEquals("napping", ok("GET", "/api/v1/routes/web").get("state").asText());

        // Subscribe, then wake and wait: ready, the start on record, its progress on the stream.
        HttpResponse<InputStream> sse = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.adminPort() + "/api/v1/events"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, sse.statusCode());
        closeables.add(sse.body());
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(sse.body(), StandardCharsets.UTF_8));
        Thread.ofVirtual().start(() -> {
            try {
                for (String l; (l = in.readLine()) != null; ) lines.add(l);
            } catch (java.io.IOException e) {
                // closed by the test
            }
        });
        assertEquals(": subscribed", next(lines));

        JsonNode woke = ok("POST", "/api/v1/routes/web/wake?wait=true");
        assertEquals("ready", woke.get("state").asText());
        assertEquals("running", TestDocker.inspectStatus(c));
        JsonNode ops = ok("GET", "/api/v1/operations?runtime=web").get("operations");
        assertEquals("start/admin/success", row(ops.get(0)));
        assertTrue(ops.get(0).get("duration_ms").asLong() >= 0 && ops.get(0).get("finished_at").asText().endsWith("Z"), ops.toString());

        List<String> wakeTypes = new ArrayList<>();
        long lastId = 0;
        while (!wakeTypes.contains("ready")) {
            String l = next(lines);
            if (l.startsWith("id: ")) {
                long id = Long.parseLong(l.substring(4));
                assertTrue(id > lastId, "ids increase");
                lastId = id;
                String event = next(lines);
                String data = next(lines);
                if (event.equals("event: wake")) {
                    JsonNode e = JSON.readTree(data.substring("data: ".length()));
                    assertEquals("web", e.get("route").asText());
                    wakeTypes.add(e.get("type").asText());
                }
            }
        }
        assertEquals("starting", wakeTypes.get(0), wakeTypes.toString());

        // Runtimes and health events answer from the database.
        JsonNode rt = ok("GET", "/api/v1/runtimes").get("runtimes").get(0);
        assertEquals("web", rt.get("runtime_id").asText());
        assertEquals("running", rt.get("status").asText());
        assertEquals(c, rt.get("container_ref").asText());
        assertTrue(ok("GET", "/api/v1/health-events?runtime=web&limit=10").get("health_events").isArray());
        assertEquals(0, ok("GET", "/api/v1/cleanup").get("candidates").size(), "no retention, nothing to clean");
        assertEquals(400, call("GET", "/api/v1/operations?limit=0", token).statusCode());

        // A broken file is refused with its first problem; the running config and the proxy go on.
        Files.writeString(cfg, Files.readString(cfg).replace("stop_timeout: 5s", "stop_timeout: soon"));
        HttpResponse<String> refused = call("POST", "/api/v1/reload", token);
        assertEquals(422, refused.statusCode(), refused.body());
        JsonNode err = JSON.readTree(refused.body()).get("error");
        assertEquals("config_invalid", err.get("code").asText());
        assertTrue(err.get("message").asText().contains("dormouse.yml:") && err.get("message").asText().contains("stop_timeout"),
                err.get("message").asText());
        HttpResponse<String> proxied = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/"))
                .header("Host", "web.test").timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("admin ok", proxied.body().strip());
        assertEquals("ready", ok("GET", "/api/v1/routes/web").get("state").asText());
        Files.writeString(cfg, Files.readString(cfg).replace("stop_timeout: soon", "stop_timeout: 5s"));
        assertEquals(1, ok("POST", "/api/v1/reload").get("routes").asInt());

        // A restart reuses the token file.
        daemon.close();
        daemon = new Daemon(ConfigLoader.load(cfg));
        daemon.start();
        assertEquals(token, Files.readString(tokenFile).strip());
        assertEquals("ready", ok("GET", "/api/v1/routes/web").get("state").asText());

        assertFalse(log.isEmpty(), "the log was captured");
        for (String line : log) assertFalse(line.contains(token), "the token is never logged: " + line);
    }
}
