package dev.dormouse.idlewatcher;

import dev.dormouse.core.DormouseException;
import dev.dormouse.core.Durations;
import dev.dormouse.core.IdleConfig;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.spi.ContainerHealth;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.core.spi.Provider;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The idle watcher of one route. Timers cost nothing while a route naps: a ready route has at most one
 * pending task on the shared timer thread, re-armed lazily from the last-activity timestamp, so the
 * request path only writes a volatile long.
 */
final class RouteWatcher implements IdleWatcher {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.idlewatcher");
    private static final long FIRST_PROBE_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final long FAST_PROBE_CAP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long SLOW_PROBE_CAP_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long FAST_PROBE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long INSPECT_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final Duration PROBE_ATTEMPT_CAP = Duration.ofSeconds(2);
    /** After a failed wake, wake requests are refused for this long, doubling per consecutive failure up to {@link #BACKOFF_CAP_NANOS}. */
    static final long BACKOFF_FIRST_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long BACKOFF_CAP_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final RouteConfig config;
    private final IdleConfig idle;
    private final Optional<Provider> provider;
    private final String providerError;
    private final String container;
    private final Lifecycle lifecycle;
    private final ReadinessProbe probe;
    private final ScheduledExecutorService timers;
    private final Clock clock;
    private final NanoClock nanos;
    private final long idleNanos;

    /** Immutable lists, replaced as a whole when the route set changes. */
    volatile List<RouteWatcher> dependencies = List.of();
    volatile List<RouteWatcher> dependents = List.of();

    private volatile RouteState state = RouteState.NAPPING;
    private volatile String lastError;
    private volatile long lastActivity;
    private volatile String containerId = "";
    private volatile java.net.URI target;
    /** Why the container's address is not known, for the wake-timeout message. */
    private volatile String addressProblem = "";
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicBoolean timerArmed = new AtomicBoolean();
    private final AtomicReference<CompletableFuture<Void>> flight = new AtomicReference<>();
    /** The flight whose outcome was decided (under this object's lock), so a timeout and a late result settle it once. */
    private CompletableFuture<Void> settled;
    /** Serialises this route's container actions (wake vs sleep vs resync); never held across routes. */
    private final ReentrantLock ops = new ReentrantLock();
    private volatile boolean closed;

    /**
     * Consecutive failed wakes since the last success or admin wake, when the last one failed, and its error.
     * Replaced as a whole under this object's lock; the request path reads it once.
     */
    private record Backoff(int failures, long failedAt, long lengthNanos, String error) {
        static final Backoff NONE = new Backoff(0, 0, 0, "");

        Backoff next(long now, String message) {
            int n = failures + 1;
            long length = n > 7 ? BACKOFF_CAP_NANOS : Math.min(BACKOFF_CAP_NANOS, BACKOFF_FIRST_NANOS << (n - 1));
            return new Backoff(n, now, length, message);
        }

        /** Nanoseconds left at {@code now}, 0 when over; measured as an elapsed time, so any reading of nanoTime works. */
        long leftNanos(long now) {
            if (failures == 0) return 0;
            long elapsed = now - failedAt;
            return elapsed < 0 || elapsed >= lengthNanos ? 0 : lengthNanos - elapsed;
        }
    }

    private volatile Backoff backoff = Backoff.NONE;

    /** Where this route's incidents go; the listener must not block. */
    private final Consumer<RouteIncident> incidents;
    /** Why the container crashed, while that episode lasts (until ready again); guarded by this object's lock. */
    private String crash;
    /** Whether a failed wake was reported in this episode; guarded by this object's lock. */
    private boolean wakeFailureReported;

    private final Object eventLock = new Object();
    private final List<WakeEvent> history = new ArrayList<>();
    private final List<Consumer<WakeEvent>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong eventIds = new AtomicLong();

