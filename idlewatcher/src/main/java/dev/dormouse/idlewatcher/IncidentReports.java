package dev.dormouse.idlewatcher;

import dev.dormouse.health.HealthMonitors;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Where the idle watchers' incidents go, so that the operator hears of them once: a crash makes the
 * route's monitor down at once (and so the {@code crashed} notification); a failed wake is the
 * {@code wake_failed} notification; a route ready again has its monitor check now, for a prompt
 * {@code up}. Subscribe it to {@link IdleWatchers#subscribe}.
 */
public final class IncidentReports implements Consumer<RouteIncident> {
    /** Sends the {@code wake_failed} notification (the health module's {@code Notifications::wakeFailed}). */
    @FunctionalInterface
    public interface WakeFailures {
        void wakeFailed(String route, String reason, Instant at);
    }

    private final HealthMonitors monitors;
    private final WakeFailures notifications;

    public IncidentReports(HealthMonitors monitors, WakeFailures notifications) {
        this.monitors = Objects.requireNonNull(monitors, "monitors");
        this.notifications = Objects.requireNonNull(notifications, "notifications");
    }

    @Override
    public void accept(RouteIncident i) {
        switch (i.kind()) {
            case CRASHED -> monitors.crashed(i.route(), i.reason());
            case WAKE_FAILED -> notifications.wakeFailed(i.route(), i.reason(), i.at());
            case RECOVERED -> monitors.recovered(i.route());
        }
    }
}
