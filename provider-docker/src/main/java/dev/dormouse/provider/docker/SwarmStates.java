package dev.dormouse.provider.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.spi.ContainerHealth;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Pure translation of the Swarm API's answers (service and task JSON as the engine sends them) into the
 * provider SPI's types. A service is one "container": {@code running} while it wants replicas,
 * {@code stopped} when scaled to 0; its health is Swarm's own view of its tasks: {@code starting} while
 * fewer tasks run than it wants (a task with a HEALTHCHECK counts as running only once healthy, which
 * Swarm decides), then {@code healthy} when the service has a HEALTHCHECK of its own and {@code none}
 * otherwise, so that the route's probe judges it.
 */
final class SwarmStates {
    /** The label Swarm puts on a task's container, naming its service. */
    static final String SERVICE_NAME_LABEL = "com.docker.swarm.service.name";
    static final String SERVICE_ID_LABEL = "com.docker.swarm.service.id";

    private SwarmStates() {}

    /** The replica count a replicated service wants; empty for a global service. */
    static OptionalInt replicas(JsonNode service) {
        JsonNode mode = service.path("Spec").path("Mode");
        if (!mode.has("Replicated")) return OptionalInt.empty();
        JsonNode r = mode.path("Replicated").path("Replicas");
        return OptionalInt.of(r.isMissingNode() || r.isNull() ? 1 : r.asInt());
    }

    /** The service's spec with {@code replicas} in place of its count: the body of {@code POST /services/{id}/update}, all else kept as the engine sent it. */
    static ObjectNode scaled(JsonNode service, int replicas) {
        ObjectNode spec = ((ObjectNode) service.path("Spec")).deepCopy();
        ObjectNode mode = (ObjectNode) spec.path("Mode");
        ObjectNode replicated = mode.has("Replicated") && mode.get("Replicated").isObject() ? (ObjectNode) mode.get("Replicated") : mode.putObject("Replicated");
        replicated.put("Replicas", replicas);
        return spec;
    }

    static boolean hasHealthcheck(JsonNode service) {
        JsonNode test = service.path("Spec").path("TaskTemplate").path("ContainerSpec").path("Healthcheck").path("Test");
        return test.isArray() && !test.isEmpty() && !"NONE".equals(test.get(0).asText());
    }

    /** Tasks that run and are meant to: what Swarm counts towards the service's replicas. */
    static int running(JsonNode tasks) {
        int n = 0;
        for (JsonNode t : tasks) {
            if ("running".equals(t.path("Status").path("State").asText()) && "running".equals(t.path("DesiredState").asText())) n++;
        }
        return n;
    }

    /** Tasks that still run, whatever they are meant to do (a scale to 0 is done when none does). */
    static int alive(JsonNode tasks) {
        int n = 0;
        for (JsonNode t : tasks) {
            String s = t.path("Status").path("State").asText();
            if (s.equals("running") || s.equals("starting")) n++;
        }
        return n;
    }

    /** The service from {@code GET /services/{id}} and its tasks from {@code GET /tasks?filters={"service":[id]}}. */
    static ContainerState state(JsonNode service, JsonNode tasks) {
        OptionalInt wanted = replicas(service);
        int running = running(tasks);
        ContainerStatus status;
        ContainerHealth health;
        if (wanted.isPresent() && wanted.getAsInt() == 0) {
            status = ContainerStatus.STOPPED;
            health = ContainerHealth.NONE;
        } else {
            status = ContainerStatus.RUNNING;
            boolean enough = wanted.isPresent() ? running >= wanted.getAsInt() : running > 0;
            health = !enough ? ContainerHealth.STARTING : hasHealthcheck(service) ? ContainerHealth.HEALTHY : ContainerHealth.NONE;
        }
        int failed = 0;
        int exit = 0;
        Instant lastEnd = Instant.MIN;
        Optional<Instant> started = Optional.empty();
        for (JsonNode t : tasks) {
            String state = t.path("Status").path("State").asText();
            Optional<Instant> at = DockerStates.time(t.path("Status").path("Timestamp").asText(null));
            if (state.equals("failed") || state.equals("rejected")) failed++;
            if (state.equals("running") && at.isPresent() && (started.isEmpty() || at.get().isAfter(started.get()))) started = at;
            JsonNode code = t.path("Status").path("ContainerStatus").path("ExitCode");
            if (!state.equals("running") && code.isInt() && at.isPresent() && at.get().isAfter(lastEnd)) {
                lastEnd = at.get();
                exit = code.asInt();
            }
        }
        return new ContainerState(service.path("ID").asText(""), name(service), status, health, image(service), failed, exit, started,
                DockerStates.time(service.path("CreatedAt").asText(null)), labels(service), "");
    }

