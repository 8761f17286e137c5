package dev.dormouse.idlewatcher;

import dev.dormouse.core.DormouseException;
import dev.dormouse.core.Durations;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.Scheduler;
import dev.dormouse.core.spi.ContainerHealth;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.Provider;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Whether a started container serves yet, and where: the readiness wait of a wake and the address of a
 * target that names no host.
 *
 * <p>Probing starts at once and backs off from {@link #FIRST_DELAY_NANOS}, doubling up to 50 ms for the
 * first 5 s and up to 250 ms after that, so a request flows as soon as the app accepts it without a tight
 * loop for a slow one. A container with a health check must be {@code healthy} first (inspected before
 * every probe); one without is inspected every 250 ms, so a container that exits while it is waited for
 * fails the wake at once. Every pause is on the scheduler and ends early when the wake is settled.
 */
final class Readiness {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.idlewatcher");
    static final long FIRST_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final long FAST_CAP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long SLOW_CAP_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long FAST_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long INSPECT_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final Duration ATTEMPT_CAP = Duration.ofSeconds(2);

    private final RouteConfig config;
    private final String container;
    private final ReadinessProbe probe;
    private final Scheduler scheduler;
    private volatile URI target;
    /** Why the container's address is not known, for the wake-timeout message; empty when it is. */
    private volatile String addressProblem = "";

    Readiness(RouteConfig config, ReadinessProbe probe, Scheduler scheduler) {
        this.config = config;
        this.container = config.container().orElseThrow().id();
        this.probe = probe;
        this.scheduler = scheduler;
        this.target = config.target();
    }

    /** See {@link IdleWatcher#target()}. */
    URI target() {
        return target;
    }

    /** Finds the container's address for a target that names no host; false while it has none. */
    boolean locate(Provider p) {
        if (!config.targetFromContainer()) return true;
        Optional<java.net.InetSocketAddress> address;
        try {
            address = p.address(container, "udp".equals(config.target().getScheme()) ? "udp" : "tcp", config.targetPort());
        } catch (DormouseException e) {
            addressProblem = e.getMessage();
            return false;
        }
        if (address.isEmpty()) {
            addressProblem = "container " + container + " has no address yet";
            return false;
        }
        URI t = config.targetAt(address.get().getHostString(), address.get().getPort());
        if (!t.equals(target)) {
            LOG.log(Level.INFO, "route {0}: container {1} is at {2}", config.name(), container, t);
            target = t;
        }
        addressProblem = "";
        return true;
    }

    /**
     * Returns once the container is healthy (when it has a health check), located and answers the probe;
     * returns early, without a verdict, once {@code wake} is settled by someone else (its deadline).
     *
     * @param deadline scheduler time by which it must be ready
     * @throws WakeFailedException when the container stops running, or at the deadline
     */
    void await(CompletableFuture<Void> wake, Provider p, boolean hasHealthcheck, long deadline) throws InterruptedException {
        long start = scheduler.nanoTime();
        long delay = FIRST_DELAY_NANOS;
        long lastInspect = start;
        ContainerHealth health = hasHealthcheck ? ContainerHealth.STARTING : ContainerHealth.NONE;
        boolean located = false;
        if (config.targetFromContainer()) addressProblem = "container " + container + " has no address yet";
        while (!wake.isDone()) {
            long now = scheduler.nanoTime();
            if (hasHealthcheck || now - lastInspect >= INSPECT_EVERY_NANOS) {
                lastInspect = now;
                ContainerState st = p.inspect(container);
                if (st.status() != ContainerStatus.RUNNING) {
                    throw new WakeFailedException("container '" + container + "' of route '" + config.name() + "' is "
                            + st.status().name().toLowerCase(Locale.ROOT)
                            + (st.status() == ContainerStatus.STOPPED ? " (exit code " + st.exitCode() + ")" : ""));
                }
                health = st.health();
            }
            boolean healthy = health == ContainerHealth.NONE || health == ContainerHealth.HEALTHY;
            if (healthy && !located) located = locate(p);
            if (healthy && located) {
                Duration attempt = Duration.ofNanos(Math.max(1_000_000L, Math.min(deadline - scheduler.nanoTime(),
                        Math.min(config.healthcheck().timeout().toNanos(), ATTEMPT_CAP.toNanos()))));
                if (probe.check(target, config.healthcheck(), attempt)) return;
            }
            long cap = scheduler.nanoTime() - start < FAST_WINDOW_NANOS ? FAST_CAP_NANOS : SLOW_CAP_NANOS;
            long pause = Math.min(delay, deadline - scheduler.nanoTime());
            if (pause <= 0) throw new WakeFailedException(timedOut());
            pause(wake, pause);
            delay = Math.min(cap, delay * 2);
        }
    }

    /** Waits {@code nanos} of scheduler time, or less when the wake is settled meanwhile. */
    private void pause(CompletableFuture<Void> wake, long nanos) throws InterruptedException {
        CompletableFuture<Void> due = new CompletableFuture<>();
        Scheduler.Scheduled s = scheduler.schedule(() -> due.complete(null), Duration.ofNanos(nanos));
        try {
            CompletableFuture.anyOf(due, wake).get();
        } catch (ExecutionException e) {
            // the wake failed meanwhile: the loop sees it is done
        } finally {
            s.cancel();
        }
    }

    /** The message of a wake that ran out of time, naming what was missing. */
    String timedOut() {
        String why = addressProblem.isEmpty() ? "container " + container + " did not become ready" : addressProblem;
        return "wake of route '" + config.name() + "' timed out after " + Durations.format(config.idle().wakeTimeout()) + " (" + why + ")";
    }
}
