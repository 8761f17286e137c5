package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.ConfigLoader;
import dev.dormouse.provider.docker.testkit.TestDocker;
import io.undertow.Undertow;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Hostile HTTP clients against the whole daemon: a plain route keeps serving while they try. */
class HostileHttpIT extends EngineTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Undertow app;
    private int appPort;

    @BeforeEach
    void app() {
        appPort = TestDocker.freePort();
        app = Undertow.builder().addHttpListener(appPort, "127.0.0.1").setHandler(ex -> ex.getResponseSender().send("plain ok")).build();
        app.start();
    }

    @AfterEach
    void stopApp() {
        app.stop();
    }

    private void serve(String limits, String routes) throws Exception {
        String yaml = "server:\n  http: \"127.0.0.1:0\"\n  admin: \"\"\n  data_dir: \"" + dir.resolve("data") + "\"\n  limits: {" + limits + "}\n"
                + "providers:\n  docker: [{name: local}]\nroutes:\n  - name: plain\n    hosts: [plain.test]\n    target: http://127.0.0.1:" + appPort + "\n"
                + routes;
        Path cfg = dir.resolve("dormouse.yml");
        Files.writeString(cfg, yaml);
        daemon = new Daemon(ConfigLoader.load(cfg));
        daemon.start();
    }

    private HttpResponse<String> plain() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/")).header("Host", "plain.test")
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Must show 1: long User-Agents at a sleeping route with ignore_user_agents are answered fast, and stall nothing. */
    @Test
    void longUserAgentsAtASleepingRouteAreAnsweredAndOtherRoutesServe() throws Exception {
        int port = TestDocker.freePort();
        String c = ServeIT.httpd("ua", port, "awake");
        TestDocker.exec("stop", "-t", "5", c);
        ServeIT.await(c + " stopped", () -> TestDocker.inspectStatus(c).equals("exited"));
        serve("max_header_bytes: 1MiB", ServeIT.route("sleepy", "sleepy.test", port, c, "idle_timeout: 1h, ignore_user_agents: ['.*bot.*']"));
        assertEquals(200, plain().statusCode());
        // Matched only at its very end: the regex reads all 300 KB.
        String ua = "x".repeat(300_000) + " bot";
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> slow = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                slow.add(pool.submit(() -> {
                    long t0 = System.nanoTime();
                    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/"))
                            .header("Host", "sleepy.test").header("User-Agent", ua).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(503, r.statusCode(), "an ignored agent is told the route sleeps");
                    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                }));
            }
            long worst = 0;
            for (int i = 0; i < 20; i++) {
                long t0 = System.nanoTime();
                assertEquals(200, plain().statusCode());
                worst = Math.max(worst, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            }
            for (Future<Long> f : slow) assertTrue(f.get(10, TimeUnit.SECONDS) < 1_000, "a long User-Agent was answered after " + f.get() + " ms");
            assertTrue(worst < 100, "the plain route took " + worst + " ms meanwhile");
        }
        assertEquals("exited", TestDocker.inspectStatus(c), "an ignored agent never wakes the container");
    }

    /** Must show 2: 1,000 half heads are closed by the header timeout while 1,000 requests to another route succeed. */
    @Test
    void aThousandHalfHeadsAreClosedWhileAnotherRouteServes() throws Exception {
        serve("header_timeout: 2s", "");
        List<Socket> half = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", daemon.httpPort()), 5_000);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: plain.test\r\nX-Half: ".getBytes(StandardCharsets.US_ASCII));
                half.add(s);
            }
            long t0 = System.nanoTime();
            try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
                List<Future<Integer>> all = new ArrayList<>();
                for (int i = 0; i < 1000; i++) all.add(pool.submit(() -> plain().statusCode()));
                for (Future<Integer> f : all) assertEquals(200, f.get(30, TimeUnit.SECONDS));
            }
            long deadline = t0 + TimeUnit.SECONDS.toNanos(20);
            int closed = 0;
            for (Socket s : half) {
                if (closedBy(s, deadline)) closed++;
            }
            assertEquals(1000, closed, "half heads closed by the header timeout");
        } finally {
            for (Socket s : half) s.close();
        }
    }

    /** Whether the server ends the connection (EOF or reset) before the deadline. */
    private static boolean closedBy(Socket s, long deadline) throws IOException {
        InputStream in = s.getInputStream();
        byte[] b = new byte[1024];
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) return false;
            s.setSoTimeout((int) left);
            try {
                if (in.read(b) < 0) return true;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (SocketException e) {
                return true;
            }
        }
    }
}