    RouteWatcher(RouteConfig config, Optional<Provider> provider, String providerError, Lifecycle lifecycle,
            ReadinessProbe probe, ScheduledExecutorService timers, Clock clock, NanoClock nanos, Consumer<RouteIncident> incidents) {
        this.config = config;
        this.incidents = incidents;
        this.idle = config.idle();
        this.provider = provider;
        this.providerError = providerError;
        this.container = config.container().orElseThrow().id();
        this.lifecycle = lifecycle;
        this.probe = probe;
        this.timers = timers;
        this.clock = clock;
        this.nanos = nanos;
        this.lastActivity = nanos.nanoTime();
        this.idleNanos = idle.idleTimeout().toNanos();
        this.target = config.target();
    }

    // ---------------------------------------------------------------- request path

    @Override
    public String route() {
        return config.name();
    }

    @Override
    public RouteConfig config() {
        return config;
    }

    @Override
    public RouteState state() {
        return state;
    }

    @Override
    public boolean isReady() {
        return state == RouteState.READY;
    }

    @Override
    public Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    @Override
    public java.net.URI target() {
        return target;
    }

    /** Finds the container's address for a target that names no host; false while it has none. */
    private boolean resolveTarget(Provider p) {
        if (!config.targetFromContainer()) return true;
        Optional<String> address;
        try {
            address = p.address(container);
        } catch (DormouseException e) {
            addressProblem = e.getMessage();
            return false;
        }
        if (address.isEmpty()) {
            addressProblem = "container " + container + " has no address yet";
            return false;
        }
        java.net.URI t = config.targetAt(address.get());
        if (!t.equals(target)) {
            LOG.log(Level.INFO, "route {0}: container {1} is at {2}", route(), container, t);
            target = t;
        }
        addressProblem = "";
        return true;
    }

    @Override
    public void requestStarted() {
        open.incrementAndGet();
        touch();
    }

    @Override
    public void requestEnded() {
        open.decrementAndGet();
        touch();
    }

    @Override
    public void touch() {
        lastActivity = nanos.nanoTime();
        if (!timerArmed.get() && state == RouteState.READY) armTimer(idleNanos);
    }

    String containerRef() {
        return container;
    }

    String containerId() {
        return containerId;
    }

    String providerKey() {
        return config.container().orElseThrow().providerKey();
    }

    // ---------------------------------------------------------------- idle timer