    /** A service from {@code GET /services}, without its tasks (for label discovery): running while it wants replicas. */
    static ContainerState listed(JsonNode service) {
        OptionalInt wanted = replicas(service);
        ContainerStatus status = wanted.isPresent() && wanted.getAsInt() == 0 ? ContainerStatus.STOPPED : ContainerStatus.RUNNING;
        return new ContainerState(service.path("ID").asText(""), name(service), status, ContainerHealth.NONE, image(service), 0, 0,
                Optional.empty(), DockerStates.time(service.path("CreatedAt").asText(null)), labels(service), "");
    }

    static String name(JsonNode service) {
        return service.path("Spec").path("Name").asText("");
    }

    /** The image without the digest Swarm pins it to. */
    static String image(JsonNode service) {
        String image = service.path("Spec").path("TaskTemplate").path("ContainerSpec").path("Image").asText("");
        int at = image.indexOf('@');
        return at < 0 ? image : image.substring(0, at);
    }

    static Map<String, String> labels(JsonNode service) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode l = service.path("Spec").path("Labels");
        for (Iterator<Map.Entry<String, JsonNode>> it = l.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /** Where the service publishes {@code port}/{@code transport}: its published port and mode ({@code ingress} or {@code host}). */
    record Published(int port, String mode) {}

    static Optional<Published> published(JsonNode service, String transport, int port) {
        for (JsonNode p : service.path("Endpoint").path("Ports")) {
            if (p.path("TargetPort").asInt() == port && transport.equals(p.path("Protocol").asText("tcp")) && p.path("PublishedPort").asInt() > 0) {
                return Optional.of(new Published(p.path("PublishedPort").asInt(), p.path("PublishMode").asText("ingress")));
            }
        }
        return Optional.empty();
    }

    /** The node of the first task that runs and is meant to; empty when none does. */
    static Optional<String> runningNode(JsonNode tasks) {
        for (JsonNode t : tasks) {
            if ("running".equals(t.path("Status").path("State").asText()) && "running".equals(t.path("DesiredState").asText())) {
                String node = t.path("NodeID").asText("");
                if (!node.isEmpty()) return Optional.of(node);
            }
        }
        return Optional.empty();
    }

    /** The networks the service's tasks join, by id. */
    static java.util.List<String> networks(JsonNode service) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonNode n : service.path("Spec").path("TaskTemplate").path("Networks")) out.add(n.path("Target").asText());
        return out;
    }

    /**
     * A service event ({@code type=service}: {@code create}, {@code update}, {@code remove}) or an event of
     * one of its task containers, as an event of the service. A scale from 0 is a {@code start}, a scale to
     * 0 a {@code stop}, a removal a {@code destroy}; any other update is a {@code restart}, and a task's
     * start, death or health change a {@code health_status} of its service, so that whoever follows the
     * service looks at it again. Empty for events of containers that belong to no service.
     */
    static Optional<ContainerEvent> event(String provider, String type, String action, String actorId, Map<String, String> attributes, Instant at) {
        Map<String, String> attrs = new HashMap<>(attributes);
        if ("service".equals(type)) {
            String name = attrs.getOrDefault("name", "");
            ContainerEvent.Action a = switch (action == null ? "" : action) {
                case "create" -> ContainerEvent.Action.CREATE;
                case "remove" -> ContainerEvent.Action.DESTROY;
                case "update" -> {
                    String next = attrs.get("replicas.new");
                    String before = attrs.get("replicas.old");
                    if ("0".equals(next)) yield ContainerEvent.Action.STOP;
                    if (next != null && "0".equals(before)) yield ContainerEvent.Action.START;
                    yield ContainerEvent.Action.RESTART;
                }
                default -> null;
            };
            if (a == null) return Optional.empty();
            return Optional.of(new ContainerEvent(provider, actorId == null ? "" : actorId, name, a, at, attrs));
        }
        String service = attrs.get(SERVICE_NAME_LABEL);
        if (!"container".equals(type) || service == null || service.isEmpty()) return Optional.empty();
        attrs.put("task.action", action == null ? "" : action);
        attrs.put("task.container", actorId == null ? "" : actorId);
        return Optional.of(new ContainerEvent(provider, attrs.getOrDefault(SERVICE_ID_LABEL, ""), service, ContainerEvent.Action.HEALTH_STATUS, at, attrs));
    }
}
