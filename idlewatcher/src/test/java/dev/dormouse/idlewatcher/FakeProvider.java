package dev.dormouse.idlewatcher;

import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.spi.ContainerHealth;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** An in-memory provider: containers are map entries, every action is recorded, events can be injected. */
final class FakeProvider implements Provider {
    final Map<String, ContainerStatus> status = new ConcurrentHashMap<>();
    final Map<String, ContainerHealth> health = new ConcurrentHashMap<>();
    final List<String> actions = new CopyOnWriteArrayList<>();
    final List<Consumer<ContainerEvent>> listeners = new CopyOnWriteArrayList<>();
    volatile boolean failStart;
    /** Containers whose start fails, besides all of them while {@link #failStart} is set. */
    final java.util.Set<String> failStartOf = ConcurrentHashMap.newKeySet();
    /** Every inspection, by container: a backoff must not even look at the container. */
    final List<String> inspections = new CopyOnWriteArrayList<>();
    /** Addresses of running containers, for targets that name no host. */
    final Map<String, String> addresses = new ConcurrentHashMap<>();
    /** Last exit codes and OOM kills of containers, as an inspection reports them. */
    final Map<String, Integer> exitCodes = new ConcurrentHashMap<>();
    final java.util.Set<String> oomKilled = ConcurrentHashMap.newKeySet();
    /** Runs inside every stop, as the engine's work (and the events it sends meanwhile) would. */
    volatile Consumer<String> duringStop = c -> { };

    void add(String name, ContainerStatus s) {
        status.put(name, s);
    }

    long count(String action) {
        return actions.stream().filter(action::equals).count();
    }

    /** Changes a container as if done outside dormouse and tells subscribers. */
    void external(String name, ContainerStatus s, ContainerEvent.Action a) {
        if (s == ContainerStatus.MISSING) status.remove(name);
        else status.put(name, s);
        if (s == ContainerStatus.RUNNING) {
            exitCodes.remove(name);
            oomKilled.remove(name);
        }
        event(name, a);
    }

    /** The container exits outside dormouse with {@code code} (OOM-killed, if so), and subscribers hear its {@code die}. */
    void exits(String name, int code, boolean oom) {
        exitCodes.put(name, code);
        if (oom) oomKilled.add(name);
        status.put(name, ContainerStatus.STOPPED);
        event(name, ContainerEvent.Action.DIE);
    }

    void event(String name, ContainerEvent.Action a) {
        ContainerEvent ev = new ContainerEvent("local", "id-" + name, name, a, Instant.now(), Map.of());
        listeners.forEach(l -> l.accept(ev));
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public String kind() {
        return "docker";
    }

    @Override
    public ContainerState inspect(String c) {
        inspections.add(c);
        ContainerStatus s = status.get(c);
        if (s == null) return ContainerState.missing(c);
        return new ContainerState("id-" + c, c, s, health.getOrDefault(c, ContainerHealth.NONE), "img", 0, exitCodes.getOrDefault(c, 0),
                Optional.empty(), Optional.empty(), Map.of(), s == ContainerStatus.RUNNING ? addresses.getOrDefault(c, "") : "", oomKilled.contains(c));
    }

    private void act(String c, String action, ContainerStatus from, ContainerStatus to) {
        actions.add(action + " " + c);
        if (!status.containsKey(c)) throw new ProviderException(ProviderException.Reason.NOT_FOUND, "no such container " + c);
        status.put(c, to);
        if (to == ContainerStatus.RUNNING) {
            exitCodes.remove(c);
            oomKilled.remove(c);
        }
    }

    @Override
    public void start(String c) {
        if (failStart || failStartOf.contains(c)) {
            actions.add("start " + c);
            throw new ProviderException(ProviderException.Reason.FAILED, "docker local: start container '" + c + "': boom");
        }
        act(c, "start", ContainerStatus.STOPPED, ContainerStatus.RUNNING);
    }

    @Override
    public void stop(String c, String signal, Duration timeout) {
        act(c, "stop", ContainerStatus.RUNNING, ContainerStatus.STOPPED);
        duringStop.accept(c);
    }

    @Override
    public void kill(String c, String signal) {
        act(c, "kill", ContainerStatus.RUNNING, ContainerStatus.STOPPED);
    }

    @Override
    public void pause(String c) {
        act(c, "pause", ContainerStatus.RUNNING, ContainerStatus.PAUSED);
    }

    @Override
    public void unpause(String c) {
        act(c, "unpause", ContainerStatus.PAUSED, ContainerStatus.RUNNING);
    }

    @Override
    public void remove(String c) {
        act(c, "remove", ContainerStatus.STOPPED, ContainerStatus.MISSING);
        status.remove(c);
    }

    @Override
    public AutoCloseable subscribe(Consumer<ContainerEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public void close() {}
}
