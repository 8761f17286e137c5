package dev.dormouse.rtmanager;

import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.spi.ContainerHealth;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An in-memory provider: containers by name with an id, status, health, restart count, exit code and
 * image. Every call is recorded ({@code "start app"}); a failure can be injected for the next call of a
 * kind; {@link #during} runs inside every action, as the backend's work would; with a state file, the
 * containers are written to it (atomically) after every change, for another process to read.
 */
final class FakeProvider implements Provider {
    static final class Box {
        volatile String id;
        volatile ContainerStatus status;
        volatile ContainerHealth health = ContainerHealth.NONE;
        volatile int restartCount;
        volatile int exitCode;
        volatile String image = "img:1";

        Box(String id, ContainerStatus status) {
            this.id = id;
            this.status = status;
        }
    }

    private final String name;
    final Map<String, Box> containers = new ConcurrentHashMap<>();
    final List<String> calls = new CopyOnWriteArrayList<>();
    private final Map<String, RuntimeException> failNext = new ConcurrentHashMap<>();
    volatile Runnable during = () -> { };
    /** Bounds this provider declares per action; the SPI's default for the others. */
    final Map<Action, Duration> bounds = new ConcurrentHashMap<>();
    volatile Optional<Path> stateFile = Optional.empty();

    FakeProvider() {
        this("local");
    }

    FakeProvider(String name) {
        this.name = name;
    }

    FakeProvider with(String container, ContainerStatus s) {
        return with(container, s, "id-" + container);
    }

    FakeProvider with(String container, ContainerStatus s, String id) {
        containers.put(container, new Box(id, s));
        saveState();
        return this;
    }

    Box box(String container) {
        return containers.get(container);
    }

    /** The next call named {@code call} ({@code "start"}, {@code "inspect"}, ...) throws {@code e}. */
    void failNext(String call, RuntimeException e) {
        failNext.put(call, e);
    }

    long count(String call) {
        return calls.stream().filter(call::equals).count();
    }

    private Box find(String c) {
        Box b = containers.get(c);
        if (b != null) return b;
        for (Box x : containers.values()) {
            if (x.id.equals(c)) return x;
        }
        return null;
    }

    private void maybeFail(String call) {
        RuntimeException f = failNext.remove(call);
        if (f != null) throw f;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return "docker";
    }

    @Override
    public ContainerState inspect(String c) {
        calls.add("inspect " + c);
        maybeFail("inspect");
        Box b = find(c);
        if (b == null) return ContainerState.missing(c);
        return new ContainerState(b.id, c, b.status, b.health, b.image, b.restartCount, b.exitCode, Optional.empty(), Optional.empty(), Map.of(), "");
    }

    private void act(String call, String c, ContainerStatus to) {
        calls.add(call + " " + c);
        during.run();
        maybeFail(call);
        Box b = find(c);
        if (b == null) {
            throw new ProviderException(ProviderException.Reason.NOT_FOUND, "docker " + name + ": " + call + " container '" + c + "': no such container");
        }
        if (to == ContainerStatus.MISSING) containers.values().remove(b);
        else b.status = to;
        saveState();
    }

    /** Writes {@code name status id} lines, replacing the file in one rename. */
    void saveState() {
        Optional<Path> f = stateFile;
        if (f.isEmpty()) return;
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(containers).forEach((n, b) -> sb.append(n).append(' ').append(b.status).append(' ').append(b.id).append('\n'));
        try {
            Path tmp = f.get().resolveSibling(f.get().getFileName() + ".tmp");
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            Files.move(tmp, f.get(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a state file written by {@link #saveState()} into a new provider. */
    static FakeProvider load(Path file) throws IOException {
        FakeProvider p = new FakeProvider();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split(" ");
            p.containers.put(f[0], new Box(f[2], ContainerStatus.valueOf(f[1])));
        }
        return p;
    }

    @Override
    public Duration actionBound(Action action, Duration stopTimeout) {
        Duration d = bounds.get(action);
        return d != null ? d : Provider.super.actionBound(action, stopTimeout);
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
