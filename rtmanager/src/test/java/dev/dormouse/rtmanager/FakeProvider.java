package dev.dormouse.rtmanager;

import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.spi.ContainerHealth;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Containers as map entries; every provider call is recorded; failures can be injected. */
final class FakeProvider implements Provider {
    final Map<String, ContainerStatus> status = new ConcurrentHashMap<>();
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile ProviderException failNext;
    /** Runs inside every action, as the backend's work would. */
    volatile Runnable during = () -> { };

    FakeProvider with(String name, ContainerStatus s) {
        status.put(name, s);
        return this;
    }

    long count(String call) {
        return calls.stream().filter(call::equals).count();
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
        calls.add("inspect " + c);
        ContainerStatus s = status.get(c);
        if (s == null) return ContainerState.missing(c);
        return new ContainerState("id-" + c, c, s, ContainerHealth.NONE, "img", 0, 0, Optional.empty(), Map.of(), "");
    }

    private void act(String call, String c, ContainerStatus to) {
        calls.add(call + " " + c);
        during.run();
        ProviderException f = failNext;
        if (f != null) {
            failNext = null;
            throw f;
        }
        if (!status.containsKey(c)) throw new ProviderException(ProviderException.Reason.NOT_FOUND, "docker local: " + call + " container '" + c + "': no such container");
        if (to == ContainerStatus.MISSING) status.remove(c);
        else status.put(c, to);
    }

    @Override
    public void start(String c) {
        act("start", c, ContainerStatus.RUNNING);
    }

    @Override
    public void stop(String c, String signal, Duration timeout) {
        act("stop", c, ContainerStatus.STOPPED);
    }

    @Override
    public void kill(String c, String signal) {
        act("kill", c, ContainerStatus.STOPPED);
    }

    @Override
    public void pause(String c) {
        act("pause", c, ContainerStatus.PAUSED);
    }

    @Override
    public void unpause(String c) {
        act("unpause", c, ContainerStatus.RUNNING);
    }

    @Override
    public void remove(String c) {
        act("remove", c, ContainerStatus.MISSING);
    }

    @Override
    public AutoCloseable subscribe(Consumer<ContainerEvent> listener) {
        return () -> { };
    }

    @Override
    public void close() {}
}
