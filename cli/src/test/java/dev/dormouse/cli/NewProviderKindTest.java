package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.rtmanager.OpKind;
import dev.dormouse.rtmanager.RuntimeRecord;
import dev.dormouse.rtmanager.RuntimeStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A provider kind added as an experiment, by its own files alone: {@code dev.dormouse.experiment} (a
 * factory, a config record, a provider) and one line in this module's test
 * {@code META-INF/services/dev.dormouse.core.spi.ProviderFactory}. Nothing of dormouse knows the kind
 * {@code memory}, yet {@code dormouse validate} checks its section (its own keys, its own file, its own
 * container syntax) and the real daemon serves a file route and a label route from its containers.
 */
class NewProviderKindTest {
    @TempDir
    Path dir;
    private HttpServer upstream;
    private Daemon daemon;

    @BeforeEach
    void startUpstream() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", ex -> {
            byte[] body = ("from memory " + ex.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        upstream.start();
    }

    @AfterEach
    void stop() {
        if (daemon != null) daemon.close();
        upstream.stop(0);
    }

    private int port() {
        return upstream.getAddress().getPort();
    }

    /** A config with one memory provider whose inventory is {@code inventory}, plus {@code more}. */
    private Path config(String inventory, String more) throws IOException {
        return Files.writeString(dir.resolve("dormouse.yml"), "server:\n  http: \"127.0.0.1:0\"\n  admin: \"\"\n  data_dir: \"" + dir.resolve("data") + "\"\n"
                + "providers:\n  memory:\n    - name: lab\n      inventory_file: " + inventory + "\n      labels: true\n      start_delay: 50ms\n" + more);
    }

    private record Run(int code, String out, String err) {}

    private static Run validate(Path cfg) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"validate", "--config", cfg.toString()}, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void theKindIsFoundLikeTheBuiltInOnes() {
        assertEquals(List.of("docker", "memory", "proxmox", "swarm"), List.copyOf(Daemon.providerKinds().kinds()));
        assertEquals(List.of(), Daemon.providerKinds().problems());
    }

    @Test
    void validateReportsTheKindsOwnProblemsWithLineAndColumn() throws IOException {
        Path cfg = config("missing.txt", """
                    - {name: lab2, inventory_file: lab2.txt, colour: red, start_delay: 1m}
                routes:
                  - {name: a, hosts: [a.test], target: "http://:1", container: "memory:lab/Web_1"}
                  - {name: b, hosts: [b.test], target: "http://:1", container: "memory:nope/web"}
                  - {name: c, hosts: [c.test], target: "http://:1", container: "web"}
                """);
        Files.writeString(dir.resolve("lab2.txt"), "good\nBad name\n");
        Run r = validate(cfg);
        assertEquals(1, r.code(), r.toString());
        assertEquals(List.of(
                cfg + ":8:23: providers.memory[0].inventory_file: " + dir.resolve("missing.txt") + " does not exist",
                cfg + ":11:72: providers.memory[1].start_delay: must be at most 10s, got PT1M",
                cfg + ":11:46: providers.memory[1].colour: unknown key",
                cfg + ":13:64: routes[0].container: must be memory:<provider>/<name> with a-z, 0-9 and '-', got 'memory:lab/Web_1'",
                cfg + ":14:64: routes[1].container: no memory provider named 'nope' (in 'memory:nope/web')",
                cfg + ":15:64: routes[2].container: 'web' names no provider; write docker:<provider>/<name-or-id> (0 docker providers are configured)",
                cfg + ": 6 problems; nothing was started"), r.err().lines().toList());
    }

    @Test
    void aFileWithAProblemTheKindFindsIsReportedTooButOnlyWhenItsSectionIsOtherwiseRight() throws IOException {
        Files.writeString(dir.resolve("lab.txt"), "web\nBad name\n");
        Run r = validate(config("lab.txt", ""));
        assertEquals(List.of(cfg() + ":8:23: providers.memory[0].inventory_file: " + dir.resolve("lab.txt") + ": line 2: not a container name: 'Bad'",
                cfg() + ": 1 problem; nothing was started"), r.err().lines().toList());
    }

    private Path cfg() {
        return dir.resolve("dormouse.yml");
    }

    @Test
    void validateSaysOkAndTheDaemonWakesTheContainersOnTheirFirstRequests() throws Exception {
        Files.writeString(dir.resolve("lab.txt"), "web\napi dormouse.enable=true dormouse.hosts=api.test dormouse.port=" + port() + "\n");
        Path cfg = config("lab.txt", "routes:\n  - {name: web, hosts: [web.test], target: \"http://:" + port() + "\", container: \"memory:lab/web\","
                + " idlewatcher: {idle_timeout: 1h}}\n");
        Run ok = validate(cfg);
        assertEquals(new Run(0, "OK: " + cfg + ": 1 routes\n", ""), ok);

        daemon = new Daemon(ConfigLoader.load(cfg));
        daemon.start();
        assertEquals(List.of("web", "api"), daemon.routes().stream().map(RouteConfig::name).toList(), "the file route and the label route");
        assertEquals("memory:lab/api", daemon.routes().get(1).container().orElseThrow().toString());
        assertEquals(RouteState.NAPPING, daemon.watchers().get("web").orElseThrow().state(), "its container is stopped");

        assertEquals("200 from memory /hello", get("web.test", "/hello"));
        assertEquals(RouteState.READY, daemon.watchers().get("web").orElseThrow().state());
        RuntimeRecord web = daemon.store().record("web").orElseThrow();
        assertEquals("memory:lab", web.provider());
        assertEquals(RuntimeStatus.RUNNING, web.status());
        assertTrue(daemon.store().operations(Optional.of("web"), 10).stream()
                .anyMatch(o -> o.kind() == OpKind.START && o.source() == OpSource.WAKE_REQUEST), "woken by the request");

        assertEquals("200 from memory /", get("api.test", "/"));
        assertEquals(RuntimeStatus.RUNNING, daemon.store().record("api").orElseThrow().status());
    }

    /** {@code <status> <body>} of a GET through the daemon with {@code host}, over a plain socket. */
    private String get(String host, String path) throws IOException {
        try (Socket s = new Socket("127.0.0.1", daemon.httpPort())) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String status = answer.substring(answer.indexOf(' ') + 1, answer.indexOf(' ') + 4);
            return status + " " + answer.substring(answer.indexOf("\r\n\r\n") + 4);
        }
    }
}
