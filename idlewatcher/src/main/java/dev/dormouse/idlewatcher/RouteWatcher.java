package dev.dormouse.idlewatcher;

import dev.dormouse.core.IdleConfig;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.Scheduler;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.core.spi.Provider;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The idle watcher of one route: its state, and the parts that act on it: the {@link IdleTimer}, the
 * {@link Wake} (with its {@link WakeFlight}, {@link Readiness} and {@link WakeBackoff}), the {@link Sleep},
 * the {@link Resync} that follows the container, the {@link WakeEventLog} and the {@link Episodes} of
 * crashes and failed wakes. The parts share the route's action lock ({@link #ops()}).
 */
final class RouteWatcher implements IdleWatcher, IdleTimer.Route {
    private final RouteConfig config;
    private final IdleConfig idle;
    private final Optional<Provider> provider;
    private final String providerError;
    private final String container;
    private final IdleTimer timer;
    private final Readiness readiness;
    private final WakeEventLog events;
    private final WakeBackoff backoff = new WakeBackoff();
    private final Episodes episodes;
    private final Wake wake;
    private final Sleep sleep;
    private final Resync resync;

    /** Immutable lists, replaced as a whole when the route set changes. */
    volatile List<RouteWatcher> dependencies = List.of();
    volatile List<RouteWatcher> dependents = List.of();

    private volatile RouteState state = RouteState.NAPPING;
    private volatile String lastError;
    private volatile String containerId = "";
    /** Serialises this route's container actions (wake vs sleep vs resync); never held across routes. */
    private final ReentrantLock ops = new ReentrantLock();
    private volatile boolean closed;
    /** Resyncs finished, so a test can tell that an event was followed even when it changed nothing. */
    private final java.util.concurrent.atomic.AtomicLong resyncs = new java.util.concurrent.atomic.AtomicLong();

    RouteWatcher(RouteConfig config, Optional<Provider> provider, String providerError, Lifecycle lifecycle, ReadinessProbe probe,
            Scheduler scheduler, Clock clock, Consumer<RouteIncident> incidents) {
        this.config = config;
        this.idle = config.idle();
        this.provider = provider;
        this.providerError = providerError;
        this.container = config.container().orElseThrow().id();
        this.timer = new IdleTimer(scheduler, idle.idleTimeout(), this);
        this.readiness = new Readiness(config, probe, scheduler);
        this.events = new WakeEventLog(config.name(), clock);
        this.episodes = new Episodes(config.name(), clock, incidents);
        this.wake = new Wake(this, lifecycle, scheduler);
        this.sleep = new Sleep(this, lifecycle);
        this.resync = new Resync(this);
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
        return readiness.target();
    }

    @Override
    public void requestStarted() {
        timer.requestStarted();
    }

    @Override
    public void requestEnded() {
        timer.requestEnded();
    }

    @Override
    public void touch() {
        timer.touch();
    }

    @Override
    public AutoCloseable subscribe(Consumer<WakeEvent> listener) {
        return events.subscribe(listener);
    }

    // ---------------------------------------------------------------- the parts' view of the route

    String containerRef() {
        return container;
    }

    String containerId() {
        return containerId;
    }

    void containerId(String id) {
        containerId = id;
    }

    String providerKey() {
        return config.container().orElseThrow().providerKey();
    }

    /** The route's provider; a wake of a route whose provider is not available fails with why. */
    Provider provider() {
        return provider.orElseThrow(() -> new WakeFailedException(providerError));
    }

    Optional<Provider> providerIfAny() {
        return provider;
    }

    String providerError() {
        return providerError;
    }

    void state(RouteState s) {
        state = s;
    }

    void lastError(String error) {
        lastError = error;
    }

    /** A wake failed: in error (missing stays missing), with the message. */
    void failed(String message) {
        lastError = message;
        if (state != RouteState.MISSING) state = RouteState.ERROR;
    }

    ReentrantLock ops() {
        return ops;
    }

    IdleTimer timer() {
        return timer;
    }

    Readiness readiness() {
        return readiness;
    }

    WakeEventLog events() {
        return events;
    }

    WakeBackoff backoff() {
        return backoff;
    }

    Episodes episodes() {
        return episodes;
    }

    Wake wakes() {
        return wake;
    }

    /** Whether the route is in error because its container crashed (not because a wake failed). */
    boolean crashed() {
        return episodes.crashed();
    }

    // ---------------------------------------------------------------- idleness

    @Override
    public boolean ready() {
        return state == RouteState.READY && !closed;
    }

    /** Kept awake by an open connection or by an awake route that depends on this one. */
    @Override
    public boolean busy() {
        return (idle.keepAwakeWhileConnected() && timer.connected()) || anyDependentAwake();
    }

    @Override
    public void idle() {
        Thread.ofVirtual().name("sleep-" + route()).start(() -> sleep.now(OpSource.IDLE_TIMEOUT, true));
    }

    private boolean anyDependentAwake() {
        for (RouteWatcher d : dependents) {
            RouteState s = d.state;
            if (s == RouteState.READY || s == RouteState.WAKING) return true;
        }
        return false;
    }

    /** A route that depends on this one went to sleep: this one may follow. */
    void dependentSlept() {
        if (state != RouteState.READY || anyDependentAwake()) return;
        if (idle.sleeps() && timer.remainingNanos() > 0) return;
        Thread.ofVirtual().name("sleep-" + route()).start(() -> sleep.now(OpSource.DEPENDENCY, true));
    }

    // ---------------------------------------------------------------- wake and sleep

    /**
     * {@inheritDoc}
     *
     * <p>An {@link OpSource#ADMIN} wake ignores the backoff ({@link WakeBackoff}), starts the count over and
     * tries at once, dependencies included.
     */
    @Override
    public CompletableFuture<Void> wake(OpSource source) {
        return wake.wake(source, source == OpSource.ADMIN);
    }

    @Override
    public CompletableFuture<Void> sleep(OpSource source) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().name("sleep-" + route()).start(() -> {
            try {
                sleep.now(source, false);
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    // ---------------------------------------------------------------- following the container

    /** Re-reads the container and follows what happened to it outside dormouse ({@link Resync}). */
    void resync(boolean startup) {
        try {
            resync.follow(startup);
        } finally {
            resyncs.incrementAndGet();
        }
    }

    long resyncs() {
        return resyncs.get();
    }

    void close() {
        closed = true;
        timer.close();
    }

    @Override
    public String toString() {
        return "route " + route() + " (" + config.container().orElseThrow() + ", " + state.label() + ")";
    }
}
