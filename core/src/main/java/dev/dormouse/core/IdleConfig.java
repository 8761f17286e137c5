package dev.dormouse.core;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A route's {@code idlewatcher:} block, merged over {@code defaults.idlewatcher}.
 *
 * @param idleTimeout time without traffic before the container sleeps; optional, default 0 = never sleeps
 * @param stopMethod {@code pause}, {@code stop} or {@code kill}; optional, default {@code stop}
 * @param stopSignal signal for stop/kill; optional, default {@code SIGTERM} (stop) / {@code SIGKILL} (kill)
 * @param stopTimeout grace time before a stop turns into a kill; optional, default {@code 10s}
 * @param wakeTimeout bound on one wake, dependencies included; optional, default {@code 60s}
 * @param dependsOn route names woken first; optional, default none; cycles are rejected
 * @param startEndpoint when present, only this exact path may wake the route; optional
 * @param noLoadingPage hold browsers like API clients instead of showing the loading page; default false
 * @param keepAwakeWhileConnected open requests, WebSockets, SSE and TCP sessions keep the route awake;
 *     default true
 * @param ignoreUserAgents requests whose User-Agent matches one of these regexes (RE2 syntax, linear time) never
 *     wake the route; default none
 * @param maxHeldRequests requests held at once while the route wakes; beyond it they get {@code 503} with
 *     {@code Retry-After}; optional, default 10000
 */
public record IdleConfig(
        Duration idleTimeout,
        StopMethod stopMethod,
        String stopSignal,
        Duration stopTimeout,
        Duration wakeTimeout,
        List<String> dependsOn,
        Optional<String> startEndpoint,
        boolean noLoadingPage,
        boolean keepAwakeWhileConnected,
        UserAgentFilter ignoreUserAgents,
        int maxHeldRequests) {
    public static final int DEFAULT_MAX_HELD_REQUESTS = 10_000;

    public IdleConfig {
        dependsOn = List.copyOf(dependsOn);
        java.util.Objects.requireNonNull(ignoreUserAgents, "ignoreUserAgents");
        if (maxHeldRequests < 1) throw new IllegalArgumentException("maxHeldRequests must be >= 1, got " + maxHeldRequests);
    }

    /** Whether the route ever sleeps on its own. */
    public boolean sleeps() {
        return idleTimeout.isPositive();
    }

    /** True when the user agent matches one of {@link #ignoreUserAgents}. */
    public boolean ignores(String userAgent) {
        return ignoreUserAgents.matches(userAgent);
    }
}
