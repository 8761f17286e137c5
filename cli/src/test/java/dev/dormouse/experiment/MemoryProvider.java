package dev.dormouse.experiment;

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

/** Containers that are only states in a map; a running one is reached at 127.0.0.1. Every action emits its event. */
final class MemoryProvider implements Provider {
    private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");

    private final MemoryConfig config;
    private final Map<String, Map<String, String>> labels;
    private final Map<String, ContainerStatus> status = new ConcurrentHashMap<>();
    private final List<Consumer<ContainerEvent>> listeners = new CopyOnWriteArrayList<>();

    MemoryProvider(MemoryConfig config, Map<String, Map<String, String>> inventory) {
        this.config = config;
        this.labels = Map.copyOf(inventory);
        inventory.keySet().forEach(n -> status.put(n, ContainerStatus.STOPPED));
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public String kind() {
        return MemoryProviderFactory.KIND;
    }

    @Override
    public List<ContainerState> list() {
        return status.keySet().stream().sorted().map(this::inspect).toList();
    }

    @Override
    public ContainerState inspect(String container) {
        ContainerStatus s = status.get(container);
        if (s == null) return ContainerState.missing(container);
        return new ContainerState("mem-" + container, container, s, ContainerHealth.NONE, "memory", 0, 0, Optional.empty(), Optional.of(CREATED),
                labels.get(container), s == ContainerStatus.RUNNING ? "127.0.0.1" : "");
    }

    private void set(String container, ContainerStatus to, ContainerEvent.Action action) {
        if (status.replace(container, to) == null) {
            throw new ProviderException(ProviderException.Reason.NOT_FOUND, "memory " + config.name() + ": no container '" + container + "'");
        }
        ContainerEvent e = new ContainerEvent(config.name(), "mem-" + container, container, action, Instant.now(), Map.of());
        listeners.forEach(l -> l.accept(e));
    }

    @Override
    public void start(String container) {
        try {
            // The fake provider's own artificial start latency, not a timer of the code under test.
            Thread.sleep(config.startDelay());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(ProviderException.Reason.FAILED, "memory " + config.name() + ": start '" + container + "': interrupted");
        }
        set(container, ContainerStatus.RUNNING, ContainerEvent.Action.START);
    }

    @Override
    public void stop(String container, String signal, Duration timeout) {
        set(container, ContainerStatus.STOPPED, ContainerEvent.Action.DIE);
    }

    @Override
    public void kill(String container, String signal) {
        set(container, ContainerStatus.STOPPED, ContainerEvent.Action.KILL);
    }

    @Override
    public void pause(String container) {
        set(container, ContainerStatus.PAUSED, ContainerEvent.Action.PAUSE);
    }

    @Override
    public void unpause(String container) {
        set(container, ContainerStatus.RUNNING, ContainerEvent.Action.UNPAUSE);
    }

    @Override
    public void remove(String container) {
        if (status.remove(container) == null) {
            throw new ProviderException(ProviderException.Reason.NOT_FOUND, "memory " + config.name() + ": no container '" + container + "'");
        }
    }

    @Override
    public AutoCloseable subscribe(Consumer<ContainerEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public void close() {
        listeners.clear();
    }
}
