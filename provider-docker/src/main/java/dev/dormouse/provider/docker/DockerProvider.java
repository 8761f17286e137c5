package dev.dormouse.provider.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.EventsCmd;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderCheck;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.core.spi.ProviderException.Reason;
import java.io.IOException;
import java.lang.System.Logger.Level;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Docker engine reached over its Unix socket or TCP. Containers are named by name or id. */
final class DockerProvider implements Provider {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.provider.docker");
    private static final Pattern DOCKER_MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final String[] FOLLOWED = {"create", "start", "restart", "stop", "die", "kill", "oom", "pause", "unpause",
        "destroy", "rename", "health_status"};
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration RETRY = Duration.ofSeconds(3);
    /** The action client's bound on one engine request; stops may legitimately take their stop_timeout. */
    static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(10);

    private final DockerProviderConfig config;
    private final DockerClient ops;
    private final DockerClient events;
    private final dev.dormouse.core.spi.ProviderStatus.Tracker status = new dev.dormouse.core.spi.ProviderStatus.Tracker();

    DockerProvider(DockerProviderConfig config) {
        this.config = config;
        DockerClientConfig cc = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(config.host())
                .withDockerTlsVerify(false).build();
        // Stops may legitimately take stop_timeout; the event stream must never time out.
        this.ops = DockerClientImpl.getInstance(cc, new ZerodepDockerHttpClient.Builder().dockerHost(cc.getDockerHost())
                .maxConnections(64).connectionTimeout(Duration.ofSeconds(5)).responseTimeout(REQUEST_TIMEOUT).build());
        this.events = DockerClientImpl.getInstance(cc, new ZerodepDockerHttpClient.Builder().dockerHost(cc.getDockerHost())
                .maxConnections(4).connectionTimeout(Duration.ofSeconds(5)).build());
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
        if (e instanceof DockerException d) {
            int status = d.getHttpStatus();
            Reason reason = switch (status) {
                case 404 -> Reason.NOT_FOUND;
                case 409 -> Reason.CONFLICT;
                case 401, 403 -> Reason.UNAUTHORIZED;
                default -> Reason.FAILED;
            };
            String text = switch (status) {
                case 404 -> "404 not found";
                case 409 -> "409 conflict";
                case 500 -> "500 server error";
                default -> String.valueOf(status);
            };
            return new ProviderException(reason, prefix(action, container) + text + ": " + dockerMessage(d.getMessage()), e);
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        boolean io = root instanceof IOException;
        return new ProviderException(io ? Reason.UNAVAILABLE : Reason.FAILED, prefix(action, container)
                + (io ? "engine unreachable at " + config.host() + ": " : "") + root.getClass().getSimpleName()
                + (root.getMessage() == null ? "" : ": " + root.getMessage()), e);
    }

    /** Docker's errors arrive as {@code Status 409: {"message":"..."}}; keep just the message. */
    static String dockerMessage(String raw) {
        if (raw == null) return "";
        Matcher m = DOCKER_MESSAGE.matcher(raw);
        return (m.find() ? m.group(1).replace("\\\"", "\"") : raw).strip();
    }

    // ---------------------------------------------------------------- events

    @Override
    public dev.dormouse.core.spi.ProviderStatus status() {
        return status.get();
    }

    @Override
    public AutoCloseable subscribe(Consumer<ContainerEvent> listener) {
        java.util.Objects.requireNonNull(listener, "listener");
        synchronized (listeners) {
            listeners.add(listener);
            if (stream == null) {
                EventStream s = new EventStream();
                s.thread = Thread.ofVirtual().name("docker-events-" + config.name()).start(s::loop);
                stream = s;
            }
        }
        return () -> {
            EventStream last = null;
            synchronized (listeners) {
                if (listeners.remove(listener) && listeners.isEmpty()) {
                    last = stream;
                    stream = null;
                }
            }
            if (last != null) last.close();
        };
    }

    /** Every subscriber of this provider; they share one event stream, open while there is any. */
    private final List<Consumer<ContainerEvent>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The shared stream; guarded by {@code listeners}. */
    private EventStream stream;

    /**
     * The provider's one event stream, fanned out to every subscriber in order: reconnects forever,
     * replays what it missed with {@code since}, then asks for a resync.
     */
    private final class EventStream implements AutoCloseable {
        private volatile boolean closed;
        private volatile ResultCallback.Adapter<Event> current;
        private volatile long lastEventSeconds;
        private Thread thread;

        void loop() {
            boolean reconnect = false;
            int failures = 0;
            while (!closed) {
                boolean resync = reconnect;
                ResultCallback.Adapter<Event> cb = new ResultCallback.Adapter<>() {
                    @Override
                    public void onStart(java.io.Closeable stream) {
                        super.onStart(stream);
                        status.connected();
                        if (resync) {
                            LOG.log(Level.INFO, "docker {0}: event stream reconnected", config.name());
                            deliver(new ContainerEvent(config.name(), "", "", ContainerEvent.Action.RESYNC, Instant.now(), Map.of()));
                        }
                    }

                    @Override
                    public void onNext(Event e) {
                        handle(e);
                    }
                };
                current = cb;
                try {
                    EventsCmd cmd = events.eventsCmd().withEventTypeFilter(EventType.CONTAINER).withEventFilter(FOLLOWED);
                    if (lastEventSeconds > 0) cmd = cmd.withSince(Long.toString(lastEventSeconds));
                    cmd.exec(cb);
                    cb.awaitCompletion();
                    failures = 0;
                    if (!closed) status.failed("docker " + config.name() + ": event stream ended (engine restarting?)");
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    failures++;
                    String why = failure("events", "*", e).getMessage();
                    status.failed(why);
                    if (!closed) LOG.log(Level.WARNING, "docker {0}: event stream failed: {1}", config.name(), why);
                } finally {
                    closeQuietly(cb);
                }
                if (closed) return;
                reconnect = true;
                if (lastEventSeconds == 0) lastEventSeconds = Instant.now().getEpochSecond();
                try {
                    Thread.sleep(failures <= 1 ? FIRST_RETRY : RETRY);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void handle(Event e) {
            if (e.getTime() != null) lastEventSeconds = e.getTime();
            status.event(Instant.now());
            ContainerEvent.Action action = DockerStates.action(e.getAction() == null && e.getStatus() != null ? e.getStatus() : e.getAction());
            if (action == null) return;
            Map<String, String> attrs = new HashMap<>();
            if (e.getActor() != null && e.getActor().getAttributes() != null) attrs.putAll(e.getActor().getAttributes());
            if (action == ContainerEvent.Action.HEALTH_STATUS && e.getAction() != null && e.getAction().contains(":")) {
                attrs.put("health", e.getAction().substring(e.getAction().indexOf(':') + 1).strip());
            }
            String id = e.getId() != null ? e.getId() : e.getActor() == null ? "" : e.getActor().getId();
            String name = attrs.getOrDefault("name", "");
            Instant at = e.getTimeNano() != null ? Instant.ofEpochSecond(0, e.getTimeNano())
                    : Instant.ofEpochSecond(e.getTime() == null ? Instant.now().getEpochSecond() : e.getTime());
            deliver(new ContainerEvent(config.name(), id == null ? "" : id, name, action, at, attrs));
        }

        private void deliver(ContainerEvent ev) {
            if (closed) return;
            for (Consumer<ContainerEvent> listener : listeners) {
                try {
                    listener.accept(ev);
                } catch (RuntimeException ex) {
                    LOG.log(Level.WARNING, "docker " + config.name() + ": event listener failed on " + ev.action() + " of " + ev.containerName(), ex);
                }
            }
        }

        @Override
        public void close() {
            closed = true;
            ResultCallback.Adapter<Event> cb = current;
            if (cb != null) closeQuietly(cb);
            if (thread != null) {
                thread.interrupt();
                try {
                    thread.join(Duration.ofSeconds(2));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            // closing a broken stream
        }
    }

    @Override
    public void close() {
        EventStream s;
        synchronized (listeners) {
            s = stream;
            stream = null;
            listeners.clear();
        }
        if (s != null) s.close();
        try {
            ops.close();
            events.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "docker {0}: close client: {1}", config.name(), e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "docker " + config.name() + " (" + config.host() + ")";
    }
}
