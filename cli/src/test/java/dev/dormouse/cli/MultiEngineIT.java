package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.admin.AdminBackend;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.provider.docker.testkit.TestDocker;
import dev.dormouse.provider.docker.testkit.TestEngines;
import dev.dormouse.rtmanager.Operation;
import dev.dormouse.rtmanager.RuntimeStatus;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A daemon driving several engines at once (scripts/test-engines.sh): the main one, a second Docker
 * engine over TLS, a single-node Swarm and Podman; each provider with its own events, connection state
 * and routes.
 */
class MultiEngineIT extends EngineTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void engines() {
        TestEngines.ensure();
    }

    @AfterEach
    void cleanupEngines() {
        if (daemon != null) {
            daemon.close();
            daemon = null;
        }
        TestEngines.removeAll();
    }

    private static String far(TestEngines.Tls t, java.nio.file.Path cert, java.nio.file.Path key, boolean labels) {
        return "  docker:\n    - {name: local, labels: " + labels + "}\n    - name: far\n      host: \"" + t.host() + "\"\n      labels: " + labels
                + "\n      tls: {ca_file: \"" + t.caFile() + "\", cert_file: \"" + cert + "\", key_file: \"" + key + "\"}\n";
    }

    /** A busybox httpd on the host's network of {@code engine} that exits cleanly on SIGTERM. */
    private static String httpd(String engine, String name, int port, String body, String... labels) {
        String[] args = new String[labels.length * 2 + 6];
        for (int i = 0; i < labels.length; i++) {
            args[2 * i] = "--label";
            args[2 * i + 1] = labels[i];
        }
        System.arraycopy(new String[] {"--network", "host", TestDocker.IMAGE, "sh", "-c", "echo '" + body + "' > /www/index.html && "
            + "trap 'kill $pid; exit 0' TERM; httpd -f -p 127.0.0.1:" + port + " -h /www & pid=$!; wait"}, 0, args, labels.length * 2, 6);
        if (engine.isEmpty()) TestDocker.run(name, args);
        else TestEngines.run(engine, name, args);
        TestDocker.waitForPort(port, Duration.ofSeconds(20));
        return name;
    }

    private HttpResponse<String> get(String host) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/")).header("Host", host)
                .header("Accept", "*/*").timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private RouteState state(String route) {
        return daemon.watchers().get(route).map(IdleWatcher::state).orElseThrow(() -> new AssertionError("no route " + route));
    }

    private AdminBackend.Provider provider(String key) {
        return daemon.providerViews().stream().filter(p -> p.key().equals(key)).findFirst().orElseThrow(() -> new AssertionError("no " + key));
    }

    private String metrics() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        daemon.writeMetrics(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private List<String> ops(String runtime) {
        return daemon.store().operations(Optional.of(runtime), 50).reversed().stream()
                .map(o -> o.kind().label() + "/" + o.source().label() + "/" + o.outcome().label()).toList();
    }

    // ---------------------------------------------------------------- 1. a route on a TLS engine beside a local one

    @Test
    void aRouteSleepsAndWakesThroughTheTlsEngineBesideALocalRoute() throws Exception {
        TestEngines.Tls t = TestEngines.tls();
        int lp = TestDocker.freePort();
        int fp = TestDocker.freePort();
        String local = httpd("", ServeIT.name("near"), lp, "near");
        String remote = httpd(t.socket(), ServeIT.name("far"), fp, "far over tls");
        daemon = ServeIT.start(dir, far(t, t.certFile(), t.keyFile(), false),
                ServeIT.route("near", "near.test", lp, "docker:local/" + local, "idle_timeout: 2s, stop_timeout: 5s")
                        + ServeIT.route("far", "far.test", fp, "docker:far/" + remote, "idle_timeout: 2s, stop_timeout: 5s"));
        ServeIT.await("both providers connected", () -> provider("docker:local").status().connected() && provider("docker:far").status().connected());
        assertEquals(List.of(1, 1), List.of(provider("docker:local").routes(), provider("docker:far").routes()));

        ServeIT.await("the far container stopped over TLS", () -> TestEngines.status(t.socket(), remote).equals("exited"));
        ServeIT.await("the near container stopped", () -> TestDocker.inspectStatus(local).equals("exited"));
        assertEquals(RouteState.NAPPING, state("far"));
        HttpResponse<String> r = get("far.test");
        assertEquals(200, r.statusCode());
        assertEquals("far over tls", r.body().strip());
        assertEquals("running", TestEngines.status(t.socket(), remote));
        assertEquals("exited", TestDocker.inspectStatus(local), "waking far touched nothing of the local engine");
        assertEquals("near", get("near.test").body().strip());
        assertEquals(List.of("reconcile_adopt/startup/success", "stop/idle_timeout/success", "start/wake_request/success"), ops("far"));
        assertEquals("docker:far", daemon.store().record("far").orElseThrow().provider());
        String m = metrics();
        assertTrue(m.contains("dormouse_provider_connected{provider=\"docker:far\"} 1") && m.contains("dormouse_provider_connected{provider=\"docker:local\"} 1"),
                m.lines().filter(l -> l.startsWith("dormouse_provider")).toList().toString());
    }

    @Test
    void aWrongClientCertificatePutsOnlyThatProvidersRoutesInError() throws Exception {
        TestEngines.Tls t = TestEngines.tls();
        int lp = TestDocker.freePort();
        int fp = TestDocker.freePort();
        String local = httpd("", ServeIT.name("calm"), lp, "calm");
        String remote = httpd(t.socket(), ServeIT.name("refused"), fp, "refused");
        daemon = ServeIT.start(dir, far(t, t.rogueCertFile(), t.rogueKeyFile(), false),
                ServeIT.route("calm", "calm.test", lp, "docker:local/" + local, "idle_timeout: 1h")
                        + ServeIT.route("refused", "refused.test", fp, "docker:far/" + remote, "idle_timeout: 1h, wake_timeout: 5s"));
        assertEquals(RouteState.ERROR, state("refused"), "its container cannot be read");
        assertTrue(daemon.watchers().get("refused").orElseThrow().lastError().orElseThrow().contains("TLS handshake with " + t.host() + " failed"),
                daemon.watchers().get("refused").orElseThrow().lastError().toString());
        assertEquals(RouteState.READY, state("calm"));
        ServeIT.await("the far provider's TLS error as its state", () -> provider("docker:far").status().lastError().map(e -> e.contains("TLS")).orElse(false));
        assertEquals(false, provider("docker:far").status().connected());
        assertEquals(true, provider("docker:local").status().connected());

        HttpResponse<String> refused = get("refused.test");
        assertEquals(503, refused.statusCode(), refused.body());
        assertEquals("calm", get("calm.test").body().strip(), "the local engine's route keeps serving");
        assertEquals(RouteState.READY, state("calm"));
        assertEquals("running", TestEngines.status(t.socket(), remote), "nothing was done to the far container");
        String m = metrics();
        assertTrue(m.contains("dormouse_provider_connected{provider=\"docker:far\"} 0") && m.contains("dormouse_provider_connected{provider=\"docker:local\"} 1"),
                m.lines().filter(l -> l.startsWith("dormouse_provider")).toList().toString());
    }

    // ---------------------------------------------------------------- 2. the same container name on two engines

    @Test
    void theSameContainerNameOnBothEnginesIsTwoRoutesThatNeverDisturbEachOther() throws Exception {
        TestEngines.Tls t = TestEngines.tls();
        String name = ServeIT.name("twin");
        int lp = TestDocker.freePort();
        int fp = TestDocker.freePort();
        httpd("", name, lp, "twin near", "dormouse.enable=true", "dormouse.hosts=twin.near.test", "dormouse.port=" + lp,
                "dormouse.idle_timeout=1h");
        httpd(t.socket(), name, fp, "twin far", "dormouse.enable=true", "dormouse.hosts=twin.far.test", "dormouse.port=" + fp,
                "dormouse.idle_timeout=1h");
        daemon = ServeIT.start(dir, far(t, t.certFile(), t.keyFile(), true), "  []\n");
        String farRoute = name + "-far";
        ServeIT.await("two label routes", () -> daemon.watchers().get(name).isPresent() && daemon.watchers().get(farRoute).isPresent());
        assertEquals(List.of(), daemon.rejectedRoutes(), "no clash");
        assertEquals("docker:local/" + name, daemon.watchers().get(name).orElseThrow().config().container().orElseThrow().toString());
        assertEquals("docker:far/" + name, daemon.watchers().get(farRoute).orElseThrow().config().container().orElseThrow().toString());
        ServeIT.await("both ready", () -> state(name) == RouteState.READY && state(farRoute) == RouteState.READY);
        assertEquals("twin near", get("twin.near.test").body().strip());
        assertEquals("twin far", get("twin.far.test").body().strip());

        // Stopped by hand on the TLS engine: only its route naps; the local twin keeps serving, untouched.
        TestEngines.docker(t.socket(), "stop", "-t", "5", name);
        ServeIT.await("the far twin napping", () -> state(farRoute) == RouteState.NAPPING);
        assertEquals(RouteState.READY, state(name));
        assertEquals("running", TestDocker.inspectStatus(name));
        assertEquals(RuntimeStatus.RUNNING, daemon.store().record(name).orElseThrow().status());
        ServeIT.await("the far record follows", () -> daemon.store().record(farRoute).orElseThrow().status() == RuntimeStatus.STOPPED);

        // Slept by dormouse on the local engine, woken on the far one: each on its own engine only.
        daemon.watchers().get(name).orElseThrow().sleep(dev.dormouse.core.spi.OpSource.ADMIN).get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("exited", TestDocker.inspectStatus(name));
        assertEquals("twin far", get("twin.far.test").body().strip());
        assertEquals("running", TestEngines.status(t.socket(), name));
        assertEquals("exited", TestDocker.inspectStatus(name), "the far wake did not start the local twin");
        assertEquals("twin near", get("twin.near.test").body().strip());
        assertEquals(List.of(), daemon.rejectedRoutes());
    }

    // ---------------------------------------------------------------- 3. and 4. a Swarm service scaled to 0 and back

    private static String service(String name, int port, int replicas, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("--network", "host", "--replicas", String.valueOf(replicas)));
        args.addAll(List.of(extra));
        // With two replicas on one host, the second cannot bind the port: it waits instead, and still runs.
        args.addAll(List.of(TestDocker.IMAGE, "sh", "-c", "echo 'from the swarm' > /www/index.html && "
                + "(httpd -f -p 127.0.0.1:" + port + " -h /www || exec sleep 3600)"));
        return TestEngines.service(name, args.toArray(String[]::new));
    }

    private static String swarmRoute(String route, String service, int port, String idle) {
        return "  - name: " + route + "\n    hosts: [" + route + ".test]\n    target: \"http://:" + port + "\"\n    container: swarm:sw/" + service
                + "\n    idlewatcher: {" + idle + "}\n";
    }

    @Test
    void aSwarmServiceScalesToZeroWhenIdleAndBackToItsReplicasOnTheNextRequest() throws Exception {
        String name = ServeIT.name("svc");
        int port = TestDocker.freePort();
        service(name, port, 2);
        ServeIT.await("both tasks run", Duration.ofSeconds(60), () -> TestEngines.replicas(name).equals("2/2"));
        daemon = ServeIT.start(dir, "  swarm: [{name: sw, host: \"" + TestEngines.swarm() + "\"}]\n",
                swarmRoute("svc", name, port, "idle_timeout: 2s, stop_timeout: 5s, wake_timeout: 60s"));
        assertEquals(RouteState.READY, state("svc"), "running at start-up: ready with a fresh idle timer");
        assertEquals(URI.create("http://127.0.0.1:" + port), daemon.watchers().get("svc").orElseThrow().target(), "the service's address");

        ServeIT.await("scaled to 0 after the idle timeout", () -> TestEngines.replicas(name).equals("0/0"));
        ServeIT.await("napping", () -> state("svc") == RouteState.NAPPING);
        ServeIT.await("the scale to 0 done: its tasks gone", () -> ops("svc").contains("scale_down/idle_timeout/success"));
        assertEquals(2, daemon.store().record("svc").orElseThrow().replicas(), "the count it had, on the record");
        long t0 = System.nanoTime();
        HttpResponse<String> r = get("svc.test");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("from the swarm", r.body().strip());
        System.out.printf("swarm wake: scale 0 -> 2 until answered %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertEquals("2/2", TestEngines.replicas(name), "ready once the wanted tasks run");
        List<String> ops = ops("svc");
        assertEquals(List.of("reconcile_adopt/startup/success", "scale_down/idle_timeout/success", "scale_up/wake_request/success"), ops);
        assertEquals(RuntimeStatus.RUNNING, daemon.store().record("svc").orElseThrow().status());
        assertEquals("swarm:sw", provider("swarm:sw").key());
        assertTrue(provider("swarm:sw").status().connected());
        assertTrue(metrics().contains("dormouse_sleeps_total{method=\"scale_down\",route=\"svc\"} 1"),
                metrics().lines().filter(l -> l.startsWith("dormouse_sleeps")).toList().toString());
    }

    @Test
    void aServiceScaledByHandToZeroNapsAndBackToOneIsReadyWithAFreshIdleTimer() throws Exception {
        String name = ServeIT.name("byhand");
        int port = TestDocker.freePort();
        service(name, port, 1);
        ServeIT.await("its task runs", Duration.ofSeconds(60), () -> TestEngines.replicas(name).equals("1/1"));
        daemon = ServeIT.start(dir, "  swarm: [{name: sw, host: \"" + TestEngines.swarm() + "\"}]\n",
                swarmRoute("byhand", name, port, "idle_timeout: 4s, stop_timeout: 5s"));
        assertEquals(RouteState.READY, state("byhand"));

        TestEngines.docker(TestEngines.swarm(), "service", "scale", "-d", name + "=0");
        ServeIT.await("napping", () -> state("byhand") == RouteState.NAPPING);
        ServeIT.await("the record follows", () -> daemon.store().record("byhand").orElseThrow().status() == RuntimeStatus.STOPPED);
        assertEquals(Optional.empty(), daemon.watchers().get("byhand").orElseThrow().lastError(), "a scale to 0 of a route that sleeps is a nap");

        TestEngines.docker(TestEngines.swarm(), "service", "scale", "-d", name + "=1");
        long back = System.nanoTime();
        ServeIT.await("ready again", () -> state("byhand") == RouteState.READY);
        assertEquals("from the swarm", HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).body().strip());
        // A fresh idle timer: it sleeps again by itself, no sooner than its idle timeout after it was ready.
        ServeIT.await("asleep again after its idle timeout", () -> ops("byhand").contains("scale_down/idle_timeout/success"));
        long asleep = System.nanoTime() - back;
        assertTrue(asleep >= Duration.ofSeconds(4).toNanos(), "slept after " + asleep / 1_000_000 + " ms");
        assertEquals("0/0", TestEngines.replicas(name));
        assertEquals(List.of("reconcile_adopt/startup/success", "scale_down/idle_timeout/success"), ops("byhand"),
                "the hand's scales are not dormouse's actions");
        assertEquals(1, daemon.store().record("byhand").orElseThrow().replicas());
    }

    // ---------------------------------------------------------------- 5. Podman

    @Test
    void aPodmanContainerSleepsAndWakesThroughPodmansSocket() throws Exception {
        Optional<String> podman = TestEngines.podman();
        Assumptions.assumeTrue(podman.isPresent(), "Podman cannot run here: " + TestEngines.podmanUnavailable());
        int port = TestDocker.freePort();
        String c = httpd(podman.get(), ServeIT.name("pod"), port, "from podman");
        daemon = ServeIT.start(dir, "  docker:\n    - {name: local}\n    - {name: pod, host: \"" + podman.get() + "\"}\n",
                ServeIT.route("pod", "pod.test", port, "docker:pod/" + c, "idle_timeout: 2s, stop_timeout: 5s"));
        assertEquals(RouteState.READY, state("pod"));
        ServeIT.await("stopped by dormouse through Podman", () -> TestEngines.status(podman.get(), c).equals("exited"));
        ServeIT.await("napping", () -> state("pod") == RouteState.NAPPING);
        HttpResponse<String> r = get("pod.test");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("from podman", r.body().strip());
        assertEquals("running", TestEngines.status(podman.get(), c));
        assertEquals(List.of("reconcile_adopt/startup/success", "stop/idle_timeout/success", "start/wake_request/success"), ops("pod"));
        assertTrue(provider("docker:pod").status().connected());
    }

    /** For the record, what the idle watchers know (used while diagnosing a failure). */
    @SuppressWarnings("unused")
    private String describe() {
        StringBuilder sb = new StringBuilder();
        for (IdleWatcher w : daemon.watchers().all()) sb.append(w.route()).append('=').append(w.state()).append(' ');
        for (Operation o : daemon.store().operations(Optional.empty(), 20)) sb.append(o).append('\n');
        return sb.toString();
    }
}
