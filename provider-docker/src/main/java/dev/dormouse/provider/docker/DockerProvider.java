package dev.dormouse.provider.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.api.model.Info;
import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderCheck;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.core.spi.ProviderException.Reason;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** A Docker (or Podman) engine reached over its Unix socket or TCP, with TLS. Containers are named by name or id. */
final class DockerProvider implements Provider {
    /** The action client's bound on one engine request; stops may legitimately take their stop_timeout. */
    static final Duration REQUEST_TIMEOUT = Engines.REQUEST_TIMEOUT;

    private final DockerProviderConfig config;
    private final Engines.Clients clients;
    private final DockerClient ops;
    private final dev.dormouse.core.spi.ProviderStatus.Tracker status = new dev.dormouse.core.spi.ProviderStatus.Tracker();
    private final EventStream events;
    /** Where this engine's published ports and host-network containers are: the tcp:// host, or 127.0.0.1. */
    private final String engineHost;

    /** @throws ProviderException when the TLS files cannot be used */
    DockerProvider(DockerProviderConfig config) {
        this.config = config;
        this.clients = Engines.clients("docker " + config.name(), config.host(), config.tls());
        this.ops = clients.ops();
        this.engineHost = Engines.engineHost(config.host());
        this.events = new EventStream(new EventStream.Deps("docker " + config.name(), config.name(), config.host(), clients.events(),
                // Container events of every action, filtered here (DockerStates.action): Podman answers an event filter that
                // names an action it does not know (health_status) with an empty stream.
                c -> c.eventsCmd().withEventTypeFilter(EventType.CONTAINER), this::translate, status, clients.tls()));
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public String kind() {
        return DockerProviderFactory.KIND;
    }

    @Override
    public ContainerState inspect(String container) {
        try {
            return DockerStates.state(ops.inspectContainerCmd(container).exec());
        } catch (NotFoundException e) {
            return ContainerState.missing(container);
        } catch (RuntimeException e) {
            throw failure("inspect", container, e);
        }
    }

    @Override
    public List<ContainerState> list() {
        try {
            List<ContainerState> all = new ArrayList<>();
            for (Container c : ops.listContainersCmd().withShowAll(true).exec()) all.add(DockerStates.state(c));
            return all;
        } catch (RuntimeException e) {
            throw failure("list", "*", e);
        }
    }

    /**
     * A {@code unix://} engine's containers are reached at their own address (127.0.0.1 with host
     * networking, else their IP on their first network); a {@code tcp://} engine's at its host: on the
     * container's port with host networking, else on the host port that {@code port} is published on.
     */
    @Override
    public Optional<InetSocketAddress> address(String container, String transport, int port) {
        InspectContainerResponse r;
        try {
            r = ops.inspectContainerCmd(container).exec();
        } catch (NotFoundException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            throw failure("inspect", container, e);
        }
        DockerStates.Reach reach = DockerStates.reach(r, engineHost, Engines.remote(config.host()), transport, port);
        if (reach.problem().isPresent()) {
            throw new ProviderException(Reason.NOT_FOUND, prefix("reach", container) + reach.problem().get());
        }
        return reach.at();
    }

    @Override
    public void start(String container) {
        run("start", container, () -> ops.startContainerCmd(container).exec());
    }

    @Override
    public void stop(String container, String signal, Duration timeout) {
        int seconds = (int) Math.max(0, Math.min(Integer.MAX_VALUE, timeout.toSeconds()));
        if (signal.isEmpty() || signal.equals("SIGTERM") || signal.equals("TERM") || signal.equals("15")) {
            run("stop", container, () -> ops.stopContainerCmd(container).withTimeout(seconds).exec());
            return;
        }
        // The stop endpoint takes a signal only from API 1.42; send it ourselves, then kill after the grace time.
        run("stop", container, () -> ops.killContainerCmd(container).withSignal(signal).exec());
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 10;
        while (System.nanoTime() < deadline) {
            if (inspect(container).status() != ContainerStatus.RUNNING) return;
            try {
                TimeUnit.MILLISECONDS.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProviderException(Reason.FAILED, prefix("stop", container) + "interrupted");
            }
            pause = Math.min(250, pause * 2);
        }
        kill(container, "SIGKILL");
    }

    @Override
    public void kill(String container, String signal) {
        run("kill", container, () -> ops.killContainerCmd(container).withSignal(signal).exec());
    }

    @Override
    public void pause(String container) {
        run("pause", container, () -> ops.pauseContainerCmd(container).exec());
    }

    @Override
    public void unpause(String container) {
        if (inspect(container).status() == ContainerStatus.RUNNING) return;
        run("unpause", container, () -> ops.unpauseContainerCmd(container).exec());
    }

    @Override
    public void remove(String container) {
        run("remove", container, () -> ops.removeContainerCmd(container).exec());
    }

    /**
     * Every action is one engine request (an unpause looks first, a stop with another signal waits out the
     * grace between its signal and its kill), and the client gives up on a request after
     * {@link #REQUEST_TIMEOUT}: the engine answers far sooner unless it hangs, but until then the action may
     * still land.
     */
    @Override
    public Duration actionBound(Action action, Duration stopTimeout) {
        return switch (action) {
            case STOP -> REQUEST_TIMEOUT.multipliedBy(2).plus(stopTimeout);
            case UNPAUSE -> REQUEST_TIMEOUT.multipliedBy(2);
            default -> REQUEST_TIMEOUT;
        };
    }

    private void run(String action, String container, Supplier<?> call) {
        try {
            call.get();
        } catch (NotModifiedException e) {
            // already in the wanted state: starting a running container, stopping a stopped one
        } catch (RuntimeException e) {
            if (action.equals("kill") && e instanceof DockerException d && d.getHttpStatus() == 409
                    && inspect(container).status() == ContainerStatus.STOPPED) {
                return; // killing a stopped container: already asleep
            }
            throw failure(action, container, e);
        }
    }

    private String prefix(String action, String container) {
        return "docker " + config.name() + ": " + action + (container.isEmpty() ? "" : " container '" + container + "'") + ": ";
    }

    /** {@code /_ping}, then {@code /info} for the engine's version and clock. */
    @Override
    public Optional<ProviderCheck> check() {
        try {
            ops.pingCmd().exec();
            Info info = ops.infoCmd().exec();
            Optional<Instant> time = Optional.empty();
            if (info.getSystemTime() != null) {
                try {
                    time = Optional.of(OffsetDateTime.parse(info.getSystemTime()).toInstant());
                } catch (DateTimeParseException e) {
                    // an engine that writes its clock otherwise is checked without it
                }
            }
            return Optional.of(new ProviderCheck("Docker " + info.getServerVersion(), time));
        } catch (RuntimeException e) {
            throw failure("ping engine", "", e);
        }
    }

    ProviderException failure(String action, String container, RuntimeException e) {
        return Engines.failure(prefix(action, container), config.host(), e, clients.tls());
    }

    /** Docker's errors arrive as {@code Status 409: {"message":"..."}}; keep just the message. */
    static String dockerMessage(String raw) {
        return Engines.dockerMessage(raw);
    }

    // ---------------------------------------------------------------- events

    @Override
    public dev.dormouse.core.spi.ProviderStatus status() {
        return status.get();
    }

    @Override
    public AutoCloseable subscribe(Consumer<ContainerEvent> listener) {
        return events.subscribe(listener);
    }

    /** A container event as the SPI's; actions this provider does not follow are dropped. */
    private Optional<ContainerEvent> translate(Event e) {
        ContainerEvent.Action action = DockerStates.action(e.getAction() == null && e.getStatus() != null ? e.getStatus() : e.getAction());
        if (action == null) return Optional.empty();
        Map<String, String> attrs = new HashMap<>();
        if (e.getActor() != null && e.getActor().getAttributes() != null) attrs.putAll(e.getActor().getAttributes());
        if (action == ContainerEvent.Action.HEALTH_STATUS && e.getAction() != null && e.getAction().contains(":")) {
            attrs.put("health", e.getAction().substring(e.getAction().indexOf(':') + 1).strip());
        }
        String id = e.getId() != null ? e.getId() : e.getActor() == null ? "" : e.getActor().getId();
        String name = attrs.getOrDefault("name", "");
        Instant at = e.getTimeNano() != null ? Instant.ofEpochSecond(0, e.getTimeNano())
                : Instant.ofEpochSecond(e.getTime() == null ? Instant.now().getEpochSecond() : e.getTime());
        return Optional.of(new ContainerEvent(config.name(), id == null ? "" : id, name, action, at, attrs));
    }

    @Override
    public void close() {
        events.close();
        clients.close();
    }

    @Override
    public String toString() {
        return "docker " + config.name() + " (" + config.host() + ")";
    }
}
