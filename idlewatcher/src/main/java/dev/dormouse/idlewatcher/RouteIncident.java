package dev.dormouse.idlewatcher;

import java.time.Instant;
import java.util.Objects;

/**
 * Something about a route the operator must hear of, each reported once per episode: the route's
 * container stopped without dormouse asking in a way that is a failure, not a nap ({@link Kind#CRASHED},
 * see {@link Exits#crash}); a wake failed or timed out ({@link Kind#WAKE_FAILED}); and the end of such an
 * episode, when the route is ready again ({@link Kind#RECOVERED}). A route's episode begins with its first
 * crash or failed wake since it was last ready; a second failed wake (after the backoff) or a crash while
 * it is not serving anyway is no new incident.
 *
 * @param reason for {@code CRASHED} what was seen ({@code exited with code 137}, {@code OOM killed}); for
 *     {@code WAKE_FAILED} the wake's error; empty for {@code RECOVERED}
 */
public record RouteIncident(String route, Kind kind, String reason, Instant at) {
    public enum Kind {
        CRASHED, WAKE_FAILED, RECOVERED
    }

    public RouteIncident {
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(at, "at");
    }
}
