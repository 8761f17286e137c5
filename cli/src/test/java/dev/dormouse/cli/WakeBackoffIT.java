package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.ProviderKinds;
import dev.dormouse.core.testkit.ManualScheduler;
import dev.dormouse.provider.docker.testkit.TestDocker;
import dev.dormouse.rtmanager.OpKind;
import dev.dormouse.rtmanager.Operation;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A crash-looping container behind a real daemon: anonymous requests cannot make dormouse start it at request rate. */
class WakeBackoffIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;
    private Daemon daemon;
    /** The daemon's time: it flows, and the requests' pacing moves it on instead of waiting it out. */
    private final ManualScheduler time = ManualScheduler.flowing();

    @BeforeAll
    static void engine() {
        TestDocker.ensureEngine();
    }

    @AfterEach
    void cleanup() {
        if (daemon != null) daemon.close();
        time.close();
        TestDocker.removeAll();
    }

    private int starts(String container) {
        return TestDocker.countEvents(container, "start", Instant.EPOCH);
    }

    @Test
    void aContainerThatExitsAtOnceIsStartedAHandfulOfTimesNotPerRequest() throws Exception {
        String c = ServeIT.name("crashloop");
        TestDocker.run(c, "--network", "host", TestDocker.IMAGE, "sh", "-c", "exit 1");
        ServeIT.await(c + " exited", () -> TestDocker.inspectStatus(c).equals("exited"));
        int port = TestDocker.freePort();
        String yaml = "server:\n  http: \"127.0.0.1:0\"\n  admin: \"127.0.0.1:0\"\n  data_dir: \"" + dir.resolve("data") + "\"\n"
                + "providers:\n  docker: [{name: local}]\nroutes:\n"
                + ServeIT.route("crash", "crash.test", port, c, "idle_timeout: 1h, wake_timeout: 20s");
        Path cfg = dir.resolve("dormouse.yml");
        Files.writeString(cfg, yaml);
        daemon = new Daemon(ConfigLoader.load(cfg), ProviderKinds.installed(), time);
        daemon.start();
        int before = starts(c);

        // 60 requests, one every 1/6 s of the daemon's time: each is answered (a failed wake takes the engine's real
        // time) before the daemon's time moves on to the next, so the backoff, not the test's pace, decides the starts.
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            if (i > 0) {
                answers.get(i - 1).get(60, TimeUnit.SECONDS);
                time.advance(Duration.ofSeconds(10).dividedBy(60));
            }
            answers.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/"))
                    .header("Host", "crash.test").header("Accept", "*/*").timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        List<Integer> retryAfter = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> a : answers) {
            HttpResponse<String> r = a.get(60, TimeUnit.SECONDS);
            assertEquals(503, r.statusCode(), r.body());
            String value = r.headers().firstValue("Retry-After").orElseThrow(() -> new AssertionError("no Retry-After: " + r.headers()));
            int seconds = Integer.parseInt(value);
            assertTrue(seconds >= 1 && seconds <= 60, "Retry-After " + value);
            retryAfter.add(seconds);
        }
        int started = starts(c) - before;
        assertTrue(started >= 2 && started <= 6, "60 requests in 10 s started the container " + started + " times; Retry-After " + retryAfter);
        assertTrue(retryAfter.stream().anyMatch(s -> s > 2), "Retry-After follows the growing backoff: " + retryAfter);
        List<Operation> startRows = daemon.store().operations(Optional.of("crash"), 1000).stream()
                .filter(o -> o.kind() == OpKind.START).toList();
        assertEquals(started, startRows.size(), "one operation_log row per real start, none per refused request: " + startRows);

        // The admin's wake, through the CLI, is tried at once inside the backoff.
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        long asked = System.nanoTime();
        int code = Main.run(new String[] {"wake", "--admin", "http://127.0.0.1:" + daemon.adminPort(), "--token-file",
                dir.resolve("data").resolve("admin.token").toString(), "crash"}, new PrintWriter(out, true), new PrintWriter(err, true));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
        assertNotEquals(0, code, "the container still exits at once: " + out + err);
        assertTrue(err.toString().contains("wake of crash failed"), err.toString());
        ServeIT.await("the admin wake's start", Duration.ofSeconds(10), () -> starts(c) == before + started + 1);
        assertTrue(tookMs < 10_000, "tried at once, not after the backoff: " + tookMs + " ms");
        assertEquals(before + started + 1, starts(c), "exactly one more start");
    }
}
