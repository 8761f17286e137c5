package dev.dormouse.health;

import dev.dormouse.core.HealthcheckConfig;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Every monitor on one scheduler thread. The thread only dispatches: each check runs on a virtual thread,
 * a check still running when its next turn comes is not started twice, and first checks are spread over
 * one interval so that a thousand monitors never fire together.
 */
public final class HealthMonitors implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.health");

    private final Clock clock;
    private final ScheduledThreadPoolExecutor scheduler;
    private final Map<String, HealthMonitor> monitors = new LinkedHashMap<>();
    private final Map<String, java.util.concurrent.ScheduledFuture<?>> schedules = new java.util.HashMap<>();
    private final List<Consumer<StatusChange>> listeners = new CopyOnWriteArrayList<>();
    private boolean started;

    public HealthMonitors(Clock clock) {
        this.clock = clock;
        this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "dormouse-health");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
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
        java.util.concurrent.ScheduledFuture<?> f = schedules.remove(route);
        if (f != null) f.cancel(false);
    }

    public synchronized void start() {
        started = true;
        monitors.values().forEach(this::schedule);
        LOG.log(Level.INFO, "health: {0} monitors on one scheduler", monitors.size());
    }

    private void schedule(HealthMonitor m) {
        long interval = Math.max(1, m.config().interval().toMillis());
        long jitter = ThreadLocalRandom.current().nextLong(interval);
        schedules.put(m.route(), scheduler.scheduleAtFixedRate(() -> {
            if (!m.running.compareAndSet(false, true)) return;
            Thread.ofVirtual().name("health-" + m.route()).start(() -> {
                try {
                    m.runCheck();
                } finally {
                    m.running.set(false);
                }
            });
        }, jitter, interval, TimeUnit.MILLISECONDS));
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
            HealthMonitor mon = m.get();
            if (!mon.running.compareAndSet(false, true)) return;
            Thread.ofVirtual().name("health-" + route).start(() -> {
                try {
                    mon.runCheck();
                } finally {
                    mon.running.set(false);
                }
            });
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

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
