package dev.dormouse.health;

import dev.dormouse.core.HealthcheckConfig;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One route's health, following the status machine: unknown, then healthy on a pass or starting on a
 * failure; {@code retries} failures in a row make it unhealthy (or error, when the last got no answer); one
 * pass makes it healthy again. A napping route is not checked at all.
 *
 * <p>A crash ({@link #crashed}) makes the monitor {@code error} at once, without waiting for checks, with
 * the crash as its detail. Until a check passes again the route counts as down, never as napping, even
 * though its container is stopped: the monitor keeps checking, and the first pass (after the route is woken
 * or started again) makes it healthy.
 */
public final class HealthMonitor {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.health");

    private final String route;
    private final HealthcheckConfig config;
    private final HealthCheck check;
    private final BooleanSupplier napping;
    private final Clock clock;
    private final Consumer<StatusChange> onChange;
    final AtomicBoolean running = new AtomicBoolean();

    private volatile HealthStatus status = HealthStatus.UNKNOWN;
    private volatile Duration latency = Duration.ZERO;
    private volatile String detail = "";
    private volatile Instant lastHealthy;
    private volatile Instant healthySince;
    private volatile int consecutiveFailures;
    private volatile long checks;
    /** Why the container crashed, until a check passes; null when it did not. Changed under this object's lock. */
    private volatile String crash;

    HealthMonitor(String route, HealthcheckConfig config, HealthCheck check, BooleanSupplier napping, Clock clock,
            Consumer<StatusChange> onChange) {
        this.route = route;
        this.config = config;
        this.check = check;
        this.napping = napping;
        this.clock = clock;
        this.onChange = onChange;
    }

    /**
     * What the monitor knows now.
     *
     * @param uptime time since it became healthy, zero unless healthy
     * @param lastHealthy the last time a check passed
     */
    public record Snapshot(String route, HealthStatus status, Duration latency, Duration uptime, Optional<Instant> lastHealthy,
            int consecutiveFailures, String detail, long checks) {}

    public String route() {
        return route;
    }

    public HealthcheckConfig config() {
        return config;
    }

    public HealthStatus status() {
        return status;
    }

    public Snapshot snapshot() {
        Instant since = healthySince;
        Duration up = status == HealthStatus.HEALTHY && since != null ? Duration.between(since, clock.instant()) : Duration.ZERO;
        return new Snapshot(route, status, latency, up, Optional.ofNullable(lastHealthy), consecutiveFailures, detail, checks);
    }

    /** One check (or, for a napping route that did not crash, none). Called by the scheduler, never concurrently. */
    public void runCheck() {
        if (crash == null && napping.getAsBoolean()) {
            synchronized (this) {
                if (crash == null) {
                    consecutiveFailures = 0;
                    detail = "route is asleep";
                    move(HealthStatus.NAPPING, 0, false);
                    return;
                }
            }
        }
        CheckResult r;
        try {
            r = check.check(config.timeout());
        } catch (RuntimeException e) {
            r = new CheckResult(false, true, Duration.ZERO, "check failed: " + e);
        }
        synchronized (this) {
            checks++;
            latency = r.latency();
            HealthStatus next;
            if (r.healthy()) {
                crash = null;
                detail = r.detail();
                consecutiveFailures = 0;
                lastHealthy = clock.instant();
                next = HealthStatus.HEALTHY;
            } else if (crash != null) {
                detail = crash + " (" + r.detail() + ")";
                consecutiveFailures++;
                next = HealthStatus.ERROR;
            } else {
                detail = r.detail();
                int f = ++consecutiveFailures;
                HealthStatus now = status;
                if (f >= config.retries()) next = r.error() ? HealthStatus.ERROR : HealthStatus.UNHEALTHY;
                else if (now == HealthStatus.UNKNOWN || now == HealthStatus.NAPPING) next = HealthStatus.STARTING;
                else next = now;
            }
            move(next, r.latency().toMillis(), false);
        }
    }

    /**
     * The route's container stopped without dormouse asking, and it is a failure: the monitor is
     * {@code error} now with {@code reason} as its detail (one {@link StatusChange} marked as a crash,
     * unless it was down already) and stays down until a check passes.
     */
    public synchronized void crashed(String reason) {
        crash = reason;
        detail = reason;
        consecutiveFailures = Math.max(consecutiveFailures, config.retries());
        move(HealthStatus.ERROR, 0, true);
    }

    /** Whether the monitor is down because of a crash no check has cleared yet. */
    public boolean downByCrash() {
        return crash != null;
    }

    private void move(HealthStatus next, long latencyMillis, boolean crashed) {
        HealthStatus prev = status;
        if (prev == next) return;
        status = next;
        if (next == HealthStatus.HEALTHY) healthySince = clock.instant();
        if (next.isDown()) LOG.log(Level.WARNING, "route {0}: {1} ({2})", route, next.label(), detail);
        else if (next == HealthStatus.HEALTHY && prev != HealthStatus.UNKNOWN) LOG.log(Level.INFO, "route {0}: healthy ({1})", route, detail);
        try {
            onChange.accept(new StatusChange(route, prev, next, detail, latencyMillis, clock.instant(), crashed));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "route " + route + ": status listener failed", e);
        }
    }
}
