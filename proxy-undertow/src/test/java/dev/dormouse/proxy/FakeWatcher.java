package dev.dormouse.proxy;

import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.idlewatcher.WakeEvent;
import dev.dormouse.idlewatcher.WakeFailedException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** An idle watcher whose wake the test completes by hand. */
final class FakeWatcher implements IdleWatcher {
    final RouteConfig config;
    volatile RouteState state = RouteState.NAPPING;
    volatile CompletableFuture<Void> wake = new CompletableFuture<>();
    final AtomicInteger wakes = new AtomicInteger();
    final AtomicInteger started = new AtomicInteger();
    final AtomicInteger ended = new AtomicInteger();
    final List<Consumer<WakeEvent>> listeners = new CopyOnWriteArrayList<>();
    final List<WakeEvent> history = new CopyOnWriteArrayList<>();

    FakeWatcher(RouteConfig config) {
        this.config = config;
    }

    void finishWake() {
        state = RouteState.READY;
        emit(WakeEvent.Type.READY, "ready", "");
        wake.complete(null);
    }

    void failWake(String why) {
        state = RouteState.ERROR;
        emit(WakeEvent.Type.ERROR, "Wake failed", why);
        wake.completeExceptionally(new WakeFailedException(why));
    }

    void emit(WakeEvent.Type type, String message, String error) {
        WakeEvent e = new WakeEvent(history.size() + 1, config.name(), type, message, error, Instant.now());
        history.add(e);
        listeners.forEach(l -> l.accept(e));
    }

    int open() {
        return started.get() - ended.get();
    }

    @Override
    public String route() {
        return config.name();
    }

    @Override
    public RouteConfig config() {
        return config;
    }

    /** What {@link #target()} answers; the configured target unless a test moves it. */
    volatile java.net.URI target;

    @Override
    public java.net.URI target() {
        java.net.URI t = target;
        return t == null ? config.target() : t;
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
    public CompletableFuture<Void> wake(OpSource source) {
        wakes.incrementAndGet();
        if (state != RouteState.READY && state != RouteState.WAKING) {
            state = RouteState.WAKING;
            emit(WakeEvent.Type.STARTING, "Waking " + route(), "");
        }
        return wake.copy();
    }

    /** When set, {@link #sleep} fails with it, as a provider error would. */
    volatile RuntimeException sleepFailure;

    @Override
    public CompletableFuture<Void> sleep(OpSource source) {
        if (sleepFailure != null) return CompletableFuture.failedFuture(sleepFailure);
        state = RouteState.NAPPING;
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void requestStarted() {
        started.incrementAndGet();
    }

    @Override
    public void requestEnded() {
        ended.incrementAndGet();
    }

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
        return Optional.empty();
    }
}
