package dev.dormouse.idlewatcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dormouse.core.HealthcheckConfig;
import dev.dormouse.core.testkit.ManualScheduler;
import dev.dormouse.health.CheckResult;
import dev.dormouse.health.HealthMonitor;
import dev.dormouse.health.HealthMonitors;
import dev.dormouse.health.HealthStatus;
import dev.dormouse.health.StatusChange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class IncidentReportsTest {
    @Test
    void aCrashIsDownAtOnceAFailedWakeIsNotifiedAndARecoveryIsCheckedNow() {
        HealthMonitors monitors = new HealthMonitors(Clock.systemUTC(), new ManualScheduler());
        AtomicInteger checks = new AtomicInteger();
        HealthMonitor web = monitors.add("web", HealthcheckConfig.DEFAULT, timeout -> {
            checks.incrementAndGet();
            return new CheckResult(true, false, Duration.ZERO, "HTTP 200");
        }, () -> false);
        List<StatusChange> changes = new CopyOnWriteArrayList<>();
        monitors.subscribe(changes::add);
        List<String> notified = new CopyOnWriteArrayList<>();
        IncidentReports reports = new IncidentReports(monitors, (route, reason, at) -> notified.add(route + ": " + reason));
        Instant t = Instant.parse("2026-11-23T10:00:00Z");

        reports.accept(new RouteIncident("web", RouteIncident.Kind.CRASHED, "exited with code 137", t));
        assertEquals(HealthStatus.ERROR, web.status(), "down at once, no check waited for");
        assertEquals(List.of(), notified);
        reports.accept(new RouteIncident("app", RouteIncident.Kind.WAKE_FAILED, "timed out after 2s", t));
        assertEquals(List.of("app: timed out after 2s"), notified);
        reports.accept(new RouteIncident("web", RouteIncident.Kind.RECOVERED, "", t));
        // The status is set before the change reaches the listeners, on the check's thread: wait for both.
        IdleWatchersTest.await("the recovered route checked at once", () -> web.status() == HealthStatus.HEALTHY && changes.size() == 2);
        assertEquals(1, checks.get(), "no turn of the monitor came: the recovery checked");
        assertEquals(List.of(HealthStatus.ERROR, HealthStatus.HEALTHY), changes.stream().map(StatusChange::to).toList());
    }
}
