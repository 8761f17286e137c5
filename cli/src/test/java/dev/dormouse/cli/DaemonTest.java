package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dormouse.admin.AdminEvents;
import dev.dormouse.admin.AdminServer;
import dev.dormouse.admin.AdminToken;
import dev.dormouse.admin.testkit.FakeBackend;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands run in-process against the real admin server ({@link AdminServer}, its JSON writer and event
 * stream) over an in-memory daemon ({@link FakeBackend}) holding {@link Fixtures#daemon}; the token is in a
 * token file, and no output may ever show it.
 */
abstract class DaemonTest {
    static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;
    final FakeBackend backend = new FakeBackend();
    final AdminEvents events = new AdminEvents();
    AdminServer server;
    Path tokenFile;

    record Result(int code, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }
    }

    /** The daemon's token. */
    abstract String token();

    /** The interval of {@code : keepalive} comments on event streams. */
    Duration keepalive() {
        return Duration.ofSeconds(15);
    }

    @BeforeEach
    void startServer() throws Exception {
        Fixtures.daemon(backend);
        events.follow(backend.watchers.values());
        serve(1024);
        tokenFile = dir.resolve("admin.token");
        Files.writeString(tokenFile, token() + "\n");
    }

    /** (Re)starts the admin server; an event stream may have {@code eventQueue} messages waiting before it is cut off. */
    void serve(int eventQueue) {
        if (server != null) server.close();
        server = new AdminServer(new AdminServer.Deps("127.0.0.1:0", "0.1.0-test", AdminToken.of(token()), backend, events, keepalive(), eventQueue));
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.close();
        events.close();
    }

    String url() {
        return "http://127.0.0.1:" + server.port();
    }

    /** Runs {@code dormouse ARGS} with the environment {@code env}. */
    Result exec(Map<String, String> env, String... args) {
        return start(env, args).result();
    }

    /** Starts {@code dormouse ARGS} on its own thread; its output can be watched while it runs. */
    Running start(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> code = CompletableFuture.supplyAsync(
                () -> Main.run(args, new PrintWriter(out), new PrintWriter(err), Fixtures.env(env)), r -> Thread.ofVirtual().start(r));
        return new Running(code, out, err);
    }

    /** A command that is running: its output so far, and its end. */
    final class Running {
        private final CompletableFuture<Integer> code;
        private final StringWriter out;
        private final StringWriter err;

        private Running(CompletableFuture<Integer> code, StringWriter out, StringWriter err) {
            this.code = code;
            this.out = out;
            this.err = err;
        }

        /** Waits until the output so far has a line containing {@code text}. */
        void awaitOut(String text) {
            await("a line with '" + text + "' in the output, which is: " + out, () -> out.toString().lines().anyMatch(l -> l.contains(text)));
        }

        /** Waits for the command to end; its exit code and output. */
        Result result() {
            int c;
            try {
                c = code.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new AssertionError("the command did not end within " + DEADLINE + ": " + e + "; out: " + out + " err: " + err, e);
            }
            Result r = new Result(c, out.toString(), err.toString());
            assertFalse(r.out.contains(token()) || r.err.contains(token()), "the token was printed: " + r);
            return r;
        }
    }

    /** {@code args} with {@code --admin} and {@code --token-file} of the daemon. */
    String[] admin(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--admin", url(), "--token-file", tokenFile.toString()));
        return a.toArray(String[]::new);
    }

    /** What the daemon answers {@code GET path} with: the document a {@code --json} command should print. */
    JsonNode api(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url() + path)).header("Authorization", "Bearer " + token())
                .timeout(DEADLINE).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return Output.MAPPER.readTree(r.body());
    }

    /** A loopback port nothing listens on now: the address of a daemon that is down. */
    static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static void await(String what, BooleanSupplier cond) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!cond.getAsBoolean()) {
            // Time of the test, not the code's: the deadline of a wait for a condition.
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            LockSupport.parkNanos(5_000_000L);
        }
    }
}
