package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.idlewatcher.WakeEvent;
import dev.dormouse.provider.docker.testkit.TestDocker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Live configuration against the real engine: label routes that come and go, engine restarts, config reloads. */
class LiveConfigIT extends EngineTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String LABELS = "  docker: [{name: local, labels: true}]\n";

    private HttpResponse<String> get(String host) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/")).header("Host", host)
                .header("Accept", "*/*").timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A labelled busybox httpd on the host network answering {@code body}. */
    private static void labelled(String name, String host, int port, String body, String... labels) {
        List<String> args = new ArrayList<>(List.of("--network", "host", "--label", "dormouse.enable=true", "--label", "dormouse.hosts=" + host,
                "--label", "dormouse.port=" + port, "--label", "dormouse.stop_timeout=5s"));
        for (String l : labels) args.addAll(List.of("--label", l));
        args.addAll(List.of(TestDocker.IMAGE, "sh", "-c", "mkdir -p /www && echo " + body + " > /www/index.html && "
                + "trap 'kill $pid; exit 0' TERM; httpd -f -p 127.0.0.1:" + port + " -h /www & pid=$!; wait"));
        TestDocker.run(name, args.toArray(String[]::new));
    }

    // ---------------------------------------------------------------- must-show 1 and 2

    @Test
    void labelledContainersComeAndGoWithoutARestart() throws Exception {
        daemon = ServeIT.start(dir, LABELS, "  - {name: file, hosts: [file.test], target: \"http://127.0.0.1:1\"}\n");
        assertEquals(404, get("live.test").statusCode());
        int port = TestDocker.freePort();
        String c = ServeIT.name("live");
        labelled(c, "live.test", port, "first");
        long started = System.nanoTime();
        ServeIT.await("the label route", () -> {
            try {
                return get("live.test").statusCode() != 404;
            } catch (Exception e) {
                return false;
            }
        });
        long routableMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        System.out.println("label route routable " + routableMs + " ms after docker run returned");
        assertTrue(routableMs < 1000, "routable within 1 s, took " + routableMs + " ms");
        HttpResponse<String> r = get("live.test");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("first", r.body().strip());

        // Recreated under the same name, as docker compose up does: the route follows the new container.
        IdleWatcher before = daemon.watchers().get(c).orElseThrow();
        TestDocker.exec("rm", "-f", c);
        labelled(c, "live.test", port, "second");
        ServeIT.await("the new container's answer", () -> {
            try {
                return get("live.test").body().strip().equals("second");
            } catch (Exception e) {
                return false;
            }
        });
        assertSame(before, daemon.watchers().get(c).orElseThrow(), "same labels: the route and its watcher are kept");
        assertEquals(RouteState.READY, before.state());

        // Removed: the route goes with it.
        TestDocker.exec("rm", "-f", c);
        ServeIT.await("404 once the container is gone", Duration.ofSeconds(5), () -> {
            try {
                return get("live.test").statusCode() == 404;
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(502, get("file.test").statusCode(), "the file route is untouched");
    }

    // ---------------------------------------------------------------- must-show 3

    /** The running dockerd's command line, restarted with --live-restore first if it lacks it. */
    private static List<String> engineCommand() throws Exception {
        List<String> cmd = dockerdCommand();
        if (!cmd.contains("--live-restore")) {
            stopEngine();
            cmd = new ArrayList<>(cmd);
            cmd.add("--live-restore");
            startEngine(cmd);
        }
        return cmd;
    }

    private static List<String> dockerdCommand() throws Exception {
        Process p = new ProcessBuilder("pgrep", "-o", "-x", "dockerd").redirectErrorStream(true).start();
        String pid = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(0, p.waitFor(), "dockerd is running");
        String raw = Files.readString(Path.of("/proc", pid, "cmdline"));
        return List.of(raw.split("\0"));
    }

    private static void stopEngine() throws Exception {
        assertEquals(0, new ProcessBuilder("pkill", "-TERM", "-x", "dockerd").start().waitFor());
        ServeIT.await("dockerd stopped", Duration.ofSeconds(60), () -> {
            try {
                return new ProcessBuilder("pgrep", "-x", "dockerd").start().waitFor() != 0;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static void startEngine(List<String> cmd) throws Exception {
        List<String> full = new ArrayList<>(List.of("setsid", "-f"));
        full.addAll(cmd);
        new ProcessBuilder(full).redirectOutput(ProcessBuilder.Redirect.appendTo(new java.io.File("/var/log/dockerd.log")))
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start().waitFor();
        ServeIT.await("dockerd answering", Duration.ofSeconds(60), () -> {
            try {
                return new ProcessBuilder("docker", "version").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
            } catch (IOException | InterruptedException e) {
                return false;
            }
        });
    }

    @Test
    void followsTheEngineThroughARestart() throws Exception {
        List<String> engine = engineCommand();
        int labelPort = TestDocker.freePort();
        String lc = ServeIT.name("restart-label");
        labelled(lc, "label.test", labelPort, "label", "dormouse.idle_timeout=1h");
        int filePort = TestDocker.freePort();
        String fc = ServeIT.httpd("restart-file", filePort, "file");
        TestDocker.waitForPort(labelPort, Duration.ofSeconds(20));
        daemon = ServeIT.start(dir, LABELS, ServeIT.route("file", "file.test", filePort, fc, "idle_timeout: 1h"));
        assertEquals("label", get("label.test").body().strip());
        assertEquals("file", get("file.test").body().strip());
        ServeIT.await("provider connected", () -> daemon.providerStatus().get("docker:local").connected());
        List<WakeEvent> transitions = new CopyOnWriteArrayList<>();
        IdleWatcher file = daemon.watchers().get("file").orElseThrow();
        IdleWatcher label = daemon.watchers().get(lc).orElseThrow();
        file.subscribe(transitions::add);
        label.subscribe(transitions::add);

        AtomicBoolean loading = new AtomicBoolean(true);
        AtomicLong ok = new AtomicLong();
        List<String> errors = new CopyOnWriteArrayList<>();
        Thread load = Thread.ofVirtual().start(() -> {
            while (loading.get()) {
                for (String host : List.of("label.test", "file.test")) {
                    try {
                        HttpResponse<String> r = get(host);
                        if (r.statusCode() == 200) ok.incrementAndGet();
                        else errors.add(host + ": " + r.statusCode() + " " + r.body());
                    } catch (Exception e) {
                        errors.add(host + ": " + e);
                    }
                }
            }
        });
        long okBefore;
        try {
            stopEngine();
            ServeIT.await("provider seen disconnected", () -> !daemon.providerStatus().get("docker:local").connected());
            okBefore = ok.get();
            ServeIT.await("requests served while the engine is down", () -> ok.get() > okBefore + 20);
            startEngine(engine);
            ServeIT.await("provider reconnected", Duration.ofSeconds(20), () -> daemon.providerStatus().get("docker:local").connected());
            long okAfter = ok.get();
            ServeIT.await("requests served after the restart", () -> ok.get() > okAfter + 20);
        } finally {
            loading.set(false);
            load.join();
            if (new ProcessBuilder("pgrep", "-x", "dockerd").start().waitFor() != 0) startEngine(engine);
        }
        assertEquals(List.of(), errors, "ready routes kept serving");
        assertEquals(List.of(), transitions.stream().map(WakeEvent::toString).toList(), "no wake or state change from the restart");
        assertEquals(RouteState.READY, file.state());
        assertEquals(RouteState.READY, label.state());
        assertSame(label, daemon.watchers().get(lc).orElseThrow(), "the label route survived the resync");

        // Events flow again: an outside stop is followed, and the next request wakes the route.
        TestDocker.exec("stop", "-t", "5", fc);
        ServeIT.await("file route napping", () -> file.state() == RouteState.NAPPING);
        assertEquals("file", get("file.test").body().strip());
        assertEquals("running", TestDocker.inspectStatus(fc));
    }

    // ---------------------------------------------------------------- must-show 4

    @Test
    void aBurstOfEventsCausesFewRebuilds() throws Exception {
        daemon = ServeIT.start(dir, LABELS, "  - {name: file, hosts: [file.test], target: \"http://127.0.0.1:1\"}\n");
        List<String> containers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String c = ServeIT.name("burst" + i);
            TestDocker.run(c, "--network", "host", "--label", "dormouse.enable=true", "--label", "dormouse.hosts=burst" + i + ".test",
                    "--label", "dormouse.port=1", TestDocker.IMAGE, "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done");
            containers.add(c);
        }
        ServeIT.await("four label routes", () -> daemon.routes().size() == 5);
        long[] seen = {daemon.labelEvents(), System.nanoTime()};
        ServeIT.await("no events for two batch windows", () -> {
            long e = daemon.labelEvents();
            if (e != seen[0]) {
                seen[0] = e;
                seen[1] = System.nanoTime();
            }
            // LiveConfigIT restarts the engine and is never run with the others; its batching waits stay on real time.
            return System.nanoTime() - seen[1] > 2 * Daemon.EVENT_BATCH.toNanos();
        });
        long events0 = daemon.labelEvents();
        long rebuilds0 = daemon.labelRebuilds();
        long t0 = System.nanoTime();
        // 1,000 events: 125 pause/unpause pairs on each of four containers, in parallel, straight to the engine API.
        List<Process> burst = new ArrayList<>();
        for (String c : containers) {
            String loop = "for i in $(seq 125); do for op in pause unpause; do curl -sf -o /dev/null --unix-socket /var/run/docker.sock "
                    + "-X POST http://localhost/v1.41/containers/" + c + "/$op || exit 1; done; done";
            burst.add(new ProcessBuilder("sh", "-c", loop).redirectErrorStream(true).start());
        }
        for (Process p : burst) assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
        ServeIT.await("1,000 events received", () -> daemon.labelEvents() >= events0 + 1000);
        long burstMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        long settled = System.nanoTime() + 3 * Daemon.EVENT_BATCH.toNanos();
        // LiveConfigIT restarts the engine and is never run with the others; its batching waits stay on real time.
        ServeIT.await("the last batch", () -> System.nanoTime() > settled);
        long rebuilds = daemon.labelRebuilds() - rebuilds0;
        long events = daemon.labelEvents() - events0;
        System.out.println("event burst: " + events + " events in " + burstMs + " ms caused " + rebuilds + " route rebuilds");
        assertTrue(rebuilds >= 1, "the burst was seen");
        assertTrue(rebuilds <= burstMs / Daemon.EVENT_BATCH.toMillis() + 2, rebuilds + " rebuilds for " + burstMs + " ms of events");
        assertEquals(5, daemon.routes().size());
    }

    // ---------------------------------------------------------------- must-show 5 and 6

    private static String config(Path data, String routes) {
        return "server:\n  http: \"127.0.0.1:0\"\n  admin: \"\"\n  data_dir: \"" + data + "\"\nproviders:\n  docker: [{name: local}]\nroutes:\n" + routes;
    }

    @Test
    void reloadsUnderLoadLoseNoRequest() throws Exception {
        int port = TestDocker.freePort();
        String c = ServeIT.httpd("reload", port, "steady");
        String steady = ServeIT.route("steady", "steady.test", port, c, "idle_timeout: 1h");
        daemon = ServeIT.start(dir, "  docker: [{name: local}]\n", steady);
        Path file = dir.resolve("dormouse.yml");
        assertEquals("steady", get("steady.test").body().strip());
        IdleWatcher watcher = daemon.watchers().get("steady").orElseThrow();

        AtomicBoolean loading = new AtomicBoolean(true);
        AtomicLong ok = new AtomicLong();
        List<String> errors = new CopyOnWriteArrayList<>();
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            load.add(Thread.ofVirtual().start(() -> {
                while (loading.get()) {
                    try {
                        HttpResponse<String> r = get("steady.test");
                        if (r.statusCode() == 200 && r.body().strip().equals("steady")) ok.incrementAndGet();
                        else errors.add(r.statusCode() + " " + r.body());
                    } catch (Exception e) {
                        errors.add(e.toString());
                    }
                }
            }));
        }
        try {
            for (int i = 0; i < 100; i++) {
                // Every reload adds or removes one route and changes another; "steady" stays as it is.
                String extra = i % 2 == 0 ? "  - {name: extra, hosts: [extra.test], target: \"http://127.0.0.1:1\"}\n" : "";
                String other = "  - {name: other, hosts: [other.test], target: \"http://127.0.0.1:" + (2 + i) + "\"}\n";
                Files.writeString(file, config(dir.resolve("data"), steady + other + extra));
                assertTrue(daemon.reload("test " + i), daemon.lastReloadError().orElse(""));
                assertEquals(i % 2 == 0 ? 502 : 404, get("extra.test").statusCode(), "reload " + i + " applied");
            }
        } finally {
            loading.set(false);
            for (Thread t : load) t.join();
        }
        System.out.println("100 reloads under load: " + ok.get() + " requests, " + errors.size() + " errors");
        assertEquals(List.of(), errors);
        assertTrue(ok.get() > 100, "the load ran throughout: " + ok.get());
        assertEquals(100, daemon.reloads());
        assertSame(watcher, daemon.watchers().get("steady").orElseThrow(), "an unchanged route keeps its watcher, state and timer");
    }

    @Test
    void editsOfTheFileAreAppliedAndABrokenEditKeepsEverythingServing() throws Exception {
        int port = TestDocker.freePort();
        String c = ServeIT.httpd("edit", port, "edited");
        String app = ServeIT.route("app", "app.test", port, c, "idle_timeout: 1h");
        daemon = ServeIT.start(dir, "  docker: [{name: local}]\n", app);
        Path file = dir.resolve("dormouse.yml");
        assertEquals(404, get("new.test").statusCode());

        // A saved edit is picked up without a signal.
        Files.writeString(file, config(dir.resolve("data"), app + "  - {name: new, hosts: [new.test], target: \"http://127.0.0.1:1\"}\n"));
        ServeIT.await("the edit applied", () -> daemon.reloads() == 1);
        assertEquals(502, get("new.test").statusCode());

        // A broken edit: the running config stays, the error names line and column.
        Files.writeString(file, config(dir.resolve("data"), app + "  - {name: broken, hosts: [broken.test], target: \"http://127.0.0.1:1\", idle_timout: 1m}\n"));
        ServeIT.await("the error reported", () -> daemon.lastReloadError().isPresent());
        String error = daemon.lastReloadError().orElseThrow();
        assertTrue(error.matches(".*dormouse\\.yml:\\d+:\\d+.*routes\\[1\\]\\.idle_timout: unknown key.*"), error);
        assertEquals(1, daemon.reloads());
        assertEquals("edited", get("app.test").body().strip(), "every route keeps serving");
        assertEquals(502, get("new.test").statusCode());
        assertEquals(404, get("broken.test").statusCode());
        assertFalse(daemon.routes().stream().anyMatch(r -> r.name().equals("broken")));
    }
}
