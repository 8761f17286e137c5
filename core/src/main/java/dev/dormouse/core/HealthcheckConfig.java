package dev.dormouse.core;

import java.time.Duration;

/**
 * A route's {@code healthcheck:} block, merged over {@code defaults.healthcheck}. The path is also the
 * readiness probe of a waking route.
 *
 * @param path HTTP path probed; optional, default {@code /}
 * @param interval time between checks; optional, default {@code 30s}
 * @param timeout bound on one check; optional, default {@code 10s}
 * @param retries consecutive failures before a route is unhealthy; optional, default 3
 * @param method HTTP method, GET or HEAD; optional, default GET
 * @param insecureSkipVerify accept any TLS certificate of an https target; optional, default false
 * @param disable no periodic checks; optional, default false
 * @param expectedStatus HTTP statuses that count as healthy, e.g. {@code 200-399} or {@code 200,204};
 *     optional, default {@code <500}
 * @param send UDP targets only: a payload to send; the target is healthy when it answers; optional (without
 *     it a UDP target is healthy while its port is bound)
 * @param expect UDP targets only: text the answer must contain; optional
 */
public record HealthcheckConfig(String path, Duration interval, Duration timeout, int retries, String method,
        boolean insecureSkipVerify, boolean disable, StatusRange expectedStatus, String send, String expect) {

    public static final HealthcheckConfig DEFAULT = new HealthcheckConfig("/", Duration.ofSeconds(30), Duration.ofSeconds(10), 3,
            "GET", false, false, StatusRange.BELOW_500, "", "");
}
