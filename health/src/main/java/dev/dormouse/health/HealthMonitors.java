package dev.dormouse.health;

import dev.dormouse.core.HealthcheckConfig;
import dev.dormouse.core.Scheduler;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Every monitor on the injected scheduler, one pending task each. The scheduler only dispatches: each
 * check runs on a virtual thread, a check still running when its next turn comes is not started twice, and
 * first checks are spread over one interval so that a thousand monitors never fire together (that is why
 * there is no check at start).
 */
public final class HealthMonitors implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.health");

    private final Clock clock;
    private final Scheduler scheduler;
    private final Map<String, HealthMonitor> monitors = new LinkedHashMap<>();
    private final Map<String, Scheduler.Scheduled> schedules = new java.util.HashMap<>();
    private final List<Consumer<StatusChange>> listeners = new CopyOnWriteArrayList<>();
    private boolean started;

    /**
     * @param clock timestamps of status changes
     * @param scheduler check intervals
     */
    public HealthMonitors(Clock clock, Scheduler scheduler) {
        this.clock = java.util.Objects.requireNonNull(clock, "clock");
        this.scheduler = java.util.Objects.requireNonNull(scheduler, "scheduler");
    }

    /**
     * Adds a monitor; it is scheduled by {@link #start()} (or at once when already started).
     *
     * @param napping true while the route sleeps; the monitor then reports napping and checks nothing
     */
    public synchronized HealthMonitor add(String route, HealthcheckConfig config, HealthCheck check, BooleanSupplier napping) {
        HealthMonitor m = new HealthMonitor(route, config, check, napping, clock, this::publish);
        remove(route);
        monitors.put(route, m);
        if (started) schedule(m);
        return m;
    }

    /** Stops and forgets a route's monitor (a check already running finishes on its own). */
    public synchronized void remove(String route) {
        monitors.remove(route);
        crashedUnmonitored.remove(route);
        Scheduler.Scheduled s = schedules.remove(route);
        if (s != null) s.cancel();
    }

    public synchronized void start() {
        started = true;
        monitors.values().forEach(this::schedule);
        LOG.log(Level.INFO, "health: {0} monitors", monitors.size());
    }

    private void schedule(HealthMonitor m) {
        Duration interval = m.config().interval().isPositive() ? m.config().interval() : Duration.ofMillis(1);
        Duration jitter = Duration.ofNanos(ThreadLocalRandom.current().nextLong(interval.toNanos()));
        schedules.put(m.route(), scheduler.repeat(() -> check(m), jitter, interval));
    }

    /** A check of {@code m} on a virtual thread, unless one is running. */
    private static void check(HealthMonitor m) {
        if (!m.running.compareAndSet(false, true)) return;
        Thread.ofVirtual().name("health-" + m.route()).start(() -> {
            try {
                m.runCheck();
            } finally {
                m.running.set(false);
            }
        });
    }

    /** Routes without a monitor (health checks disabled) whose crash was published and whose recovery was not yet. */
    private final java.util.Set<String> crashedUnmonitored = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A route's container crashed (see {@code RouteIncident}): its monitor goes {@code error} at once with
     * {@code reason} (see {@link HealthMonitor#crashed}). A route whose checks are disabled has no monitor
     * to tell, but its crash still reaches the listeners (and so the notifications): as one change from
     * {@code unknown} to {@code error}, and one back to {@code healthy} at {@link #recovered}.
     */
    public void crashed(String route, String reason) {
        Optional<HealthMonitor> m = get(route);
        if (m.isPresent()) {
            m.get().crashed(reason);
        } else if (crashedUnmonitored.add(route)) {
            publish(new StatusChange(route, HealthStatus.UNKNOWN, HealthStatus.ERROR, reason, 0, clock.instant(), true));
        }
    }

    /**
     * A route is ready again after a crash or a failed wake: its monitor checks now rather than at its next
     * turn, so the {@code up} comes as soon as the check passes.
     */
    public void recovered(String route) {
        Optional<HealthMonitor> m = get(route);
        if (m.isPresent()) {
            check(m.get());
        } else if (crashedUnmonitored.remove(route)) {
            publish(new StatusChange(route, HealthStatus.ERROR, HealthStatus.HEALTHY, "ready again", 0, clock.instant()));
        }
    }

    private void publish(StatusChange c) {
        for (Consumer<StatusChange> l : listeners) {
            try {
                l.accept(c);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "route " + c.route() + ": health listener failed", e);
            }
        }
    }

    /** Status changes of every monitor, on the checking thread; the listener must not block. */
    public AutoCloseable subscribe(Consumer<StatusChange> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    public synchronized Optional<HealthMonitor> get(String route) {
        return Optional.ofNullable(monitors.get(route));
    }

    public synchronized List<HealthMonitor> all() {
        return new ArrayList<>(monitors.values());
    }

    /** Cancels every monitor's turns; a check already running finishes on its own. */
    @Override
    public synchronized void close() {
        schedules.values().forEach(Scheduler.Scheduled::cancel);
        schedules.clear();
        started = false;
    }
}
