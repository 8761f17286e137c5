package dev.dormouse.idlewatcher;

import dev.dormouse.core.DormouseException;
import dev.dormouse.core.IdleConfig;
import dev.dormouse.core.Scheduler;
import dev.dormouse.core.spi.ContainerHealth;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.core.spi.Provider;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * How one route wakes: dependencies first, then its container (started, or resumed when paused) under the
 * route's action lock, then the {@linkplain Readiness readiness wait}. Each attempt runs on a virtual thread,
 * shared by its callers and bounded by {@code wake_timeout} ({@link WakeFlight}), and ends as ready, as a
 * failure (the route {@linkplain WakeBackoff backs off}), or napping again (an adoption that found the
 * container asleep again).
 */
final class Wake {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.idlewatcher");

    private final RouteWatcher w;
    private final IdleConfig idle;
    private final String container;
    private final Lifecycle lifecycle;
    private final Scheduler scheduler;
    private final WakeFlight flight = new WakeFlight();

    Wake(RouteWatcher w, Lifecycle lifecycle, Scheduler scheduler) {
        this.w = w;
        this.idle = w.config().idle();
        this.container = w.containerRef();
        this.lifecycle = lifecycle;
        this.scheduler = scheduler;
    }

    boolean underWay() {
        return flight.underWay();
    }

    /** See {@link RouteWatcher#wake(OpSource)}; {@code ignoreBackoff} goes down to the dependencies. */
    CompletableFuture<Void> wake(OpSource source, boolean ignoreBackoff) {
        if (w.isReady()) return CompletableFuture.completedFuture(null);
        return flight.join(() -> {
            if (ignoreBackoff) return Optional.empty();
            Optional<WakeFailedException> refused = refusal(scheduler.nanoTime());
            refused.ifPresent(e -> w.events().refused(e.getMessage()));
            return refused;
        }, next -> {
            if (source == OpSource.ADMIN) w.backoff().reset();
            begin(next, source, false, ignoreBackoff);
        });
    }

    /** Why a new attempt is refused at {@code now} (this route or a dependency backs off); empty when it may go ahead. */
    Optional<WakeFailedException> refusal(long now) {
        Optional<WakeFailedException> own = w.backoff().refusal(w.route(), now);
        if (own.isPresent()) return own;
        for (RouteWatcher dep : w.dependencies) {
            if (dep.isReady()) continue;
            Optional<WakeFailedException> d = dep.wakes().refusal(now);
            if (d.isPresent()) {
                return Optional.of(new WakeFailedException("dependency '" + dep.route() + "' of route '" + w.route() + "' failed to wake: "
                        + d.get().getMessage(), d.get().retryAfter().orElseThrow()));
            }
        }
        return Optional.empty();
    }

    /** The container was started elsewhere (or found running): probe it, then ready. */
    void adopt() {
        flight.beginUnlessUnderWay(next -> begin(next, OpSource.RECONCILE, true, true));
    }

