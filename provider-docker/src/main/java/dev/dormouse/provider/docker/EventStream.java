package dev.dormouse.provider.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.EventsCmd;
import com.github.dockerjava.api.model.Event;
import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.spi.ProviderStatus;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One provider's engine event stream, shared by every subscriber and open while there is any: it
 * reconnects forever (first retry after 1 s, then every 3 s), replays what it missed with {@code since},
 * then delivers a {@link ContainerEvent.Action#RESYNC}. Each engine event is translated by the provider
 * (its kind decides what it follows) and fanned out to every subscriber in order. The connection state
 * goes to the provider's {@link ProviderStatus.Tracker}.
 */
final class EventStream implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.provider.docker.events");
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration RETRY = Duration.ofSeconds(3);

    /**
     * @param label the provider as messages name it, {@code docker local}
     * @param provider the provider's name, for {@link ContainerEvent#provider()}
     * @param host the engine's address, for messages
     * @param client the client without a response timeout
     * @param command the events request with this kind's filters
     * @param translate an engine event as this kind's event; empty for events it does not follow
     * @param tls the provider's TLS context, to read a refused handshake's alert ({@link Engines#failure})
     */
    record Deps(String label, String provider, String host, DockerClient client, Function<DockerClient, EventsCmd> command,
            Function<Event, Optional<ContainerEvent>> translate, ProviderStatus.Tracker status, Optional<javax.net.ssl.SSLContext> tls) {
        Deps {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(client, "client");
            Objects.requireNonNull(command, "command");
            Objects.requireNonNull(translate, "translate");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(tls, "tls");
        }
    }

    private final Deps deps;
    private final List<Consumer<ContainerEvent>> listeners = new CopyOnWriteArrayList<>();
    /** The running loop; guarded by {@code listeners}. */
    private Loop loop;

    EventStream(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
    }

    AutoCloseable subscribe(Consumer<ContainerEvent> listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (listeners) {
            listeners.add(listener);
            if (loop == null) {
                Loop l = new Loop();
                l.thread = Thread.ofVirtual().name("docker-events-" + deps.provider()).start(l::run);
                loop = l;
            }
        }
        return () -> {
            Loop last = null;
            synchronized (listeners) {
                if (listeners.remove(listener) && listeners.isEmpty()) {
                    last = loop;
                    loop = null;
                }
            }
            if (last != null) last.close();
        };
    }

    @Override
    public void close() {
        Loop l;
        synchronized (listeners) {
            l = loop;
            loop = null;
            listeners.clear();
        }
        if (l != null) l.close();
    }

    private final class Loop implements AutoCloseable {
        private volatile boolean closed;
        private volatile ResultCallback.Adapter<Event> current;
        private volatile long lastEventSeconds;
        private Thread thread;

        void run() {
            boolean reconnect = false;
            int failures = 0;
            while (!closed) {
                boolean resync = reconnect;
                ResultCallback.Adapter<Event> cb = new ResultCallback.Adapter<>() {
                    @Override
                    public void onStart(java.io.Closeable stream) {
                        super.onStart(stream);
                        deps.status().connected();
                        if (resync) {
                            LOG.log(Level.INFO, "{0}: event stream reconnected", deps.label());
                            deliver(new ContainerEvent(deps.provider(), "", "", ContainerEvent.Action.RESYNC, Instant.now(), Map.of()));
                        }
                    }

                    @Override
                    public void onNext(Event e) {
                        handle(e);
                    }
                };
                current = cb;
                try {
                    EventsCmd cmd = deps.command().apply(deps.client());
                    if (lastEventSeconds > 0) cmd = cmd.withSince(Long.toString(lastEventSeconds));
                    cmd.exec(cb);
                    cb.awaitCompletion();
                    failures = 0;
                    if (!closed) deps.status().failed(deps.label() + ": event stream ended (engine restarting?)");
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    failures++;
                    String why = Engines.failure(deps.label() + ": events: ", deps.host(), e, deps.tls()).getMessage();
                    deps.status().failed(why);
                    if (!closed) LOG.log(Level.WARNING, "{0}: event stream failed: {1}", deps.label(), why);
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
            deps.status().event(Instant.now());
            Optional<ContainerEvent> ev;
            try {
                ev = deps.translate().apply(e);
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, deps.label() + ": event " + e.getType() + " " + e.getAction() + " not understood", ex);
                return;
            }
            ev.ifPresent(this::deliver);
        }

        private void deliver(ContainerEvent ev) {
            if (closed) return;
            for (Consumer<ContainerEvent> listener : listeners) {
                try {
                    listener.accept(ev);
                } catch (RuntimeException ex) {
                    LOG.log(Level.WARNING, deps.label() + ": event listener failed on " + ev.action() + " of " + ev.containerName(), ex);
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
}
