package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.spi.OpSource;
import dev.dormouse.provider.docker.testkit.TestDocker;
import dev.dormouse.rtmanager.HealthEvent;
import dev.dormouse.rtmanager.HealthEventType;
import dev.dormouse.rtmanager.OpKind;
import dev.dormouse.rtmanager.Operation;
import dev.dormouse.rtmanager.Outcome;
import dev.dormouse.rtmanager.RuntimeRecord;
import dev.dormouse.rtmanager.RuntimeStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The runtime manager behind a real daemon and a real container: every action it takes is on record. */
class RuntimeManagerIT extends EngineTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

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

    private static final String FAST_WORKERS = "  docker: [{name: local}]\nruntime: {inspect_interval: 300ms, reconcile_interval: 1h}\n";

    /** A route to a container that is not an HTTP server: no idle timeout, no health monitor. */
    private static String plainRoute(String name, int port, String container, String healthcheck) {
        return "  - name: " + name + "\n    hosts: [" + name + ".test]\n    target: http://127.0.0.1:" + port + "\n    container: " + container
                + "\n    healthcheck: " + healthcheck + "\n";
    }

    private List<HealthEvent> healthEvents(String runtime, HealthEventType type) {
        return daemon.store().healthEvents(Optional.of(runtime), 1000).reversed().stream().filter(e -> e.type() == type).toList();
    }

    private static int restartCount(HealthEvent e) {
        Matcher m = Pattern.compile("\"restart_count\":(\\d+)").matcher(e.details());
        assertTrue(m.find(), e.details());
        return Integer.parseInt(m.group(1));
    }

    @Test
    void aCrashLoopAndAFailingHealthCheckAreInspectUnhealthy() throws Exception {
        String loop = ServeIT.name("crashloop");
        TestDocker.run(loop, "--network", "host", "--restart", "always", TestDocker.IMAGE, "sh", "-c", "sleep 1; exit 3");
        String sick = ServeIT.name("sick");
        TestDocker.run(sick, "--network", "host", "--health-cmd", "false", "--health-interval", "1s", "--health-retries", "1",
                TestDocker.IMAGE, "sleep", "600");
        daemon = ServeIT.start(dir, FAST_WORKERS, plainRoute("loop", TestDocker.freePort(), loop, "{disable: true}")
                + plainRoute("sick", TestDocker.freePort(), sick, "{disable: true}"));

        ServeIT.await("inspect_unhealthy events with two different restart counts", Duration.ofSeconds(60),
                () -> healthEvents("loop", HealthEventType.INSPECT_UNHEALTHY).stream().filter(e -> e.details().contains("\"state\":\"running\""))
                        .map(RuntimeManagerIT::restartCount).distinct().count() >= 2);
        List<Integer> counts = healthEvents("loop", HealthEventType.INSPECT_UNHEALTHY).stream().filter(e -> e.details().contains("\"state\":\"running\""))
                .map(RuntimeManagerIT::restartCount).toList();
        assertTrue(counts.get(0) >= 1, "the first observation only seeds the baseline: " + counts);
        for (int i = 1; i < counts.size(); i++) assertTrue(counts.get(i) > counts.get(i - 1), "each event is a rise: " + counts);
        assertTrue(healthEvents("loop", HealthEventType.CONTAINER_EXITED).stream().anyMatch(e -> e.details().contains("\"exit_code\":3")),
                "the listener saw the exits with their code");

        ServeIT.await("the failing health check reported", Duration.ofSeconds(30),
                () -> healthEvents("sick", HealthEventType.INSPECT_UNHEALTHY).stream().anyMatch(e -> e.details().contains("\"health\":\"unhealthy\"")));
        HealthEvent e = healthEvents("sick", HealthEventType.INSPECT_UNHEALTHY).get(0);
        assertEquals("{\"restart_count\":0,\"state\":\"running\",\"health\":\"unhealthy\"}", e.details());
        assertEquals(TestDocker.exec("inspect", "-f", "{{.Id}}", sick).strip(), e.containerId());
    }

    @Test
    void aContainerRemovedOutsideIsExactlyOneDisappearance() throws Exception {
        int port = TestDocker.freePort();
        String c = ServeIT.httpd("gone", port, "here");
        daemon = ServeIT.start(dir, FAST_WORKERS, ServeIT.route("gone", "gone.test", port, c, "idle_timeout: 1h"));
        String id = TestDocker.exec("inspect", "-f", "{{.Id}}", c).strip();
        ServeIT.await("the record knows the container", () -> daemon.store().record("gone").orElseThrow().containerId().equals(id));

        TestDocker.exec("rm", "-f", c);
        ServeIT.await("container_disappeared", () -> !healthEvents("gone", HealthEventType.CONTAINER_DISAPPEARED).isEmpty());
        ServeIT.await("the route is missing", () -> daemon.watchers().get("gone").orElseThrow().state() == dev.dormouse.idlewatcher.RouteState.MISSING);
        daemon.reconciler().tick();
        daemon.reconciler().tick();

        List<HealthEvent> gone = healthEvents("gone", HealthEventType.CONTAINER_DISAPPEARED);
        assertEquals(1, gone.size(), "exactly one disappearance: " + gone);
        assertEquals(id, gone.get(0).containerId());
        assertEquals(RuntimeStatus.REMOVED, daemon.store().record("gone").orElseThrow().status());
    }

    @Test
    void aProbeGoingDownAndComingBackIsOnRecord() throws Exception {
        int port = TestDocker.freePort();
        String c = ServeIT.name("probe");
        TestDocker.run(c, "--network", "host", TestDocker.IMAGE, "sh", "-c",
                "mkdir -p /www && echo up > /www/index.html && (httpd -f -p 127.0.0.1:" + port + " -h /www & echo $! > /tmp/httpd.pid) && sleep 600");
        TestDocker.waitForPort(port, Duration.ofSeconds(20));
        daemon = ServeIT.start(dir, "  docker: [{name: local}]\n", plainRoute("probe", port, c, "{path: /, interval: 200ms, timeout: 1s, retries: 1}"));
        ServeIT.await("healthy", () -> daemon.monitors().get("probe").orElseThrow().status() == dev.dormouse.health.HealthStatus.HEALTHY);

        TestDocker.exec("exec", c, "sh", "-c", "kill $(cat /tmp/httpd.pid)");
        ServeIT.await("probe_failed", () -> !healthEvents("probe", HealthEventType.PROBE_FAILED).isEmpty());
        TestDocker.exec("exec", "-d", c, "httpd", "-f", "-p", "127.0.0.1:" + port, "-h", "/www");
        ServeIT.await("probe_recovered", () -> !healthEvents("probe", HealthEventType.PROBE_RECOVERED).isEmpty());
        assertTrue(healthEvents("probe", HealthEventType.PROBE_FAILED).get(0).details().startsWith("{\"message\":"));
        assertEquals(1, healthEvents("probe", HealthEventType.PROBE_FAILED).size(), "one failure, not one per check");
    }

    @Test
    void noSecondActorActsWhileAStopWaitsOutItsTimeout() throws Exception {
        String c = ServeIT.name("stubborn");
        // PID 1 without a handler ignores SIGTERM: the stop takes its whole stop_timeout, then the engine kills it.
        TestDocker.run(c, "--network", "host", TestDocker.IMAGE, "sleep", "100000");
        dev.dormouse.core.ProviderKinds kinds = dev.dormouse.core.ProviderKinds.installed();
        dev.dormouse.core.spi.ProviderConfig pc = dev.dormouse.core.ConfigLoader.parse(new java.io.StringReader("providers:\n  docker: [{name: local}]\n"),
                "t.yml", dir, dir.resolve("t.yml"), kinds).providers().get(0);
        try (dev.dormouse.core.spi.Provider docker = kinds.factory("docker").orElseThrow().create(pc)) {
            dev.dormouse.rtmanager.RuntimeStore store = dev.dormouse.rtmanager.RuntimeStore.open(dir.resolve("data"));
            java.util.Map<String, dev.dormouse.core.spi.Provider> providers = java.util.Map.of("docker:local", docker);
            List<dev.dormouse.rtmanager.RuntimeSpec> specs = List.of(new dev.dormouse.rtmanager.RuntimeSpec("stubborn", "docker:local", c, "SIGTERM",
                    Duration.ofSeconds(5), Optional.empty()));
            // The daemon's lifecycle service and a second actor on the same database, as the CLI would be.
            dev.dormouse.rtmanager.LifecycleService daemonSide = new dev.dormouse.rtmanager.LifecycleService(
                    new dev.dormouse.rtmanager.LifecycleService.Deps(store, providers, java.time.Clock.systemUTC()));
            dev.dormouse.rtmanager.LifecycleService other = new dev.dormouse.rtmanager.LifecycleService(
                    new dev.dormouse.rtmanager.LifecycleService.Deps(store, providers, java.time.Clock.systemUTC()));
            daemonSide.register(specs);
            other.register(specs);
            long t0 = System.nanoTime();
            java.util.concurrent.CompletableFuture<Operation> stop = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> daemonSide.perform("stubborn", OpKind.STOP, OpSource.ADMIN), java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
            ServeIT.await("the stop holds the lease", () -> store.lease("stubborn").isPresent());
            dev.dormouse.rtmanager.RuntimeStore.Lease lease = store.lease("stubborn").orElseThrow();
            assertTrue(Duration.between(lease.acquiredAt(), lease.expiresAt()).compareTo(Duration.ofSeconds(5).plusMinutes(10)) > 0,
                    "the lease covers stop_timeout and the engine request's own bound: " + lease);
            List<String> tries = new java.util.ArrayList<>();
            while (!stop.isDone()) {
                Operation o = other.attempt("stubborn", OpKind.START, OpSource.ADMIN);
                if (!stop.isDone() || o.outcome() == Outcome.CONFLICT) tries.add(o.outcome().label());
                // Paces the tries while the real engine waits out the stop timeout: Docker's time, not ours.
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(400).toNanos());
            }
            Operation stopped = stop.get();
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("stop/admin/success", row(stopped));
            assertTrue(tookMs >= 5000, "the stop waited out its timeout: " + tookMs + " ms");
            assertEquals("137", TestDocker.exec("inspect", "-f", "{{.State.ExitCode}}", c).strip(), "killed after the timeout");
            assertTrue(tries.size() >= 8 && tries.stream().allMatch("conflict"::equals), "every try during the stop met the lease: " + tries);
            assertEquals("start/admin/success", row(other.perform("stubborn", OpKind.START, OpSource.ADMIN)), "and acts once it is over");
            System.out.println("long stop: " + tookMs + " ms, " + tries.size() + " conflicting tries, lease until " + lease.expiresAt());
            daemonSide.close();
            other.close();
        }
    }
}
