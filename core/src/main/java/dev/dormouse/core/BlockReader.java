package dev.dormouse.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A route's blocks: {@code idlewatcher} and {@code healthcheck} (read over their {@code defaults:} blocks,
 * which are read by the same code) and {@code stream}. The caller finishes each section.
 */
final class BlockReader {
    private static final Pattern SIGNAL = Pattern.compile("(SIG)?[A-Z0-9+-]+|\\d+");

    private BlockReader() {}

    static IdleConfig idle(ConfigSection s) {
        Duration idleTimeout = s.duration("idle_timeout", Duration.ZERO);
        String method = s.oneOf("stop_method", "stop", Set.of("pause", "stop", "kill"));
        StopMethod stopMethod = StopMethod.valueOf(method.toUpperCase(Locale.ROOT));
        String signal = s.string("stop_signal", stopMethod == StopMethod.KILL ? "SIGKILL" : "SIGTERM");
        if (!SIGNAL.matcher(signal).matches()) s.problem("stop_signal", "not a signal name or number, got '" + signal + "'");
        Duration stopTimeout = s.duration("stop_timeout", Duration.ofSeconds(10));
        Duration wakeTimeout = s.positiveDuration("wake_timeout", Duration.ofSeconds(60));
        List<String> deps = s.stringList("depends_on");
        String startEndpoint = s.string("start_endpoint", "");
        if (!startEndpoint.isEmpty() && !startEndpoint.startsWith("/")) {
            s.problem("start_endpoint", "must be a path starting with '/', got '" + startEndpoint + "'");
        }
        boolean noLoadingPage = s.bool("no_loading_page", false);
        boolean keepAwake = s.bool("keep_awake_while_connected", true);
        List<String> ignore = new ArrayList<>();
        List<String> raw = s.stringList("ignore_user_agents");
        for (int i = 0; i < raw.size(); i++) {
            try {
                UserAgentFilter.check(raw.get(i));
                ignore.add(raw.get(i));
            } catch (IllegalArgumentException e) {
                s.problemItem("ignore_user_agents", i, e.getMessage());
            }
        }
        int maxHeld = s.integer("max_held_requests", IdleConfig.DEFAULT_MAX_HELD_REQUESTS);
        if (maxHeld < 1 || maxHeld > 1_000_000) {
            s.problem("max_held_requests", "must be 1 to 1000000, got " + maxHeld);
            maxHeld = IdleConfig.DEFAULT_MAX_HELD_REQUESTS;
        }
        return new IdleConfig(idleTimeout, stopMethod, signal, stopTimeout, wakeTimeout, deps,
                startEndpoint.isEmpty() ? Optional.empty() : Optional.of(startEndpoint), noLoadingPage, keepAwake,
                UserAgentFilter.of(ignore), maxHeld);
    }

    static HealthcheckConfig healthcheck(ConfigSection s) {
        HealthcheckConfig d = HealthcheckConfig.DEFAULT;
        String path = s.string("path", d.path());
        if (!path.startsWith("/")) s.problem("path", "must start with '/', got '" + path + "'");
        Duration interval = s.positiveDuration("interval", d.interval());
        Duration timeout = s.positiveDuration("timeout", d.timeout());
        int retries = s.integer("retries", d.retries());
        String method = s.oneOf("method", d.method(), Set.of("GET", "HEAD"));
        boolean insecure = s.bool("insecure_skip_verify", false);
        boolean disable = s.bool("disable", false);
        if (retries < 1) s.problem("retries", "must be at least 1, got " + retries);
        StatusRange expected = d.expectedStatus();
        String expectedText = s.string("expected_status", d.expectedStatus().text());
        try {
            expected = StatusRange.parse(expectedText);
        } catch (IllegalArgumentException e) {
            s.problem("expected_status", e.getMessage());
        }
        String send = s.string("send", "");
        String expect = s.string("expect", "");
        if (!expect.isEmpty() && send.isEmpty()) s.problem("expect", "needs send: only an answer to what was sent can be expected");
        return new HealthcheckConfig(path, interval, timeout, retries, method, insecure, disable, expected, send, expect);
    }

    /** A tcp or udp route's {@code stream:} block; finishes it. */
    static StreamConfig stream(ConfigSection s) {
        StreamConfig d = StreamConfig.DEFAULT;
        int connections = s.integer("max_connections", d.maxConnections());
        if (connections < 1 || connections > 1_000_000) {
            s.problem("max_connections", "must be 1 to 1000000, got " + connections);
            connections = d.maxConnections();
        }
        Duration idle = s.positiveDuration("idle_timeout", d.idleTimeout());
        int sessions = s.integer("udp_max_sessions", d.udpMaxSessions());
        if (sessions < 1 || sessions > 1_000_000) {
            s.problem("udp_max_sessions", "must be 1 to 1000000, got " + sessions);
            sessions = d.udpMaxSessions();
        }
        s.finish();
        return new StreamConfig(connections, idle, sessions);
    }
}
