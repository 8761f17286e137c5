package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dormouse.provider.docker.testkit.TestDocker;
import dev.dormouse.rtmanager.OpKind;
import dev.dormouse.rtmanager.Operation;
import dev.dormouse.rtmanager.Outcome;
import dev.dormouse.rtmanager.RuntimeRecord;
import dev.dormouse.rtmanager.RuntimeStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of {@code serve} at random moments of a stream of sleeps and wakes through the admin API:
 * nothing is lost. The daemon is a real separate process ({@code dev.dormouse.cli.Main serve} in a child
 * JVM with this test's class path), four real containers (two sleep by stopping, two by pausing) are
 * slept and woken by one client each, and the daemon is killed with SIGKILL once a random number of
 * actions of its life have been sent, a random few milliseconds later, while the other clients' calls are
 * under way. After each restart, before the next action and within 5 s of the daemon serving: every record
 * matches {@code docker inspect}, no lease of a dead process is held, every Docker start, stop, pause and
 * unpause so far has its own operation-log row (completed or {@code interrupted}), and
 * {@code PRAGMA integrity_check} is {@code ok}. The seed is printed; {@code -Dkillnine.seed=N} repeats a run.
 */
class KillNineIT {
    private static final int ACTIONS = 1000;
    private static final int KILLS = 10;
    private static final Duration CHECK_BOUND = Duration.ofSeconds(5);
    private static final List<String> FOLLOWED = List.of("start", "stop", "pause", "unpause");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;
    private Process serve;
    private final Map<String, String> containers = new LinkedHashMap<>();
    private int adminPort;
    private String token = "";
    private int matchedEvents;
    /** Pause/unpause pairs the engine reported twice (see {@link #unmatchedEvents}), as of the last check. */
    private int echoesSeen;

    @BeforeAll
    static void engine() {
        TestDocker.ensureEngine();
    }

    /** Every start, stop, pause and unpause of the containers, as {@code docker events} streams them. */
    private final List<Event> followed = new java.util.concurrent.CopyOnWriteArrayList<>();
    private Process events;

    private void followEvents() throws IOException {
        // A container no route has: its pause shows when the stream is open; its events are not counted.
        String probe = ServeIT.name("k9-probe");
        TestDocker.run(probe, "--network", "host", TestDocker.IMAGE, "sleep", "600");
        List<String> cmd = new ArrayList<>(List.of("docker", "events", "--format", "{{.Actor.Attributes.name}} {{.Action}} {{.TimeNano}}"));
        for (String c : containers.values()) cmd.addAll(List.of("--filter", "container=" + c));
        cmd.addAll(List.of("--filter", "container=" + probe));
        for (String a : FOLLOWED) cmd.addAll(List.of("--filter", "event=" + a));
        events = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean();
        Thread.ofVirtual().name("k9-events").start(() -> {
            try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(events.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    String[] f = line.strip().split(" ");
                    if (f.length != 3 || !FOLLOWED.contains(f[1])) continue;
                    if (f[0].equals(probe)) open.set(true);
                    else followed.add(new Event(f[0], f[1], Long.parseLong(f[2])));
                }
            } catch (IOException e) {
                // the stream ends with the test
            }
        });
        ServeIT.await("the event stream is open", Duration.ofSeconds(20), () -> {
            TestDocker.exec("pause", probe);
            TestDocker.exec("unpause", probe);
            return open.get();
        });
        TestDocker.exec("rm", "-f", probe);
    }

    @AfterEach
    void cleanup() throws Exception {
        if (events != null) events.destroy();
        if (serve != null && serve.isAlive()) {
            serve.destroy();
            if (!serve.waitFor(20, TimeUnit.SECONDS)) serve.destroyForcibly();
        }
        TestDocker.removeAll();
    }

    @Test
    void killedAtRandomMomentsOfAThousandActionsNothingIsLost() throws Exception {
        long seed = Long.getLong("killnine.seed", System.nanoTime());
        System.out.println("kill -9: seed " + seed + " (repeat with -Dkillnine.seed=" + seed + ")");
        Random random = new Random(seed);
        StringBuilder routes = new StringBuilder();
        String[] methods = {"stop", "pause", "stop", "pause"};
        for (int i = 0; i < methods.length; i++) {
            int port = TestDocker.freePort();
            String route = "r" + i + "-" + methods[i];
            containers.put(route, ServeIT.httpd("k9-" + route, port, route));
            routes.append(ServeIT.route(route, route + ".test", port, containers.get(route), "idle_timeout: 1h, stop_method: " + methods[i]
                    + ", stop_timeout: 5s, wake_timeout: 30s"));
        }
        // The engine keeps only its last 256 events for a --since query, so they are followed live from here on
        // (the containers' own first starts, which are the test's, are over).
        followEvents();
        adminPort = TestDocker.freePort();
        Path cfg = dir.resolve("dormouse.yml");
        Files.writeString(cfg, "server:\n  http: \"127.0.0.1:" + TestDocker.freePort() + "\"\n  admin: \"127.0.0.1:" + adminPort + "\"\n  data_dir: \""
                + dir.resolve("data") + "\"\nproviders:\n  docker: [{name: local}]\nroutes:\n" + routes);

        Set<Long> deadPids = new HashSet<>();
        int actions = 0;
        int kills = 0;
        List<Long> readyMs = new ArrayList<>();
        List<Long> checkMs = new ArrayList<>();
        while (true) {
            long t0 = System.nanoTime();
            start(cfg, kills);
            readyMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            long checked = System.nanoTime();
            check(deadPids, kills);
            checkMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - checked));
            if (actions >= ACTIONS && kills >= KILLS) break;
            int budget = 40 + random.nextInt(70);
            long lateNanos = TimeUnit.MILLISECONDS.toNanos(random.nextInt(40));
            actions += life(budget, lateNanos, Math.max(0, ACTIONS - actions));
            deadPids.add(serve.pid());
            kills++;
        }
        serve.destroy();
        assertTrue(serve.waitFor(30, TimeUnit.SECONDS), "the last daemon stops on SIGTERM");
        Map<String, Long> outcomes = new java.util.TreeMap<>();
        StringBuilder interrupted = new StringBuilder();
        for (Operation o : RuntimeStore.open(dir.resolve("data")).operations(Optional.empty(), 100_000)) {
            outcomes.merge(o.outcome().label() + (o.outcome() == Outcome.INTERRUPTED ? " (" + o.errorCode() + ")" : ""), 1L, Long::sum);
            if (o.outcome() == Outcome.INTERRUPTED) interrupted.append(o).append('\n');
        }
        keep("interrupted.txt", interrupted.toString());
        System.out.println("kill -9: " + actions + " actions, " + kills + " kills, " + matchedEvents + " engine events matched to their rows ("
                + echoesSeen + " pause/unpause pairs the engine reported twice); rows " + outcomes
                + "; serving " + readyMs + " ms after each start; checks " + checkMs + " ms");
        assertTrue(outcomes.getOrDefault("interrupted (holder_died)", 0L) > 0, "some kill landed during an action: " + outcomes);
    }

    // ---------------------------------------------------------------- the daemon

    private void start(Path cfg, int life) throws Exception {
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElseThrow(), "--enable-native-access=ALL-UNNAMED", "-Xshare:auto",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "dev.dormouse.cli.Main", "serve", "--config", cfg.toString());
        Path log = dir.resolve("serve-" + life + ".log");
        serve = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            if (!serve.isAlive()) fail("serve exited " + serve.exitValue() + ": " + Files.readString(log));
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/healthz")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) break;
            } catch (IOException e) {
                // not serving yet
            }
            // Deadline of a wait for a real serve process to answer: its time is not ours.
            if (System.nanoTime() > deadline) fail("serve not answering after 60 s: " + Files.readString(log));
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        if (token.isEmpty()) token = Files.readString(dir.resolve("data").resolve("admin.token")).strip();
    }

    /**
     * One life of the daemon: a client per route alternates sleep and wake until {@code budget} actions
     * have been sent in all (or {@code left}, if fewer), then, {@code lateNanos} later, the daemon is
     * killed with SIGKILL while the other calls are under way.
     *
     * @return the actions sent
     */
    private int life(int budget, long lateNanos, int left) throws Exception {
        AtomicInteger sent = new AtomicInteger();
        int limit = Math.max(1, Math.min(budget, left == 0 ? budget : left));
        List<Thread> clients = new ArrayList<>();
        for (String route : containers.keySet()) {
            clients.add(Thread.ofVirtual().name("k9-" + route).start(() -> {
                boolean sleep = true;
                while (sent.get() < limit && serve.isAlive()) {
                    sent.incrementAndGet();
                    String path = "/api/v1/routes/" + route + (sleep ? "/sleep" : "/wake?wait=true");
                    try {
                        HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).header("Authorization", "Bearer " + token)
                                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.discarding());
                    } catch (IOException e) {
                        return; // the daemon was killed under this call
                    } catch (InterruptedException e) {
                        return;
                    }
                    sleep = !sleep;
                }
            }));
        }
        // The kill lands at a chosen moment of a real serve process, whose time is not ours.
        while (sent.get() < limit && serve.isAlive()) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        LockSupport.parkNanos(lateNanos);
        serve.destroyForcibly(); // SIGKILL
        assertTrue(serve.waitFor(20, TimeUnit.SECONDS));
        assertEquals(137, serve.exitValue(), "killed with SIGKILL");
        for (Thread t : clients) {
            if (!t.join(Duration.ofSeconds(30))) fail("a client hangs on a killed daemon");
        }
        return sent.get();
    }

    // ---------------------------------------------------------------- what must hold after each restart

    private void check(Set<Long> deadPids, int life) throws Exception {
        long deadline = System.nanoTime() + CHECK_BOUND.toNanos();
        RuntimeStore store = RuntimeStore.open(dir.resolve("data"));
        List<String> problems;
        while (true) {
            problems = new ArrayList<>();
            Map<String, String> engine = engineStates();
            for (Map.Entry<String, String> e : containers.entrySet()) {
                RuntimeRecord r = store.record(e.getKey()).orElseThrow();
                String seen = engine.get(e.getValue());
                String want = switch (seen.split(" ")[1]) {
                    case "running" -> "running";
                    case "paused" -> "paused";
                    default -> "stopped";
                };
                if (!r.status().label().equals(want) || !seen.startsWith(r.containerId() + " ")) {
                    problems.add(e.getKey() + ": record " + r.status().label() + " " + r.containerId() + ", engine " + seen);
                }
            }
            for (RuntimeStore.Lease l : store.leases()) {
                if (deadPids.contains(l.pid()) || ProcessHandle.of(l.pid()).isEmpty()) problems.add("lease of a dead process: " + l);
            }
            long pending = store.operations(Optional.empty(), 100_000).stream().filter(o -> o.outcome() == Outcome.PENDING).count();
            if (pending > 0 && store.leases().isEmpty()) problems.add(pending + " pending rows without an action under way");
            // Deadline of a wait for a real serve process killed with -9: its time is not ours.
            if (problems.isEmpty() || System.nanoTime() > deadline) break;
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        assertEquals(List.of(), problems, "after restart " + life + ": records match the engine, no dead holder's lease");
        assertEquals(List.of(), unmatchedEvents(store), "after restart " + life + ": every Docker event has its operation-log row");
        assertEquals("ok", store.integrityCheck());
    }

    /** {@code docker inspect} of every container: {@code id status}, by name. */
    private Map<String, String> engineStates() {
        List<String> cmd = new ArrayList<>(List.of("inspect", "-f", "{{.Name}} {{.Id}} {{.State.Status}}"));
        cmd.addAll(containers.values());
        Map<String, String> out = new HashMap<>();
        for (String line : TestDocker.exec(cmd.toArray(String[]::new)).strip().split("\n")) {
            String[] f = line.strip().split(" ");
            out.put(f[0].substring(1), f[1] + " " + f[2]);
        }
        return out;
    }

    private record Event(String container, String action, long nanos) {}

    /**
     * Matches every start, stop, pause and unpause the engine reported for the containers since the test
     * began with its own operation-log row of the same kind: a row whose action began before the event
     * (one host, one clock; rows are stored to the millisecond) and was under way when it happened. The
     * engine stamps some events when it processes its runtime's notice, a few milliseconds after the API
     * call returned, so an event may follow its row's finish by up to {@link #LATE_EVENT}; an
     * {@code interrupted} row's action may even land after the row was resolved, by up to
     * {@link #LATE_INTERRUPTED}. Events are taken in time order, each by the free row whose window closes
     * first (the assignment that leaves no event unmatched if any does).
     *
     * @return the events without a row
     */
    private List<String> unmatchedEvents(RuntimeStore store) {
        List<Event> events = new ArrayList<>(followed);
        events.sort(java.util.Comparator.comparingLong(Event::nanos));
        Map<String, String> routeOf = new HashMap<>();
        containers.forEach((route, c) -> routeOf.put(c, route));
        Set<Long> used = new HashSet<>();
        List<String> unmatched = new ArrayList<>();
        Map<String, List<Operation>> rows = new HashMap<>();
        for (String route : containers.keySet()) {
            rows.put(route, store.operations(Optional.of(route), 100_000).reversed().stream()
                    .filter(o -> Set.of(OpKind.START, OpKind.STOP, OpKind.PAUSE, OpKind.UNPAUSE).contains(o.kind()))
                    .filter(o -> Set.of(Outcome.SUCCESS, Outcome.FAILURE, Outcome.INTERRUPTED).contains(o.outcome())).toList());
        }
        // Docker 20.10 stamps a pause or unpause twice when its runtime's notice of the previous one comes late (tens
        // to hundreds of milliseconds on a loaded machine): after a pause it reports "unpause, pause" once more (after an
        // unpause "pause, unpause"), changing no state. Such a pair, following an action's own event before the
        // runtime's next action began, cannot be two more actions of dormouse's: that action held the lease, and no
        // other action on the runtime began until after the pair.
        int echoes = 0;
        List<Event> real = new ArrayList<>();
        for (String c : containers.values()) {
            List<Event> mine = new ArrayList<>(events.stream().filter(e -> e.container().equals(c)).toList());
            List<Operation> theirs = rows.get(routeOf.get(c));
            for (int i = 0; i + 2 < mine.size(); i++) {
                Event own = mine.get(i);
                Event a = mine.get(i + 1);
                Event b = mine.get(i + 2);
                if (!Set.of("pause", "unpause").contains(own.action()) || !b.action().equals(own.action()) || a.action().equals(own.action())
                        || !Set.of("pause", "unpause").contains(a.action())) {
                    continue;
                }
                // The action the first event belongs to: the last of that kind to begin before it.
                Optional<Operation> action = theirs.stream().filter(o -> o.kind().label().equals(own.action()) && within(own, o))
                        .max(java.util.Comparator.comparing(Operation::startedAt));
                boolean echo = action.isPresent() && theirs.stream().noneMatch(o -> o.id() != action.get().id() && nanos(o.startedAt()) > nanos(action.get().startedAt())
                                && nanos(o.startedAt()) <= b.nanos()); // stored to the ms, so no later than it began
                if (echo) {
                    mine.remove(i + 2);
                    mine.remove(i + 1);
                    echoes++;
                }
            }
            real.addAll(mine);
        }
        real.sort(java.util.Comparator.comparingLong(Event::nanos));
        List<Event> left = new ArrayList<>();
        for (Event e : real) {
            Optional<Operation> row = rows.get(routeOf.get(e.container())).stream()
                    .filter(o -> !used.contains(o.id()) && o.kind().label().equals(e.action()) && within(e, o))
                    .min(java.util.Comparator.comparingLong(KillNineIT::closes));
            if (row.isPresent()) used.add(row.get().id());
            else left.add(e);
        }
        for (Event e : left) {
            List<String> near = rows.get(routeOf.get(e.container())).stream()
                    .filter(o -> Math.abs(nanos(o.startedAt()) - e.nanos()) < TimeUnit.SECONDS.toNanos(1))
                    .map(o -> o.id() + " " + o.kind().label() + " " + o.outcome().label() + " " + o.startedAt() + ".." + o.finishedAt()
                            + (used.contains(o.id()) ? " (taken)" : ""))
                    .toList();
            unmatched.add(e.action() + " of " + e.container() + " at " + Instant.ofEpochSecond(0, e.nanos()) + "; rows near it: " + near);
        }
        matchedEvents = used.size();
        echoesSeen = echoes;
        if (!unmatched.isEmpty()) {
            StringBuilder dump = new StringBuilder();
            for (Event e : events) dump.append("E ").append(e.container()).append(' ').append(e.action()).append(' ').append(Instant.ofEpochSecond(0, e.nanos())).append('\n');
            rows.forEach((r, os) -> os.forEach(o -> dump.append("R ").append(r).append(' ').append(o.id()).append(' ').append(o.kind().label()).append(' ')
                    .append(o.outcome().label()).append(' ').append(o.startedAt()).append(' ').append(o.finishedAt()).append(' ').append(o.errorMessage()).append('\n')));
            keep("events-and-rows.txt", dump.toString());
        }
        return unmatched;
    }

    private static final Duration LATE_EVENT = Duration.ofSeconds(1);
    private static final Duration LATE_INTERRUPTED = Duration.ofSeconds(15);

    /** Whether the event happened while the row's action was under way (or late enough after it, see {@link #closes}). */
    private static boolean within(Event e, Operation o) {
        return nanos(o.startedAt()) - TimeUnit.MILLISECONDS.toNanos(2) <= e.nanos() && e.nanos() <= closes(o);
    }

    /** The last moment an event of the row's action may carry. */
    private static long closes(Operation o) {
        return nanos(o.finishedAt()) + (o.outcome() == Outcome.INTERRUPTED ? LATE_INTERRUPTED : LATE_EVENT).toNanos();
    }

    /** Keeps a file and the daemons' logs under {@code target/killnine/} for a failure to be read after the run. */
    private void keep(String name, String text) {
        try {
            Path out = Path.of("target", "killnine");
            Files.createDirectories(out);
            Files.writeString(out.resolve(name), text);
            try (var logs = Files.list(dir)) {
                for (Path f : logs.filter(f -> f.toString().endsWith(".log")).toList()) {
                    Files.copy(f, out.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
