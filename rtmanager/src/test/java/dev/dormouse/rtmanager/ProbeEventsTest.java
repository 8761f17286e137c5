package dev.dormouse.rtmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.health.HealthStatus;
import dev.dormouse.health.StatusChange;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeEventsTest {
    @TempDir
    Path dir;
    private final FakeProvider docker = new FakeProvider();
    private final MutableClock clock = new MutableClock();
    private LifecycleService lifecycle;
    private ProbeEvents probes;

    @BeforeEach
    void setUp() {
        lifecycle = new LifecycleService(new LifecycleService.Deps(RuntimeStore.open(dir), Map.of("docker:local", docker), clock));
        lifecycle.register(List.of(new RuntimeSpec("app", "docker:local", "app", "SIGTERM", Duration.ofSeconds(10), Optional.empty())));
        docker.with("app", ContainerStatus.STOPPED, "c-app");
        lifecycle.perform("app", OpKind.START, OpSource.STARTUP);
        probes = new ProbeEvents(lifecycle);
    }

    @AfterEach
    void tearDown() {
        lifecycle.close();
    }

    private void change(String route, HealthStatus from, HealthStatus to, String detail) {
        probes.accept(new StatusChange(route, from, to, detail, 3, clock.instant()));
    }

    @Test
    void goingDownAndComingBackAreTheRuntimesHealthEventsAndNothingElseIs() {
        change("app", HealthStatus.UNKNOWN, HealthStatus.STARTING, "connection refused");
        change("app", HealthStatus.STARTING, HealthStatus.HEALTHY, "HTTP 200");
        change("app", HealthStatus.HEALTHY, HealthStatus.UNHEALTHY, "HTTP 503");
        change("app", HealthStatus.UNHEALTHY, HealthStatus.ERROR, "connection refused");
        change("app", HealthStatus.ERROR, HealthStatus.HEALTHY, "HTTP 200");
        change("app", HealthStatus.HEALTHY, HealthStatus.NAPPING, "route is asleep");
        change("plain", HealthStatus.HEALTHY, HealthStatus.ERROR, "a route without a container has no runtime");
        List<String> events = lifecycle.store().healthEvents(Optional.empty(), 100).reversed().stream()
                .map(e -> e.runtimeId() + " " + e.type().label() + " " + e.details()).toList();
        assertEquals(List.of("app probe_failed {\"message\":\"HTTP 503\"}", "app probe_recovered {}"), events,
                "a first healthy, a change while down, a nap: no events");
    }
}
