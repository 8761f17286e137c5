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
