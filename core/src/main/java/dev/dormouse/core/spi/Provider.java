package dev.dormouse.core.spi;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * One configured container backend. Calls block; callers use virtual threads. Containers are named by
 * the id part of their {@link dev.dormouse.core.ContainerRef} (Docker: name or id).
 * Every failure is a {@link ProviderException} naming the provider, the container and the backend's message.
 */
public interface Provider extends AutoCloseable {
    /** The configured name. */
    String name();

    /** The provider kind ({@link ProviderFactory#kind()}), e.g. {@code docker}. */
    String kind();

    /**
     * Every container of this provider, stopped ones included, with their labels, for route discovery.
     * Providers whose guests carry no route declarations return none.
     */
    default java.util.List<ContainerState> list() {
        return java.util.List.of();
    }

    /** Current state; {@link ContainerStatus#MISSING} when the container does not exist. */
    ContainerState inspect(String container);

    /**
     * Where the running container is reached, for route targets that name no host; empty while it has no
     * address (not running, no network, or a VM whose guest agent does not answer yet).
     */
    default java.util.Optional<String> address(String container) {
        ContainerState s = inspect(container);
        return s.status() == ContainerStatus.RUNNING && !s.address().isEmpty() ? java.util.Optional.of(s.address()) : java.util.Optional.empty();
    }

    /**
     * Where the running container's {@code port} ({@code transport} {@code tcp} or {@code udp}; for an
     * HTTP target, tcp) is reached from dormouse, for route targets that name no host: by default its
     * {@link #address(String)} at that port. A provider whose containers are reached elsewhere (a remote
     * Docker engine: the port published on the engine's host) says so here. Empty while it has no address.
     *
     * @throws ProviderException when the container cannot be reached from dormouse at all, saying why
     *     (a remote container that publishes no such port, for instance)
     */
    default java.util.Optional<java.net.InetSocketAddress> address(String container, String transport, int port) {
        return address(container).map(h -> java.net.InetSocketAddress.createUnresolved(h, port));
    }

    void start(String container);

    /** Stops gracefully with {@code signal}, killing after {@code timeout}. */
    void stop(String container, String signal, Duration timeout);

    void kill(String container, String signal);

    void pause(String container);

    void unpause(String container);

    /** Removes a stopped container. */
    void remove(String container);

    /**
     * Whether this provider puts its containers to sleep by scaling them to zero replicas and wakes them
     * by scaling back (Swarm services) instead of stopping and starting them: the runtime manager then
     * calls {@link #scale} for a sleep and a wake, remembers the count a sleep found, and records
     * {@code scale_down} and {@code scale_up}. Default false.
     */
    default boolean scales() {
        return false;
    }

    /**
     * Sets the replica count of a provider that {@link #scales()}: 0 to sleep, the remembered count to
     * wake. Returns once the engine has taken the new count; a scale to 0 returns once no replica runs,
     * bounded by {@code timeout} (the route's stop timeout) plus the provider's own margin.
     *
     * @return the replica count the container wanted before
     * @throws ProviderException as the other actions, or {@code FAILED} from providers that do not scale
     */
    default int scale(String container, int replicas, Duration timeout) {
        throw new ProviderException(ProviderException.Reason.FAILED, kind() + " " + name() + ": scale '" + container + "': this provider does not scale");
    }

    /** The calls whose duration {@link #actionBound} states. */
    enum Action {
        INSPECT, START, STOP, KILL, PAUSE, UNPAUSE, REMOVE
    }

    /**
     * The longest one call of {@code action} may take before this provider gives up on it (its own request
     * and task timeouts), so that whoever acts can hold the runtime for exactly as long: the runtime
     * manager's lease of an action lasts this plus a margin, and no second actor acts while the call may
     * still be changing the container. {@code stopTimeout} is the route's grace before a stop becomes a
     * kill. The default, for providers with no timeouts of their own (test fakes), is 30 s, plus the grace
     * for a stop.
     */
    default Duration actionBound(Action action, Duration stopTimeout) {
        Duration base = Duration.ofSeconds(30);
        return action == Action.STOP ? base.plus(stopTimeout) : base;
    }

    /**
     * Delivers every container event of this provider to {@code listener} until the returned handle is
     * closed, reconnecting after failures; a {@link ContainerEvent.Action#RESYNC} event follows each
     * reconnect. The listener must not block.
     */
    AutoCloseable subscribe(Consumer<ContainerEvent> listener);

    /**
     * The connection to the backend as last seen: not connected until the first event stream or poll
     * succeeds. Providers with no connection of their own (test fakes) are always connected.
     */
    default ProviderStatus status() {
        return new ProviderStatus(true, java.util.Optional.empty(), java.util.Optional.empty());
    }

    /**
     * Asks the backend, changing nothing, whether it answers and accepts this provider's credentials (for
     * {@code dormouse doctor}). Empty when this provider has no such check (test fakes).
     *
     * @throws ProviderException {@code UNAVAILABLE} when the backend does not answer, {@code UNAUTHORIZED}
     *     when it refuses the credentials
     */
    default java.util.Optional<ProviderCheck> check() {
        return java.util.Optional.empty();
    }

    @Override
    void close();
}
