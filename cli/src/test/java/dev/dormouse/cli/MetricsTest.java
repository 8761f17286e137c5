package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.cli.testkit.PromText;
import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.HealthcheckConfig;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.core.spi.ProviderStatus;
import dev.dormouse.health.CheckResult;
import dev.dormouse.health.HealthMonitor;
import dev.dormouse.health.HealthMonitors;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.idlewatcher.WakeEvent;
import dev.dormouse.rtmanager.OpKind;
import dev.dormouse.rtmanager.Operation;
import dev.dormouse.rtmanager.Outcome;
import dev.dormouse.rtmanager.RuntimeEvent;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The daemon-level metrics with fake watchers, monitors and providers, read back through a strict parser. */
class MetricsTest {
    private final List<IdleWatcher> watchers = new CopyOnWriteArrayList<>();
    private final HealthMonitors monitors = new HealthMonitors(Clock.systemUTC(), new dev.dormouse.core.testkit.ManualScheduler());
    private final Map<String, ProviderStatus> providers = new LinkedHashMap<>();
    private final Metrics metrics = new Metrics(new Metrics.Sources(() -> watchers, monitors::all, () -> providers));

    @AfterEach
    void close() {
        metrics.close();
        monitors.close();
    }

    private PromText scrape() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.write(out);
        return PromText.parse(out.toString(StandardCharsets.UTF_8));
    }

    static RouteConfig route(String name, String idle) {
        String yaml = "providers: {docker: [{name: local}]}\nroutes:\n  - name: " + name + "\n    hosts: [" + name + ".test]\n"
                + "    target: http://127.0.0.1:9\n    container: c-" + name + "\n    idlewatcher: {" + idle + "}\n";
        return ConfigLoader.parse(new java.io.StringReader(yaml), "t.yml", Path.of("."), Path.of("t.yml")).routes().get(0);
    }

    private static Operation op(String route, OpKind kind, Outcome outcome) {
        Instant now = Instant.now();
        return new Operation(1, route, kind, OpSource.IDLE_TIMEOUT, outcome, "", "", now, now, "id");
    }

    @Test
    void wakesAreCountedAndTimedFromWakeEvents() throws Exception {
        FakeWatcher w = new FakeWatcher(route("app", "idle_timeout: 1m"));
        watchers.add(w);
        metrics.track(watchers);
        PromText before = scrape();
        assertEquals(0, before.value("dormouse_wakes_total", "route", "app"), "series exist before the first wake");
        assertEquals(0, before.value("dormouse_wake_duration_seconds_count", "route", "app"));

        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        w.emit(WakeEvent.Type.STARTING, t0);
        w.emit(WakeEvent.Type.CONTAINER_STARTED, t0.plusMillis(100));
        w.emit(WakeEvent.Type.READY, t0.plusMillis(750));
        w.emit(WakeEvent.Type.STARTING, t0.plusSeconds(10));
        w.emit(WakeEvent.Type.ERROR, t0.plusSeconds(70));
        PromText t = scrape();
        assertEquals(2, t.value("dormouse_wakes_total", "route", "app"));
        assertEquals(1, t.value("dormouse_wake_failures_total", "route", "app"));
        assertEquals(1, t.value("dormouse_wake_duration_seconds_count", "route", "app"), "only successful wakes are timed");
        assertEquals(0.75, t.value("dormouse_wake_duration_seconds_sum", "route", "app"), 1e-9);
        assertEquals(0, t.value("dormouse_wake_duration_seconds_bucket", "route", "app", "le", "0.5"));
        assertEquals(1, t.value("dormouse_wake_duration_seconds_bucket", "route", "app", "le", "1.0"));
    }

    @Test
    void aWatcherIsCountedOnceAndItsHistorySoFarCounts() throws Exception {
        FakeWatcher w = new FakeWatcher(route("app", "idle_timeout: 1m"));
        w.emit(WakeEvent.Type.STARTING, Instant.now());
        watchers.add(w);
        metrics.track(watchers);
        metrics.track(watchers);
        w.emit(WakeEvent.Type.READY, Instant.now());
        PromText t = scrape();
        assertEquals(1, t.value("dormouse_wakes_total", "route", "app"), "the wake begun before tracking counts, once");
        assertEquals(1, t.value("dormouse_wake_duration_seconds_count", "route", "app"));
        assertEquals(1, w.listeners.size());
    }

    @Test
    void sleepsAreSuccessfulStopsPausesAndKillsOfKnownRoutes() throws Exception {
        watchers.add(new FakeWatcher(route("a", "idle_timeout: 1m, stop_method: pause")));
        watchers.add(new FakeWatcher(route("b", "idle_timeout: 1m")));
        metrics.track(watchers);
        List<Consumer<? super RuntimeEvent>> subscribers = new ArrayList<>();
        metrics.follow(l -> {
            subscribers.add(l);
            return () -> subscribers.remove(l);
        });
        assertEquals(0, scrape().value("dormouse_sleeps_total", "route", "a", "method", "pause"), "the route's own method starts at 0");
        Consumer<? super RuntimeEvent> events = subscribers.get(0);
        events.accept(op("a", OpKind.PAUSE, Outcome.SUCCESS));
        events.accept(op("a", OpKind.PAUSE, Outcome.SUCCESS));
        events.accept(op("b", OpKind.STOP, Outcome.SUCCESS));
        events.accept(op("b", OpKind.KILL, Outcome.SUCCESS));
        events.accept(op("b", OpKind.STOP, Outcome.FAILURE));
        events.accept(op("b", OpKind.STOP, Outcome.REPLAY_NO_OP));
        events.accept(op("b", OpKind.START, Outcome.SUCCESS));
        events.accept(op("gone", OpKind.STOP, Outcome.SUCCESS));
        PromText t = scrape();
        assertEquals(2, t.value("dormouse_sleeps_total", "route", "a", "method", "pause"));
        assertEquals(1, t.value("dormouse_sleeps_total", "route", "b", "method", "stop"));
        assertEquals(1, t.value("dormouse_sleeps_total", "route", "b", "method", "kill"));
        assertTrue(t.find("dormouse_sleeps_total", "route", "gone", "method", "stop").isEmpty(), "not a route");
        metrics.close();
        assertTrue(subscribers.isEmpty(), "close ends the subscription");
    }

    @Test
    void routeStateHealthAndProvidersAreReadAtScrapeTime() throws Exception {
        FakeWatcher w = new FakeWatcher(route("app", "idle_timeout: 1m"));
        watchers.add(w);
        providers.put("docker:local", new ProviderStatus(true, Optional.empty(), Optional.empty()));
        providers.put("proxmox:pve", new ProviderStatus(false, Optional.of("401 authentication failure"), Optional.empty()));
        HealthMonitor m = monitors.add("app", HealthcheckConfig.DEFAULT,
                timeout -> new CheckResult(true, false, Duration.ofMillis(12), "HTTP 200"), () -> false);
        PromText t = scrape();
        assertEquals(1, t.value("dormouse_route_state", "route", "app", "state", "napping"));
        assertEquals(0, t.value("dormouse_route_state", "route", "app", "state", "ready"));
        assertEquals(5, t.samples("dormouse_route_state").size(), "one series per state");
        assertEquals(1, t.value("dormouse_route_health", "route", "app", "status", "unknown"));
        assertEquals(1, t.value("dormouse_provider_connected", "provider", "docker:local"));
        assertEquals(0, t.value("dormouse_provider_connected", "provider", "proxmox:pve"));

        w.state = RouteState.READY;
        m.runCheck();
        providers.put("proxmox:pve", new ProviderStatus(true, Optional.empty(), Optional.empty()));
        t = scrape();
        assertEquals(0, t.value("dormouse_route_state", "route", "app", "state", "napping"));
        assertEquals(1, t.value("dormouse_route_state", "route", "app", "state", "ready"));
        assertEquals(1, t.value("dormouse_route_health", "route", "app", "status", "healthy"));
        assertEquals(0, t.value("dormouse_route_health", "route", "app", "status", "unknown"));
        assertEquals(0.012, t.value("dormouse_health_check_latency_seconds", "route", "app"), 1e-9);
        assertEquals(1, t.value("dormouse_provider_connected", "provider", "proxmox:pve"));
    }

    @Test
    void removedRoutesLeaveTheScrapeAndReplacedWatchersAreLetGo() throws Exception {
        FakeWatcher a = new FakeWatcher(route("a", "idle_timeout: 1m"));
        FakeWatcher b = new FakeWatcher(route("b", "idle_timeout: 1m"));
        watchers.addAll(List.of(a, b));
        metrics.track(watchers);
        a.emit(WakeEvent.Type.STARTING, Instant.now());
        b.emit(WakeEvent.Type.STARTING, Instant.now());
        watchers.remove(b);
        FakeWatcher a2 = new FakeWatcher(route("a", "idle_timeout: 5m"));
        watchers.set(0, a2);
        metrics.track(watchers);
        assertTrue(a.listeners.isEmpty() && b.listeners.isEmpty(), "old watchers are unsubscribed");
        a2.emit(WakeEvent.Type.STARTING, Instant.now());
        PromText t = scrape();
        assertEquals(2, t.value("dormouse_wakes_total", "route", "a"), "a changed route keeps counting");
        assertTrue(t.find("dormouse_wakes_total", "route", "b").isEmpty());
        assertTrue(t.find("dormouse_sleeps_total", "route", "b", "method", "stop").isEmpty());
        assertTrue(t.find("dormouse_route_state", "route", "b", "state", "napping").isEmpty());
        assertTrue(t.find("dormouse_wake_duration_seconds_count", "route", "b").isEmpty());
    }

    @Test
    void theScrapeHasTheJvmBasicsAndIsValidText() throws Exception {
        watchers.add(new FakeWatcher(route("app", "idle_timeout: 1m")));
        metrics.track(watchers);
        PromText t = scrape();
        for (String family : List.of("dormouse_wakes_total", "dormouse_wake_failures_total", "dormouse_sleeps_total",
                "dormouse_http_unknown_host_requests_total", "jvm_memory_used_bytes", "jvm_gc_collection_seconds", "jvm_threads_current",
                "process_start_time_seconds", "jvm_runtime_info")) {
            assertTrue(t.family(family).isPresent(), family + " in " + t.families().keySet());
        }
        assertEquals("counter", t.family("dormouse_wakes_total").orElseThrow().type());
        assertEquals("histogram", t.family("dormouse_wake_duration_seconds").orElseThrow().type());
        assertTrue(t.value("jvm_threads_current") > 0);
        assertFalse(t.families().keySet().stream().anyMatch(n -> n.endsWith("_created")), "no created timestamps in 0.0.4");
        assertEquals("text/plain; version=0.0.4; charset=utf-8", Daemon.METRICS_CONTENT_TYPE);
    }

    /** A watcher whose events the test emits; subscribing replays its history like the real one. */
    static final class FakeWatcher implements IdleWatcher {
        final RouteConfig config;
        volatile RouteState state = RouteState.NAPPING;
        final List<WakeEvent> history = new CopyOnWriteArrayList<>();
        final List<Consumer<WakeEvent>> listeners = new CopyOnWriteArrayList<>();

        FakeWatcher(RouteConfig config) {
            this.config = config;
        }

        synchronized void emit(WakeEvent.Type type, Instant at) {
            WakeEvent e = new WakeEvent(history.size() + 1, route(), type, type.label(), type == WakeEvent.Type.ERROR ? "failed" : "", at);
            history.add(e);
            listeners.forEach(l -> l.accept(e));
        }

        @Override
        public synchronized AutoCloseable subscribe(Consumer<WakeEvent> listener) {
            history.forEach(listener);
            listeners.add(listener);
            return () -> listeners.remove(listener);
        }

        @Override
        public String route() {
            return config.name();
        }

        @Override
        public RouteConfig config() {
            return config;
        }

        @Override
        public RouteState state() {
            return state;
        }

        @Override
        public boolean isReady() {
            return state == RouteState.READY;
        }

        @Override
        public CompletableFuture<Void> wake(OpSource source) {
            return new CompletableFuture<>();
        }

        @Override
        public CompletableFuture<Void> sleep(OpSource source) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void requestStarted() {}

        @Override
        public void requestEnded() {}

        @Override
        public void touch() {}

        @Override
        public Optional<String> lastError() {
            return Optional.empty();
        }

        @Override
        public URI target() {
            return config.target();
        }
    }
}
