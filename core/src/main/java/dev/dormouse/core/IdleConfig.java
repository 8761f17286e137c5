package dev.dormouse.core;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

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
 * @param ignoreUserAgents requests whose User-Agent matches one of these never wake the route; default none
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
        List<Pattern> ignoreUserAgents) {

    public IdleConfig {
        dependsOn = List.copyOf(dependsOn);
        ignoreUserAgents = List.copyOf(ignoreUserAgents);
    }

    /** Whether the route ever sleeps on its own. */
    public boolean sleeps() {
        return idleTimeout.isPositive();
    }

    /** True when the user agent matches one of {@link #ignoreUserAgents}. */
    public boolean ignores(String userAgent) {
        if (userAgent == null || ignoreUserAgents.isEmpty()) return false;
        for (Pattern p : ignoreUserAgents) {
            if (p.matcher(userAgent).find()) return true;
        }
        return false;
    }

    /** Compares by value; {@link Pattern} has identity equality, so its source text is compared instead. */
    public boolean sameAs(IdleConfig o) {
        return idleTimeout.equals(o.idleTimeout) && stopMethod == o.stopMethod && stopSignal.equals(o.stopSignal)
                && stopTimeout.equals(o.stopTimeout) && wakeTimeout.equals(o.wakeTimeout) && dependsOn.equals(o.dependsOn)
                && startEndpoint.equals(o.startEndpoint) && noLoadingPage == o.noLoadingPage
                && keepAwakeWhileConnected == o.keepAwakeWhileConnected
                && ignoreUserAgents.stream().map(Pattern::pattern).toList()
                        .equals(o.ignoreUserAgents.stream().map(Pattern::pattern).toList());
    }
}