    private void begin(CompletableFuture<Void> f, OpSource source, boolean adopting, boolean ignoreBackoff) {
        w.events().clear();
        w.state(RouteState.WAKING);
        long deadline = scheduler.nanoTime() + idle.wakeTimeout().toNanos();
        w.events().emit(WakeEvent.Type.STARTING, adopting ? "Container " + container + " started elsewhere, checking it" : "Waking " + w.route(), "");
        Scheduler.Scheduled timeout = scheduler.schedule(() -> fail(f, w.readiness().timedOut()), idle.wakeTimeout());
        f.whenComplete((v, e) -> timeout.cancel());
        Thread.ofVirtual().name("wake-" + w.route()).start(() -> {
            try {
                run(f, source, deadline, adopting, ignoreBackoff);
                succeed(f);
            } catch (AdoptionEnded e) {
                napAgain(f, e.getMessage());
            } catch (DependencyFailed e) {
                failForDependency(f, e.getMessage(), e.retryAfter);
            } catch (DormouseException e) {
                fail(f, e.getMessage());
            } catch (InterruptedException e) {
                fail(f, "wake of route '" + w.route() + "' interrupted");
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "route " + w.route() + ": wake failed unexpectedly", e);
                fail(f, "wake of route '" + w.route() + "' failed: " + e);
            }
        });
    }

    /** An adoption found the container paused or stopped again: it is napping, and nothing is done to it. */
    private static final class AdoptionEnded extends RuntimeException {
        AdoptionEnded(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * A dependency did not wake. The dependency backs off on its own account; this route's container was not
     * touched, so its own backoff does not grow, and its waiters are told the dependency's time left.
     */
    private static final class DependencyFailed extends RuntimeException {
        final Optional<Duration> retryAfter;

        DependencyFailed(String message, Optional<Duration> retryAfter) {
            super(message, null, false, false);
            this.retryAfter = retryAfter;
        }
    }

    private void run(CompletableFuture<Void> f, OpSource source, long deadline, boolean adopting, boolean ignoreBackoff)
            throws InterruptedException {
        Provider p = w.provider();
        for (RouteWatcher dep : w.dependencies) {
            if (f.isDone()) return;
            if (!dep.isReady()) {
                w.events().emit(WakeEvent.Type.WAKING_DEPENDENCY, "Waking dependency " + dep.route(), "");
                CompletableFuture<Void> d = dep.wakes().wake(OpSource.DEPENDENCY, ignoreBackoff);
                try {
                    // This wake's own deadline settles f; the dependency's wake is bounded by its own.
                    CompletableFuture.anyOf(d, f).get();
                } catch (ExecutionException e) {
                    if (f.isDone()) return;
                    Throwable cause = e.getCause();
                    Optional<Duration> retry = cause instanceof WakeFailedException x ? x.retryAfter() : Optional.empty();
                    throw new DependencyFailed("dependency '" + dep.route() + "' of route '" + w.route() + "' failed to wake: "
                            + (cause == null ? e : cause.getMessage()), retry);
                }
                if (f.isDone()) return;
                w.events().emit(WakeEvent.Type.DEPENDENCY_READY, "Dependency " + dep.route() + " is ready", "");
            }
        }
        boolean hasHealthcheck;
        if (!w.ops().tryLock(Math.max(1, deadline - scheduler.nanoTime()), TimeUnit.NANOSECONDS)) {
            throw new WakeFailedException("wake of route '" + w.route() + "': container " + container + " still busy with another action");
        }
        try {
            if (f.isDone()) return;
            ContainerState st = p.inspect(container);
            w.containerId(st.id());
            hasHealthcheck = st.health() != ContainerHealth.NONE;
            if (adopting && (st.status() == ContainerStatus.PAUSED || st.status() == ContainerStatus.STOPPED)) {
                throw new AdoptionEnded("container " + container + " is " + st.status().name().toLowerCase(Locale.ROOT)
                        + " again; route " + w.route() + " stays napping");
            }
            switch (st.status()) {
                case MISSING -> {
                    w.state(RouteState.MISSING);
                    throw new WakeFailedException("container '" + container + "' of route '" + w.route() + "' does not exist");
                }
                case PAUSED -> {
                    lifecycle.perform(w.route(), Provider.Action.UNPAUSE, source);
                    w.events().emit(WakeEvent.Type.CONTAINER_STARTED, "Container " + container + " resumed", "");
                }
                case STOPPED -> {
                    lifecycle.perform(w.route(), Provider.Action.START, source);
                    w.events().emit(WakeEvent.Type.CONTAINER_STARTED, "Container " + container + " started", "");
                }
                case RUNNING -> { }
            }
        } finally {
            w.ops().unlock();
        }
        w.events().emit(WakeEvent.Type.WAITING_READY, "Waiting for " + w.route() + " to answer", "");
        w.readiness().await(f, p, hasHealthcheck, deadline);
    }

    private void succeed(CompletableFuture<Void> f) {
        // Armed before anyone can see the route ready; a timer of a route that did not become ready does nothing.
        w.timer().restart();
        if (!flight.settle(f, () -> {
            w.lastError(null);
            w.backoff().reset();
            w.state(RouteState.READY);
        })) return;
        w.events().emit(WakeEvent.Type.READY, w.route() + " is ready", "");
        LOG.log(Level.INFO, "route {0}: ready", w.route());
        w.episodes().ready();
        f.complete(null);
    }

    /** A failed wake: the route backs off one step further; the episode's first failure is reported. */
    private void fail(CompletableFuture<Void> f, String message) {
        Duration[] length = new Duration[1];
        if (!flight.settle(f, () -> {
            w.failed(message);
            length[0] = w.backoff().failed(scheduler.nanoTime(), message);
        })) return;
        w.events().emit(WakeEvent.Type.ERROR, "Wake failed", message);
        LOG.log(Level.WARNING, "route {0}: {1} (wake requests refused for {2})", w.route(), message, dev.dormouse.core.Durations.format(length[0]));
        w.episodes().wakeFailed(message);
        f.completeExceptionally(new WakeFailedException(message, length[0]));
    }

    /** A wake that failed because of a dependency: this route's own backoff stays as it was. */
    private void failForDependency(CompletableFuture<Void> f, String message, Optional<Duration> retryAfter) {
        if (!flight.settle(f, () -> w.failed(message))) return;
        w.events().emit(WakeEvent.Type.ERROR, "Wake failed", message);
        LOG.log(Level.WARNING, "route {0}: {1}", w.route(), message);
        f.completeExceptionally(retryAfter.map(d -> new WakeFailedException(message, d)).orElseGet(() -> new WakeFailedException(message)));
    }

    private void napAgain(CompletableFuture<Void> f, String message) {
        if (!flight.settle(f, () -> w.state(RouteState.NAPPING))) return;
        LOG.log(Level.DEBUG, "route {0}: {1}", w.route(), message);
        f.completeExceptionally(new WakeFailedException(message));
    }
}
