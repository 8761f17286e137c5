package dev.dormouse.health;

import java.time.Duration;

/** One kind of check of one target. Implementations never throw for an unhealthy target. */
@FunctionalInterface
public interface HealthCheck {
    CheckResult check(Duration timeout);
}