    private void armTimer(long delayNanos) {
        if (!idle.sleeps() || closed) return;
        if (timerArmed.compareAndSet(false, true)) {
            try {
                timers.schedule(this::onTimer, Math.max(delayNanos, 1_000_000L), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                timerArmed.set(false);
            }
        }
    }

    /** Runs on the shared timer thread: decides only, never blocks. */
    private void onTimer() {
        timerArmed.set(false);
        if (state != RouteState.READY || closed) return;
        long remaining = idleRemainingNanos();
        if (remaining > 0) {
            armTimer(remaining);
        } else if (busy()) {
            armTimer(idleNanos);
        } else {
            Thread.ofVirtual().name("sleep-" + route()).start(() -> sleepNow(OpSource.IDLE_TIMEOUT, true));
        }
    }

    private long idleRemainingNanos() {
        return idleNanos - (nanos.nanoTime() - lastActivity);
    }

    /** Kept awake by an open connection or by an awake route that depends on this one. */
    private boolean busy() {
        return (idle.keepAwakeWhileConnected() && open.get() > 0) || anyDependentAwake();
    }

    private boolean anyDependentAwake() {
        for (RouteWatcher d : dependents) {
            RouteState s = d.state;
            if (s == RouteState.READY || s == RouteState.WAKING) return true;
        }
        return false;
    }

    /** A route that depends on this one went to sleep: this one may follow. */
    private void dependentSlept() {
        if (state != RouteState.READY || anyDependentAwake()) return;
        if (idle.sleeps() && idleRemainingNanos() > 0) return;
        Thread.ofVirtual().name("sleep-" + route()).start(() -> sleepNow(OpSource.DEPENDENCY, true));
    }

    // ---------------------------------------------------------------- sleep

    @Override
    public CompletableFuture<Void> sleep(OpSource source) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().name("sleep-" + route()).start(() -> {
            try {
                sleepNow(source, false);
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** Puts the container to sleep; with {@code onlyIfIdle} it first re-checks that nothing woke it meanwhile. */
    private void sleepNow(OpSource source, boolean onlyIfIdle) {
        Provider p = provider.orElse(null);
        if (p == null) return;
        ops.lock();
        try {
            CompletableFuture<Void> f = flight.get();
            if (f != null && !f.isDone()) {
                if (onlyIfIdle) return;
                throw new IdleWatcherException("sleep route '" + route() + "': a wake is under way");
            }
            RouteState before = state;
            if (onlyIfIdle) {
                if (before != RouteState.READY) return;
                state = RouteState.NAPPING;
                if (idleRemainingNanos() > 0 && source == OpSource.IDLE_TIMEOUT || busy()) {
                    state = RouteState.READY;
                    armTimer(Math.max(idleRemainingNanos(), FIRST_PROBE_DELAY_NANOS));
                    return;
                }
            } else if (state == RouteState.MISSING) {
                throw new IdleWatcherException("sleep route '" + route() + "': container '" + container + "' is missing");
            }
            state = RouteState.NAPPING;
            Lifecycle.Op op = switch (idle.stopMethod()) {
                case PAUSE -> Lifecycle.Op.PAUSE;
                case STOP -> Lifecycle.Op.STOP;
                case KILL -> Lifecycle.Op.KILL;
            };
            try {
                ContainerState st = p.inspect(container);
                if (st.status() == ContainerStatus.MISSING) {
                    state = RouteState.MISSING;
                    return;
                }
                boolean asleep = st.status() == ContainerStatus.STOPPED
                        || (st.status() == ContainerStatus.PAUSED && op == Lifecycle.Op.PAUSE);
                if (!asleep) {
                    if (st.status() == ContainerStatus.PAUSED && op != Lifecycle.Op.PAUSE) {
                        lifecycle.perform(route(), p, container, Lifecycle.Op.UNPAUSE, idle, source);
                    }
                    lifecycle.perform(route(), p, container, op, idle, source);
                    LOG.log(Level.INFO, "route {0}: container {1} put to sleep ({2}, {3})", route(), container,
                            idle.stopMethod().label(), source.label());
                }
            } catch (DormouseException e) {
                LOG.log(Level.WARNING, "route {0}: sleep container {1}: {2}", route(), container, e.getMessage());
                state = stateAfterFailedSleep(p, before);
                if (state == RouteState.READY) armTimer(idleNanos);
                throw e;
            }
        } finally {
            ops.unlock();
        }
        for (RouteWatcher d : dependencies) d.dependentSlept();
    }

    private RouteState stateAfterFailedSleep(Provider p, RouteState before) {
        try {
            return switch (p.inspect(container).status()) {
                case RUNNING -> before == RouteState.READY ? RouteState.READY : RouteState.ERROR;
                case MISSING -> RouteState.MISSING;
                default -> RouteState.NAPPING;
            };
        } catch (DormouseException e) {
            return RouteState.ERROR;
        }
    }

    // ---------------------------------------------------------------- wake

    /**
     * {@inheritDoc}
     *
     * <p>After a failed wake the route backs off: until {@link #BACKOFF_FIRST_NANOS} (doubling per consecutive
     * failure up to {@link #BACKOFF_CAP_NANOS}) has passed, a wake that would begin a new attempt fails at once
     * with the time left, without touching the container or emitting events; so does one whose dependency backs
     * off. A wake under way is still joined. An {@link OpSource#ADMIN} wake ignores the backoff, starts the
     * count over and tries at once, dependencies included.
     */
    @Override
    public CompletableFuture<Void> wake(OpSource source) {
        return wake(source, source == OpSource.ADMIN);
    }

    CompletableFuture<Void> wake(OpSource source, boolean ignoreBackoff) {
        if (state == RouteState.READY) return CompletableFuture.completedFuture(null);
        while (true) {
            CompletableFuture<Void> f = flight.get();
            if (f != null && !f.isDone()) return f.copy();
            if (!ignoreBackoff) {
                WakeFailedException refused = refusal(nanos.nanoTime());
                if (refused != null) {
                    errorInHistory(refused.getMessage());
                    return CompletableFuture.failedFuture(refused);
                }
            }
            CompletableFuture<Void> next = new CompletableFuture<>();
            if (flight.compareAndSet(f, next)) {
                if (source == OpSource.ADMIN) {
                    synchronized (this) {
                        backoff = Backoff.NONE;
                    }
                }
                begin(next, source, false, ignoreBackoff);
                return next.copy();
            }
        }
    }

    /** Why a new wake attempt is refused now (this route or a dependency backs off), or null when it may go ahead. */
    private WakeFailedException refusal(long now) {
        Backoff b = backoff;
        long left = b.leftNanos(now);
        if (left > 0) {
            return new WakeFailedException("wake of route '" + route() + "' not tried: backing off for " + Durations.format(roundUp(left))
                    + " after " + b.failures() + (b.failures() == 1 ? " failed wake: " : " failed wakes in a row: ") + b.error(),
                    Duration.ofNanos(left));
        }
        for (RouteWatcher dep : dependencies) {
            if (dep.isReady()) continue;
            WakeFailedException d = dep.refusal(now);
            if (d != null) {
                return new WakeFailedException("dependency '" + dep.route() + "' of route '" + route() + "' failed to wake: " + d.getMessage(),
                        d.retryAfter().orElseThrow());
            }
        }
        return null;
    }

    private static Duration roundUp(long nanos) {
        return Duration.ofSeconds(Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L));
    }

    /**
     * A refused wake adds no events, but a new subscriber (a loading page) must learn that the route is not
     * coming: when the history does not already end with an error (the route's own failed wake), it is
     * replaced by this one error, once.
     */
    private void errorInHistory(String message) {
        synchronized (eventLock) {
            if (!history.isEmpty() && history.get(history.size() - 1).type() == WakeEvent.Type.ERROR) return;
            history.clear();
            emit(WakeEvent.Type.ERROR, "Wake failed", message);
        }
    }

    /** The container was started elsewhere (or found running): probe it, then ready. */
    private void adopt() {
        while (true) {
            CompletableFuture<Void> f = flight.get();
            if (f != null && !f.isDone()) return;
            CompletableFuture<Void> next = new CompletableFuture<>();
            if (flight.compareAndSet(f, next)) {
                begin(next, OpSource.RECONCILE, true, true);
                return;
            }
        }
    }

    private void begin(CompletableFuture<Void> f, OpSource source, boolean adopting, boolean ignoreBackoff) {
        synchronized (eventLock) {
            history.clear();
        }
        state = RouteState.WAKING;
        long deadline = System.nanoTime() + idle.wakeTimeout().toNanos();
        emit(WakeEvent.Type.STARTING, adopting ? "Container " + container + " started elsewhere, checking it" : "Waking " + route(), "");
        try {
            var timeout = timers.schedule(() -> fail(f, timedOut()), idle.wakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
            f.whenComplete((v, e) -> timeout.cancel(false));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            fail(f, "wake of route '" + route() + "': shutting down");
            return;
        }
        Thread.ofVirtual().name("wake-" + route()).start(() -> {
            try {
                runWake(f, source, deadline, adopting, ignoreBackoff);
                succeed(f);
            } catch (AdoptionEnded e) {
                napAgain(f, e.getMessage());
            } catch (DependencyFailed e) {
                fail(f, e.getMessage(), e.retryAfter);
            } catch (WakeFailedException e) {
                fail(f, e.getMessage());
            } catch (DormouseException e) {
                fail(f, e.getMessage());
            } catch (InterruptedException e) {
                fail(f, "wake of route '" + route() + "' interrupted");
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "route " + route() + ": wake failed unexpectedly", e);
                fail(f, "wake of route '" + route() + "' failed: " + e);
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

    private void napAgain(CompletableFuture<Void> f, String message) {
        synchronized (this) {
            if (f.isDone() || settled == f) return;
            settled = f;
            state = RouteState.NAPPING;
        }
        LOG.log(Level.DEBUG, "route {0}: {1}", route(), message);
        f.completeExceptionally(new WakeFailedException(message));
    }

    private void runWake(CompletableFuture<Void> f, OpSource source, long deadline, boolean adopting, boolean ignoreBackoff)
            throws InterruptedException {
        Provider p = provider.orElseThrow(() -> new WakeFailedException(providerError));
        for (RouteWatcher dep : dependencies) {
            if (f.isDone()) return;
            if (!dep.isReady()) {
                emit(WakeEvent.Type.WAKING_DEPENDENCY, "Waking dependency " + dep.route(), "");
                try {
                    dep.wake(OpSource.DEPENDENCY, ignoreBackoff).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (ExecutionException e) {
                    Optional<Duration> retry = e.getCause() instanceof WakeFailedException w ? w.retryAfter() : Optional.empty();
                    throw new DependencyFailed("dependency '" + dep.route() + "' of route '" + route() + "' failed to wake: "
                            + (e.getCause() == null ? e : e.getCause().getMessage()), retry);
                } catch (TimeoutException e) {
                    throw new DependencyFailed("dependency '" + dep.route() + "' of route '" + route() + "' not ready within "
                            + Durations.format(idle.wakeTimeout()), Optional.empty());
                }
                emit(WakeEvent.Type.DEPENDENCY_READY, "Dependency " + dep.route() + " is ready", "");
            }
        }
        boolean hasHealthcheck;
        if (!ops.tryLock(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            throw new WakeFailedException("wake of route '" + route() + "': container " + container + " still busy with another action");
        }
        try {
            if (f.isDone()) return;
            ContainerState st = p.inspect(container);
            containerId = st.id();
            hasHealthcheck = st.health() != ContainerHealth.NONE;
            if (adopting && (st.status() == ContainerStatus.PAUSED || st.status() == ContainerStatus.STOPPED)) {
                throw new AdoptionEnded("container " + container + " is " + st.status().name().toLowerCase(java.util.Locale.ROOT)
                        + " again; route " + route() + " stays napping");
            }
            switch (st.status()) {
                case MISSING -> {
                    state = RouteState.MISSING;
                    throw new WakeFailedException("container '" + container + "' of route '" + route() + "' does not exist");
                }
                case PAUSED -> {
                    lifecycle.perform(route(), p, container, Lifecycle.Op.UNPAUSE, idle, source);
                    emit(WakeEvent.Type.CONTAINER_STARTED, "Container " + container + " resumed", "");
                }
                case STOPPED -> {
                    lifecycle.perform(route(), p, container, Lifecycle.Op.START, idle, source);
                    emit(WakeEvent.Type.CONTAINER_STARTED, "Container " + container + " started", "");
                }
                case RUNNING -> { }
            }
        } finally {
            ops.unlock();
        }
        emit(WakeEvent.Type.WAITING_READY, "Waiting for " + route() + " to answer", "");
        waitReady(f, p, hasHealthcheck, deadline);
    }

    private void waitReady(CompletableFuture<Void> f, Provider p, boolean hasHealthcheck, long deadline) throws InterruptedException {
        long start = System.nanoTime();
        long delay = FIRST_PROBE_DELAY_NANOS;
        long lastInspect = start;
        ContainerHealth health = hasHealthcheck ? ContainerHealth.STARTING : ContainerHealth.NONE;
        boolean located = false;
        if (config.targetFromContainer()) addressProblem = "container " + container + " has no address yet";
        while (!f.isDone()) {
            long now = System.nanoTime();
            if (hasHealthcheck || now - lastInspect >= INSPECT_EVERY_NANOS) {
                lastInspect = now;
                ContainerState st = p.inspect(container);
                if (st.status() != ContainerStatus.RUNNING) {
                    throw new WakeFailedException("container '" + container + "' of route '" + route() + "' is "
                            + st.status().name().toLowerCase(java.util.Locale.ROOT)
                            + (st.status() == ContainerStatus.STOPPED ? " (exit code " + st.exitCode() + ")" : ""));
                }
                health = st.health();
            }
            boolean healthy = health == ContainerHealth.NONE || health == ContainerHealth.HEALTHY;
            if (healthy && !located) located = resolveTarget(p);
            if (healthy && located) {
                Duration attempt = Duration.ofNanos(Math.max(1_000_000L, Math.min(deadline - System.nanoTime(),
                        Math.min(config.healthcheck().timeout().toNanos(), PROBE_ATTEMPT_CAP.toNanos()))));
                if (probe.check(target, config.healthcheck(), attempt)) return;
            }
            long cap = System.nanoTime() - start < FAST_PROBE_WINDOW_NANOS ? FAST_PROBE_CAP_NANOS : SLOW_PROBE_CAP_NANOS;
            long sleep = Math.min(delay, deadline - System.nanoTime());
            if (sleep <= 0) throw new WakeFailedException(timedOut());
            TimeUnit.NANOSECONDS.sleep(sleep);
            delay = Math.min(cap, delay * 2);
        }
    }

    private String timedOut() {
        String why = addressProblem.isEmpty() ? "container " + container + " did not become ready" : addressProblem;
        return "wake of route '" + route() + "' timed out after " + Durations.format(idle.wakeTimeout()) + " (" + why + ")";
    }

    private void succeed(CompletableFuture<Void> f) {
        boolean episodeEnded;
        synchronized (this) {
            if (f.isDone() || settled == f) return;
            settled = f;
            lastError = null;
            lastActivity = nanos.nanoTime();
            backoff = Backoff.NONE;
            state = RouteState.READY;
            episodeEnded = crash != null || wakeFailureReported;
            crash = null;
            wakeFailureReported = false;
        }
        armTimer(idleNanos);
        emit(WakeEvent.Type.READY, route() + " is ready", "");
        LOG.log(Level.INFO, "route {0}: ready", route());
        if (episodeEnded) report(RouteIncident.Kind.RECOVERED, "");
        f.complete(null);
    }

    /**
     * A failed wake: the route backs off one step further before a wake request tries again. The first
     * failure since the route was last ready is reported as an incident; later ones in the same episode
     * are not.
     */
    private void fail(CompletableFuture<Void> f, String message) {
        Backoff b;
        boolean first;
        synchronized (this) {
            if (f.isDone() || settled == f) return;
            settled = f;
            lastError = message;
            if (state != RouteState.MISSING) state = RouteState.ERROR;
            b = backoff.next(nanos.nanoTime(), message);
            backoff = b;
            first = !wakeFailureReported;
            wakeFailureReported = true;
        }
        emit(WakeEvent.Type.ERROR, "Wake failed", message);
        LOG.log(Level.WARNING, "route {0}: {1} (wake requests refused for {2})", route(), message, Durations.format(Duration.ofNanos(b.lengthNanos())));
        if (first) report(RouteIncident.Kind.WAKE_FAILED, message);
        f.completeExceptionally(new WakeFailedException(message, Duration.ofNanos(b.lengthNanos())));
    }

    private void report(RouteIncident.Kind kind, String reason) {
        try {
            incidents.accept(new RouteIncident(route(), kind, reason, clock.instant()));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "route " + route() + ": incident listener failed on " + kind, e);
        }
    }

    /** Whether the route is in error because its container crashed (not because a wake failed). */
    synchronized boolean crashed() {
        return crash != null;
    }

    /** A wake that failed because of a dependency: this route's own backoff stays as it was. */
    private void fail(CompletableFuture<Void> f, String message, Optional<Duration> retryAfter) {
        synchronized (this) {
            if (f.isDone() || settled == f) return;
            settled = f;
            lastError = message;
            if (state != RouteState.MISSING) state = RouteState.ERROR;
        }
        emit(WakeEvent.Type.ERROR, "Wake failed", message);
        LOG.log(Level.WARNING, "route {0}: {1}", route(), message);
        f.completeExceptionally(retryAfter.map(d -> new WakeFailedException(message, d)).orElseGet(() -> new WakeFailedException(message)));
    }

    // ---------------------------------------------------------------- events

    private void emit(WakeEvent.Type type, String message, String error) {
        WakeEvent e = new WakeEvent(eventIds.incrementAndGet(), route(), type, message, error, clock.instant());
        synchronized (eventLock) {
            history.add(e);
            for (Consumer<WakeEvent> l : listeners) deliver(l, e);
        }
    }

    private void deliver(Consumer<WakeEvent> l, WakeEvent e) {
        try {
            l.accept(e);
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "route " + route() + ": wake event listener failed", ex);
        }
    }

    @Override
    public AutoCloseable subscribe(Consumer<WakeEvent> listener) {
        synchronized (eventLock) {
            for (WakeEvent e : history) deliver(listener, e);
            listeners.add(listener);
        }
        return () -> listeners.remove(listener);
    }

    // ---------------------------------------------------------------- following the container

    /**
     * Re-reads the container and follows what happened to it outside dormouse. At start-up a running
     * container is ready at once with a fresh idle timer; later a container found running is probed first.
     */
    void resync(boolean startup) {
        Provider p = provider.orElse(null);
        if (p == null) {
            state = RouteState.ERROR;
            lastError = providerError;
            return;
        }
        boolean adopt = false;
        Optional<String> crashed = Optional.empty();
        ops.lock();
        try {
            CompletableFuture<Void> f = flight.get();
            if (f != null && !f.isDone()) return;
            ContainerState st;
            try {
                st = p.inspect(container);
            } catch (DormouseException e) {
                LOG.log(Level.WARNING, "route {0}: inspect container {1}: {2}", route(), container, e.getMessage());
                if (startup) {
                    state = RouteState.ERROR;
                    lastError = e.getMessage();
                }
                return;
            }
            containerId = st.id();
            RouteState before = state;
            switch (st.status()) {
                case MISSING -> state = RouteState.MISSING;
                case PAUSED -> state = RouteState.NAPPING;
                case STOPPED -> {
                    // Found stopped while ready: dormouse did not stop it, since every sleep (idle, dependency, admin) leaves
                    // READY under this lock before it acts. Whether that is a crash or a nap, Exits decides. At start-up
                    // there is no telling who stopped it: napping, as ever.
                    if (!startup && before == RouteState.READY) {
                        crashed = Exits.crash(false, idle.sleeps(), st.exitCode(), st.oomKilled());
                    }
                    if (crashed.isPresent()) {
                        synchronized (this) {
                            crash = crashed.get();
                            lastError = "container " + container + " " + crashed.get();
                            state = RouteState.ERROR;
                        }
                    } else if (!(before == RouteState.ERROR && crashed())) {
                        // A crashed route stays in error, its reason shown, until it runs again; the next request wakes it.
                        state = RouteState.NAPPING;
                    }
                }
                case RUNNING -> {
                    if (startup && st.runningHealthy() && resolveTarget(p)) {
                        lastActivity = nanos.nanoTime();
                        state = RouteState.READY;
                        armTimer(idleNanos);
                    } else if (state == RouteState.NAPPING || state == RouteState.MISSING || (state == RouteState.ERROR && crashed())) {
                        // Started by someone else. After a failed wake (ERROR) the next request retries instead.
                        adopt = true;
                    }
                }
            }
            if (before != state && !startup) {
                LOG.log(Level.INFO, "route {0}: container {1} is {2}, route {3}", route(), container,
                        st.status().name().toLowerCase(java.util.Locale.ROOT), state.label());
                if (before == RouteState.READY) {
                    for (RouteWatcher d : dependencies) d.dependentSlept();
                }
            }
        } finally {
            ops.unlock();
        }
        if (crashed.isPresent()) {
            LOG.log(Level.WARNING, "route {0}: container {1} {2} without dormouse stopping it; route in error until it runs again", route(),
                    container, crashed.get());
            report(RouteIncident.Kind.CRASHED, crashed.get());
        }
        if (adopt) adopt();
    }

    void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "route " + route() + " (" + config.container().orElseThrow() + ", " + state.label() + ")";
    }
}
