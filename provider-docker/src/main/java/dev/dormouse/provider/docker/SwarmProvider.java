package dev.dormouse.provider.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.transport.DockerHttpClient;
import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderCheck;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.core.spi.ProviderException.Reason;
import dev.dormouse.core.spi.ProviderStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The services of a Swarm manager, each one a "container" that sleeps by scaling to 0 replicas and wakes
 * by scaling back ({@link #scales()}). Services are named by name or id. Their JSON is read and written
 * whole (the Engine API's own shapes, through docker-java's transport): a scale sends back the spec the
 * engine gave, with only its replica count changed, so no setting of the service is lost on the way.
 */
final class SwarmProvider implements Provider {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.provider.swarm");
    /** The API version every request names: the newest that Docker 20.10 speaks, which later engines still accept. */
    private static final String API = "/v1.41";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] FOLLOWED = {"create", "update", "remove", "start", "die", "health_status"};
    /** A scale to 0 waits for its tasks this much longer than their stop grace. */
    private static final Duration STOP_MARGIN = Duration.ofSeconds(10);
    /** How long a service's tasks get to stop when its spec says nothing (Swarm's default stop grace). */
    private static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);

    private final SwarmProviderConfig config;
    private final Engines.Clients clients;
    private final DockerHttpClient http;
    private final ProviderStatus.Tracker status = new ProviderStatus.Tracker();
    private final EventStream events;
    private final String engineHost;
    /** Names of networks by id, which never change; for telling host networking apart. */
    private final Map<String, String> networkNames = new ConcurrentHashMap<>();
    private volatile String selfNode = "";

    SwarmProvider(SwarmProviderConfig config) {
        this.config = config;
        this.clients = Engines.clients(label(), config.host(), config.tls());
        this.http = clients.http();
        this.engineHost = Engines.engineHost(config.host());
        this.events = new EventStream(new EventStream.Deps(label(), config.name(), config.host(), clients.events(),
                c -> c.eventsCmd().withEventTypeFilter(EventType.SERVICE, EventType.CONTAINER).withEventFilter(FOLLOWED), this::translate, status, clients.tls()));
    }

    private String label() {
        return "swarm " + config.name();
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public String kind() {
        return SwarmProviderFactory.KIND;
    }

    // ---------------------------------------------------------------- the Engine API, raw

    private record Answer(int status, JsonNode body) {}

    private Answer call(String method, String path, Optional<JsonNode> body, String action, String service) {
        DockerHttpClient.Request.Builder b = DockerHttpClient.Request.builder().method(method).path(API + path);
        try {
            if (body.isPresent()) b.bodyBytes(JSON.writeValueAsBytes(body.get())).putHeader("Content-Type", "application/json");
            try (DockerHttpClient.Response r = http.execute(b.build()); InputStream in = r.getBody()) {
                byte[] raw = in.readNBytes(16 << 20);
                JsonNode node = raw.length == 0 ? JSON.nullNode() : JSON.readTree(raw);
                return new Answer(r.getStatusCode(), node);
            }
        } catch (IOException e) {
            throw Engines.failure(prefix(action, service), config.host(), new UncheckedIOException(e), clients.tls());
        } catch (RuntimeException e) {
            throw Engines.failure(prefix(action, service), config.host(), e, clients.tls());
        }
    }

    /** A request that must succeed; an engine error becomes a provider failure with the engine's message. */
    private JsonNode ok(String method, String path, Optional<JsonNode> body, String action, String service) {
        Answer a = call(method, path, body, action, service);
        if (a.status() / 100 == 2) return a.body();
        throw refused(a, action, service);
    }

    private ProviderException refused(Answer a, String action, String service) {
        String message = a.body().path("message").asText("");
        Reason reason = switch (a.status()) {
            case 404 -> Reason.NOT_FOUND;
            case 409 -> Reason.CONFLICT;
            case 401, 403 -> Reason.UNAUTHORIZED;
            case 503 -> Reason.UNAVAILABLE;
            default -> Reason.FAILED;
        };
        return new ProviderException(reason, prefix(action, service) + a.status() + ": " + message);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private String prefix(String action, String service) {
        return label() + ": " + action + (service.isEmpty() ? "" : " service '" + service + "'") + ": ";
    }

    /** The service, empty when there is none of that name or id. */
    private Optional<JsonNode> service(String service, String action) {
        Answer a = call("GET", "/services/" + enc(service), Optional.empty(), action, service);
        if (a.status() == 404) return Optional.empty();
        if (a.status() / 100 != 2) throw refused(a, action, service);
        return Optional.of(a.body());
    }

    private JsonNode tasks(String serviceId, String action, String service) {
        String filters = enc("{\"service\":[\"" + serviceId.replace("\"", "") + "\"]}");
        return ok("GET", "/tasks?filters=" + filters, Optional.empty(), action, service);
    }

    // ---------------------------------------------------------------- state

    @Override
    public ContainerState inspect(String service) {
        Optional<JsonNode> s = service(service, "inspect");
        if (s.isEmpty()) return ContainerState.missing(service);
        return SwarmStates.state(s.get(), tasks(s.get().path("ID").asText(), "inspect", service));
    }

    @Override
    public List<ContainerState> list() {
        List<ContainerState> out = new ArrayList<>();
        for (JsonNode s : ok("GET", "/services", Optional.empty(), "list", "")) out.add(SwarmStates.listed(s));
        return out;
    }

    /**
     * A port the service publishes through the routing mesh is reached at the engine's host; one published
     * in host mode, or the container port of a service on the host's network, on the node that runs its
     * first task (the engine's host when that is the node dormouse talks to, else the node's address).
     */
    @Override
    public Optional<InetSocketAddress> address(String service, String transport, int port) {
        Optional<JsonNode> s = service(service, "reach");
        if (s.isEmpty()) return Optional.empty();
        Optional<SwarmStates.Published> pub = SwarmStates.published(s.get(), transport, port);
        if (pub.isPresent() && pub.get().mode().equals("ingress")) return Optional.of(InetSocketAddress.createUnresolved(engineHost, pub.get().port()));
        if (pub.isEmpty() && !hostNetwork(s.get(), service)) {
            throw new ProviderException(Reason.NOT_FOUND, prefix("reach", service) + "it neither publishes port " + port + "/" + transport
                    + " nor runs on the host's network (docker service create --publish " + port + " or --network host)");
        }
        Optional<String> node = SwarmStates.runningNode(tasks(s.get().path("ID").asText(), "reach", service));
        if (node.isEmpty()) return Optional.empty();
        String host = node.get().equals(selfNode()) ? engineHost : nodeAddress(node.get(), service);
        return Optional.of(InetSocketAddress.createUnresolved(host, pub.map(SwarmStates.Published::port).orElse(port)));
    }

    private boolean hostNetwork(JsonNode service, String name) {
        for (String id : SwarmStates.networks(service)) {
            String n = networkNames.get(id);
            if (n == null) {
                n = ok("GET", "/networks/" + enc(id), Optional.empty(), "reach", name).path("Name").asText("");
                networkNames.put(id, n);
            }
            if (n.equals("host")) return true;
        }
        return false;
    }

    private String selfNode() {
        if (selfNode.isEmpty()) selfNode = ok("GET", "/info", Optional.empty(), "info", "").path("Swarm").path("NodeID").asText("");
        return selfNode;
    }

    private String nodeAddress(String node, String service) {
        String addr = ok("GET", "/nodes/" + enc(node), Optional.empty(), "reach", service).path("Status").path("Addr").asText("");
        return addr.isEmpty() || addr.equals("0.0.0.0") ? engineHost : addr;
    }

    // ---------------------------------------------------------------- actions

    @Override
    public boolean scales() {
        return true;
    }

    /**
     * Sends the service's spec back with {@code replicas} (once more with a fresh version if another update
     * came between); a scale to 0 then waits until none of its tasks runs, for its stop grace (or
     * {@code timeout}, the longer) plus 10 s.
     */
    @Override
    public int scale(String service, int replicas, Duration timeout) {
        if (replicas < 0) throw new IllegalArgumentException("replicas must be >= 0, got " + replicas);
        String action = replicas == 0 ? "scale to 0" : "scale to " + replicas;
        for (int attempt = 0; ; attempt++) {
            JsonNode s = service(service, action).orElseThrow(() -> new ProviderException(Reason.NOT_FOUND, prefix(action, service) + "no such service"));
            OptionalInt before = SwarmStates.replicas(s);
            if (before.isEmpty()) {
                throw new ProviderException(Reason.FAILED, prefix(action, service) + "it is a global service, which runs one task per node and cannot be scaled");
            }
            String id = s.path("ID").asText();
            if (before.getAsInt() != replicas) {
                Answer a = call("POST", "/services/" + enc(id) + "/update?version=" + s.path("Version").path("Index").asLong(),
                        Optional.of(SwarmStates.scaled(s, replicas)), action, service);
                String msg = a.body().path("message").asText("");
                if (a.status() / 100 != 2 && attempt == 0 && msg.contains("out of sequence")) continue;
                if (a.status() / 100 != 2) {
                    throw new ProviderException(a.status() == 404 ? Reason.NOT_FOUND : Reason.FAILED, prefix(action, service) + a.status() + ": " + msg);
                }
                LOG.log(Level.DEBUG, "{0}: service {1} scaled from {2} to {3}", label(), service, before.getAsInt(), replicas);
            }
            if (replicas == 0) awaitStopped(service, id, grace(s).compareTo(timeout) >= 0 ? grace(s) : timeout);
            return before.getAsInt();
        }
    }

    private static Duration grace(JsonNode service) {
        JsonNode g = service.path("Spec").path("TaskTemplate").path("ContainerSpec").path("StopGracePeriod");
        return g.isNumber() ? Duration.ofNanos(g.asLong()) : DEFAULT_GRACE;
    }

    private void awaitStopped(String service, String id, Duration grace) {
        long deadline = System.nanoTime() + grace.plus(STOP_MARGIN).toNanos();
        long pause = 20;
        while (SwarmStates.alive(tasks(id, "scale to 0", service)) > 0) {
            if (System.nanoTime() > deadline) {
                throw new ProviderException(Reason.TIMEOUT, prefix("scale to 0", service) + "tasks still running " + grace.plus(STOP_MARGIN).toSeconds()
                        + " s after the scale");
            }
            try {
                TimeUnit.MILLISECONDS.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProviderException(Reason.FAILED, prefix("scale to 0", service) + "interrupted");
            }
            pause = Math.min(250, pause * 2);
        }
    }

    /** Scales a service at 0 to one replica (the runtime manager scales back to the remembered count instead). */
    @Override
    public void start(String service) {
        if (inspect(service).status() == ContainerStatus.STOPPED) scale(service, 1, Duration.ZERO);
    }

    @Override
    public void stop(String service, String signal, Duration timeout) {
        scale(service, 0, timeout);
    }

    /** A service has no signal of its own to send: its tasks are stopped as by a scale to 0, without waiting for their grace. */
    @Override
    public void kill(String service, String signal) {
        scale(service, 0, Duration.ZERO);
    }

    @Override
    public void pause(String service) {
        throw new ProviderException(Reason.FAILED, prefix("pause", service) + "a Swarm service cannot be paused; use stop_method stop (it scales the service to 0)");
    }

    @Override
    public void unpause(String service) {
        if (inspect(service).status() != ContainerStatus.RUNNING) {
            throw new ProviderException(Reason.FAILED, prefix("unpause", service) + "a Swarm service is never paused");
        }
    }

    @Override
    public void remove(String service) {
        throw new ProviderException(Reason.FAILED, prefix("remove", service) + "dormouse does not remove Swarm services (drop retention from the route)");
    }

    /** Each call is one or two requests of at most the client's bound; a scale to 0 also waits for the tasks. */
    @Override
    public Duration actionBound(Action action, Duration stopTimeout) {
        return switch (action) {
            case STOP, KILL -> Engines.REQUEST_TIMEOUT.multipliedBy(3).plus(stopTimeout).plus(DEFAULT_GRACE).plus(STOP_MARGIN);
            case START -> Engines.REQUEST_TIMEOUT.multipliedBy(3);
            default -> Engines.REQUEST_TIMEOUT.multipliedBy(2);
        };
    }

    /** {@code /_ping}, then {@code /info}: the engine's version and clock, and that it manages a swarm. */
    @Override
    public Optional<ProviderCheck> check() {
        JsonNode info = ok("GET", "/info", Optional.empty(), "ping engine", "");
        JsonNode swarm = info.path("Swarm");
        if (!"active".equals(swarm.path("LocalNodeState").asText()) || !swarm.path("ControlAvailable").asBoolean(false)) {
            throw new ProviderException(Reason.UNAVAILABLE, prefix("ping engine", "") + "the engine at " + config.host()
                    + " is not a Swarm manager (its swarm state is " + swarm.path("LocalNodeState").asText("unknown") + ")");
        }
        Optional<Instant> time = Optional.empty();
        try {
            String t = info.path("SystemTime").asText("");
            if (!t.isEmpty()) time = Optional.of(OffsetDateTime.parse(t).toInstant());
        } catch (DateTimeParseException e) {
            // an engine that writes its clock otherwise is checked without it
        }
        return Optional.of(new ProviderCheck("Docker " + info.path("ServerVersion").asText("?") + " (swarm manager)", time));
    }

    // ---------------------------------------------------------------- events

    @Override
    public ProviderStatus status() {
        return status.get();
    }

    @Override
    public AutoCloseable subscribe(Consumer<ContainerEvent> listener) {
        return events.subscribe(listener);
    }

    private Optional<ContainerEvent> translate(Event e) {
        Map<String, String> attrs = e.getActor() == null || e.getActor().getAttributes() == null ? Map.of() : e.getActor().getAttributes();
        String id = e.getActor() == null ? e.getId() : e.getActor().getId();
        String action = e.getAction() == null ? e.getStatus() : e.getAction();
        if (action != null && action.startsWith("health_status")) action = "health_status";
        Instant at = e.getTimeNano() != null ? Instant.ofEpochSecond(0, e.getTimeNano())
                : Instant.ofEpochSecond(e.getTime() == null ? Instant.now().getEpochSecond() : e.getTime());
        return SwarmStates.event(config.name(), e.getType() == null ? "" : e.getType().getValue(), action, id, attrs, at);
    }

    @Override
    public void close() {
        events.close();
        clients.close();
    }

    @Override
    public String toString() {
        return label() + " (" + config.host() + ")";
    }
}
