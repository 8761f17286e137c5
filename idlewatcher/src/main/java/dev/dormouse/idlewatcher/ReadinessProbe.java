package dev.dormouse.idlewatcher;

import dev.dormouse.core.HealthcheckConfig;
import dev.dormouse.core.StatusRange;
import dev.dormouse.health.Checks;
import java.net.URI;
import java.time.Duration;

/**
 * Whether a waking route's upstream answers: HTTP targets must answer the health path with a status below
 * 500, TCP targets must accept a connection, UDP targets must have their port bound. One attempt per call,
 * bounded by the timeout; a refused connection on loopback fails in microseconds, so callers poll tightly.
 */
public interface ReadinessProbe {
    /** Returns true when the target is ready; never throws for an unready target. */
    boolean check(URI target, HealthcheckConfig hc, Duration timeout);

    /** The health module's checks, with readiness meaning "an answer below 500". */
    static ReadinessProbe sockets() {
        return (target, hc, timeout) -> Checks.forTarget(target, hc, StatusRange.BELOW_500).check(timeout).healthy();
    }
}
