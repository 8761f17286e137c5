package dev.dormouse.admin.testkit;

import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.idlewatcher.WakeEvent;
import dev.dormouse.idlewatcher.WakeFailedException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * An idle watcher whose wake the test drives: by hand ({@link #finishWake}, {@link #failWake}), or by a
 * script that runs on its own thread when a wake begins, as a real wake's steps arrive from elsewhere.
 */
public final class FakeWatcher implements IdleWatcher {
    public final RouteConfig config;
    public volatile RouteState state = RouteState.NAPPING;
    public volatile CompletableFuture<Void> wake = new CompletableFuture<>();
    public final AtomicInteger wakes = new AtomicInteger();
    /** The source of each wake asked for, in order. */
    public final List<OpSource> wakeSources = new CopyOnWriteArrayList<>();
    public final List<Consumer<WakeEvent>> listeners = new CopyOnWriteArrayList<>();
    public final List<WakeEvent> history = new CopyOnWriteArrayList<>();
    /** What {@link #target()} answers; the configured target unless a test moves it. */
    public volatile URI target;
    /** When set, {@link #sleep} fails with it, as a provider error would. */
    public volatile RuntimeException sleepFailure;
    /** What {@link #lastError()} answers; empty for none. */
    public volatile String lastError = "";
    /** Run on a new thread when a wake begins; when unset, a wake emits {@code starting} at once. */
    public volatile Consumer<FakeWatcher> onWake;

    private final AtomicInteger stateReads = new AtomicInteger();
    private volatile int readsAtWake;

    public FakeWatcher(RouteConfig config) {
        this.config = config;
    }

    /** Ends the wake: the route is ready, {@code ready} is emitted and the wake's future completes. */
    public void finishWake() {
        finishWake("ready", Instant.now());
    }

    /** Ends the wake with a {@code ready} event saying {@code message}, stamped {@code at}. */
    public void finishWake(String message, Instant at) {
        state = RouteState.READY;
        emit(WakeEvent.Type.READY, message, "", at);
        wake.complete(null);
    }

    /** Fails the wake with {@code why}, as a wake that ran out of time or whose container exited. */
    public void failWake(String why) {
        failWake(why, Instant.now());
    }

    /** Fails the wake with {@code why}, its {@code error} event stamped {@code at}. */
    public void failWake(String why, Instant at) {
        state = RouteState.ERROR;
        lastError = why;
        emit(WakeEvent.Type.ERROR, "Wake failed", why, at);
        wake.completeExceptionally(new WakeFailedException(why));
    }

    /**
     * Waits until the route's state has been read since the wake began. The admin server reads it to render
     * its answer to {@code POST .../wake}, after it has looked whether the wake is done: a script that waits
     * for this before it ends the wake has the request answered {@code 202}, as a real wake that takes a
     * moment would.
     */
    public void awaitWakeAnswered() {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (stateReads.get() <= readsAtWake) {
            // Deadline of a wait for the test's answer to the wake request, not a timer of the code.
            if (System.nanoTime() > deadline) throw new AssertionError("route " + route() + ": the wake request was not answered within 20 s");
            LockSupport.parkNanos(1_000_000L);
        }
    }

    /** Publishes a wake event stamped now. */
    public void emit(WakeEvent.Type type, String message, String error) {
        emit(type, message, error, Instant.now());
    }

    /** Publishes a wake event stamped {@code at}. */
    public void emit(WakeEvent.Type type, String message, String error, Instant at) {
        WakeEvent e = new WakeEvent(history.size() + 1, config.name(), type, message, error, at);
        history.add(e);
        listeners.forEach(l -> l.accept(e));
    }

    @Override
    public String route() {
        return config.name();
    }

    @Override
    public RouteConfig config() {
        return config;
    }

    @Override
    public URI target() {
        URI t = target;
        return t == null ? config.target() : t;
    }

    @Override
    public RouteState state() {
        stateReads.incrementAndGet();
        return state;
    }

    @Override
    public boolean isReady() {
        return state == RouteState.READY;
    }

    @Override
    public CompletableFuture<Void> wake(OpSource source) {
        wakes.incrementAndGet();
        wakeSources.add(source);
        if (state != RouteState.READY && state != RouteState.WAKING) {
            state = RouteState.WAKING;
            readsAtWake = stateReads.get();
            Consumer<FakeWatcher> script = onWake;
            if (script == null) emit(WakeEvent.Type.STARTING, "Waking " + route(), "");
            else Thread.ofVirtual().name("fake-wake-" + route()).start(() -> script.accept(this));
        }
        return wake.copy();
    }

    @Override
    public CompletableFuture<Void> sleep(OpSource source) {
        if (sleepFailure != null) return CompletableFuture.failedFuture(sleepFailure);
        state = RouteState.NAPPING;
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void requestStarted() {}

    @Override
    public void requestEnded() {}

    @Override
    public void touch() {}

    @Override
    public AutoCloseable subscribe(Consumer<WakeEvent> listener) {
        history.forEach(listener);
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public Optional<String> lastError() {
        return lastError.isEmpty() ? Optional.empty() : Optional.of(lastError);
    }
}
