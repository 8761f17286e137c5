package dev.dormouse.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import dev.dormouse.provider.docker.testkit.TestDocker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The assembled tarball, unpacked and run as a user would: bin/dormouse on the module path. */
class DistributionIT {
    @TempDir
    static Path home;
    static Path bin;
    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void unpack() throws Exception {
        Path tarball = Path.of(System.getProperty("dormouse.tarball"));
        assertTrue(Files.exists(tarball), "no tarball at " + tarball);
        Process tar = new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", home.toString()).inheritIO().start();
        assertEquals(0, tar.waitFor());
        bin = home.resolve("dormouse-" + System.getProperty("dormouse.version")).resolve("bin/dormouse");
        assertTrue(Files.isExecutable(bin), bin + " is not executable");
    }

    @AfterEach
    void stop() {
        started.forEach(Process::destroyForcibly);
        TestDocker.removeAll();
    }

    private record Run(int exit, String out) {}

    private Run run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(bin.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + cmd);
        return new Run(p.exitValue(), out);
    }

    @Test
    void versionAndHelp() throws Exception {
        Run v = run("version");
        assertEquals(0, v.exit, v.out);
        assertTrue(v.out.startsWith("dormouse " + System.getProperty("dormouse.version")), v.out);
        Run bad = run("frobnicate");
        assertEquals(2, bad.exit, bad.out);
        assertTrue(bad.out.contains("Unmatched argument"), bad.out);
    }

    @Test
    void validateReportsEveryProblemWithLineAndColumn() throws Exception {
        Path cfg = home.resolve("bad.yml");
        Files.writeString(cfg, """
                server: {htp: ":8080"}
                routes:
                  - name: a
                    hosts: [a.test]
                    target: ftp://x
                    idlewatcher: {idle_timeout: soon}
                """);
        Run r = run("validate", "--config", cfg.toString());
        assertEquals(1, r.exit, r.out);
        assertTrue(r.out.contains(cfg + ":1:10: server.htp: unknown key"), r.out);
        assertTrue(r.out.contains(cfg + ":5:13: routes[0].target: scheme must be"), r.out);
        assertTrue(r.out.contains(cfg + ":6:33: routes[0].idlewatcher.idle_timeout: not a duration: 'soon'"), r.out);
        Run serve = run("serve", "--config", cfg.toString());
        assertEquals(1, serve.exit, serve.out);
        assertTrue(serve.out.contains("routes[0].target: scheme must be"), serve.out);

        Path example = bin.getParent().getParent().resolve("config/dormouse.yml");
        Run ok = run("validate", "--config", example.toString());
        assertEquals(0, ok.exit, ok.out);
        assertTrue(ok.out.startsWith("OK: "), ok.out);
    }

    @Test
    void servesAWakingContainerOnTheModulePathAndStopsCleanlyOnSigterm() throws Exception {
        TestDocker.ensureEngine();
        int appPort = TestDocker.freePort();
        int proxyPort = TestDocker.freePort();
        String c = "dm-dist-app-" + ProcessHandle.current().pid();
        TestDocker.run(c, "--network", "host", TestDocker.IMAGE, "sh", "-c",
                "mkdir -p /www && echo dist ok > /www/index.html && trap 'kill $pid; exit 0' TERM; httpd -f -p 127.0.0.1:" + appPort
                        + " -h /www & pid=$!; wait");
        TestDocker.waitForPort(appPort, Duration.ofSeconds(20));
        TestDocker.exec("stop", c);
        HttpServer plain = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        plain.createContext("/", x -> {
            byte[] b = "plain ok".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        plain.start();
        try {
            Path cfg = home.resolve("serve.yml");
            Files.writeString(cfg, """
                    server: {http: "127.0.0.1:%d", admin: "", data_dir: "%s"}
                    providers: {docker: [{name: local}]}
                    routes:
                      - {name: app, hosts: [app.test], target: "http://127.0.0.1:%d", container: %s, idlewatcher: {idle_timeout: 1h}}
                      - {name: plain, hosts: [plain.test], target: "http://127.0.0.1:%d"}
                    """.formatted(proxyPort, home.resolve("data"), appPort, c, plain.getAddress().getPort()));
            Process p = new ProcessBuilder(bin.toString(), "serve", "--config", cfg.toString())
                    .redirectErrorStream(true).redirectOutput(home.resolve("serve.log").toFile()).start();
            started.add(p);
            waitForPort(proxyPort, p);
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> app = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + "/"))
                    .header("Host", "app.test").timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, app.statusCode(), app.body());
            assertEquals("dist ok", app.body().strip());
            HttpResponse<String> pl = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + "/"))
                    .header("Host", "plain.test").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("plain ok", pl.body());
            // SIGHUP reloads the config (systemd's ExecReload); an edit of the file is picked up by itself.
            assertEquals(0, new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor());
            awaitLog(home.resolve("serve.log"), "config reload (SIGHUP): ");
            Files.writeString(cfg, Files.readString(cfg) + "  - {name: extra, hosts: [extra.test], target: \"http://127.0.0.1:1\"}\n");
            awaitLog(home.resolve("serve.log"), "added: extra;");
            assertEquals(502, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + "/"))
                    .header("Host", "extra.test").build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            p.toHandle().destroy(); // SIGTERM
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "did not stop within 20 s");
            String log = Files.readString(home.resolve("serve.log"));
            assertEquals(0, p.exitValue(), log);
            assertTrue(log.contains("INFO  dev.dormouse.cli: dormouse "), log);
            assertTrue(log.contains("route app: ready"), log);
            assertTrue(!log.contains("SLF4J(W)"), "SLF4J has no backend: " + log);
        } finally {
            plain.stop(0);
        }
    }

    private static void awaitLog(Path log, String text) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.readString(log).contains(text)) {
            if (System.nanoTime() > deadline) throw new AssertionError("no '" + text + "' in the log:\n" + Files.readString(log));
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
        }
    }

    private static void waitForPort(int port, Process p) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (!p.isAlive()) fail("dormouse exited " + p.exitValue() + " before listening");
                if (System.nanoTime() > deadline) fail("dormouse did not listen on " + port);
                LockSupport.parkNanos(50_000_000L);
            }
        }
    }
}
