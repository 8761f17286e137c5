package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.spi.OpSource;
import dev.dormouse.provider.docker.testkit.TestDocker;
import dev.dormouse.rtmanager.OpKind;
import dev.dormouse.rtmanager.Operation;
import dev.dormouse.rtmanager.Outcome;
import dev.dormouse.rtmanager.RuntimeRecord;
import dev.dormouse.rtmanager.RuntimeStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime manager behind a real daemon and a real container: every action it takes is on record. */
class RuntimeManagerIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;
    private Daemon daemon;

    @BeforeAll
    static void engine() {
        TestDocker.ensureEngine();
    }

    @AfterEach
    void cleanup() {
        if (daemon != null) daemon.close();
        TestDocker.removeAll();
    }

    private static String row(Operation o) {
        return o.kind().label() + "/" + o.source().label() + "/" + o.outcome().label();
    }

    @Test
    void aSleepAndAWakeAreInTheOperationLog() throws Exception {
        int port = TestDocker.freePort();
        String c = ServeIT.httpd("rt", port, "recorded");
        daemon = ServeIT.start(dir, "  docker: [{name: local}]\n", ServeIT.route("rt", "rt.test", port, c, "idle_timeout: 2s, stop_timeout: 5s"));
        RuntimeRecord rec = daemon.store().record("rt").orElseThrow();
        assertEquals("docker:local", rec.provider());
        assertEquals(c, rec.containerRef());

        ServeIT.await("asleep after the idle timeout", () -> TestDocker.inspectStatus(c).equals("exited"));
        ServeIT.await("the stop on record", () -> daemon.store().operations(Optional.of("rt"), 10).stream().anyMatch(o -> o.kind() == OpKind.STOP));
        Operation stop = daemon.store().operations(Optional.of("rt"), 1).get(0);
        assertEquals("stop/idle_timeout/success", row(stop));
        assertEquals(RuntimeStatus.STOPPED, daemon.store().record("rt").orElseThrow().status());

        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/"))
                .header("Host", "rt.test").timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("recorded", r.body().strip());
        List<Operation> ops = daemon.store().operations(Optional.of("rt"), 10);
        assertEquals(List.of("start/wake_request/success", "stop/idle_timeout/success", "reconcile_adopt/startup/success"),
                ops.stream().map(RuntimeManagerIT::row).toList(), "the start-up reconcile adopted the container first");
        assertEquals(OpKind.START, ops.get(0).kind());
        assertEquals(OpSource.WAKE_REQUEST, ops.get(0).source());
        assertEquals(Outcome.SUCCESS, ops.get(0).outcome());
        RuntimeRecord awake = daemon.store().record("rt").orElseThrow();
        assertEquals(RuntimeStatus.RUNNING, awake.status());
        assertTrue(awake.lastOpAt().isPresent() && awake.startedAt().isPresent());
        assertEquals("ok", daemon.store().integrityCheck());
    }
}
