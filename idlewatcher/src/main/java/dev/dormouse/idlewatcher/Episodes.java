package dev.dormouse.idlewatcher;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * The hand-off of one route's crashes and failed wakes to whoever must hear of them ({@link RouteIncident}).
 * An episode begins with a crash ({@link Exits#crash} decides what is one) or the first failed wake since
 * the route was last ready, and ends when it is ready again; its crash and its first failed wake are
 * reported once each, and its end as {@code RECOVERED}. The listener must not block.
 */
final class Episodes {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.idlewatcher");

    private final String route;
    private final Clock clock;
    private final Consumer<RouteIncident> incidents;
    /** Why the container crashed, while that episode lasts; guarded by this object's lock. */
    private String crash;
    /** Whether a failed wake was reported in this episode; guarded by this object's lock. */
    private boolean wakeFailureReported;

    Episodes(String route, Clock clock, Consumer<RouteIncident> incidents) {
        this.route = route;
        this.clock = clock;
        this.incidents = incidents;
    }

    /** Whether the route is in error because its container crashed (not because a wake failed). */
    synchronized boolean crashed() {
        return crash != null;
    }

    /** The container crashed ({@code reason} from {@link Exits#crash}); report with {@link #reportCrash} once the route's lock is released. */
    synchronized void crash(String reason) {
        crash = reason;
    }

    void reportCrash(String reason) {
        report(RouteIncident.Kind.CRASHED, reason);
    }

    /** A wake failed: reported when it is the episode's first. */
    void wakeFailed(String message) {
        boolean first;
        synchronized (this) {
            first = !wakeFailureReported;
            wakeFailureReported = true;
        }
        if (first) report(RouteIncident.Kind.WAKE_FAILED, message);
    }

    /** The route is ready: an episode under way ends, reported as {@code RECOVERED}. */
    void ready() {
        boolean ended;
        synchronized (this) {
            ended = crash != null || wakeFailureReported;
            crash = null;
            wakeFailureReported = false;
        }
        if (ended) report(RouteIncident.Kind.RECOVERED, "");
    }

    private void report(RouteIncident.Kind kind, String reason) {
        try {
            incidents.accept(new RouteIncident(route, kind, reason, clock.instant()));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "route " + route + ": incident listener failed on " + kind, e);
        }
    }
}
