package dev.dormouse.provider.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.spi.ContainerHealth;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Services and tasks as a real single-node Swarm (Docker 20.10) answered them, recorded by scripts/test-engines.sh's engine. */
class SwarmStatesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode fixture(String name) {
        try (InputStream in = SwarmStatesTest.class.getResourceAsStream("swarm/" + name + ".json")) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aServiceWithAllItsTasksRunningIsRunningAndLeftToTheProbe() {
        ContainerState s = SwarmStates.state(fixture("service-web"), fixture("tasks-web"));
        assertEquals(ContainerStatus.RUNNING, s.status());
        assertEquals(ContainerHealth.NONE, s.health(), "no HEALTHCHECK of its own: the route's probe judges it");
        assertEquals("fx-web", s.name());
        assertEquals("kfa4sanp404tlsliy77af73r3", s.id());
        assertEquals("dormouse-test/busybox:latest", s.image());
        assertEquals(Map.of("dormouse.enable", "true", "dormouse.hosts", "web.test", "dormouse.port", "38120"), s.labels());
        assertTrue(s.startedAt().isPresent());
        assertEquals(Instant.parse("2026-12-02T14:13:56.208500294Z"), s.createdAt().orElseThrow());
        assertEquals(OptionalInt.of(2), SwarmStates.replicas(fixture("service-web")));
        assertEquals(2, SwarmStates.running(fixture("tasks-web")));
    }

    @Test
    void aServiceScaledToZeroIsStoppedAtOnceAndItsScaleIsDoneWhenNoTaskRuns() {
        ContainerState s = SwarmStates.state(fixture("service-web-zero"), fixture("tasks-web-stopping"));
        assertEquals(ContainerStatus.STOPPED, s.status());
        assertEquals(OptionalInt.of(0), SwarmStates.replicas(fixture("service-web-zero")));
        assertEquals(0, SwarmStates.running(fixture("tasks-web-stopping")), "tasks meant to be removed do not count as replicas");
        assertEquals(2, SwarmStates.alive(fixture("tasks-web-stopping")), "but they still run: the scale waits for them");
        assertEquals(0, SwarmStates.alive(fixture("tasks-web-zero")));
    }

    @Test
    void aTaskWaitingForItsHealthcheckIsStartingThenTheServiceIsHealthy() {
        assertTrue(SwarmStates.hasHealthcheck(fixture("service-hc")));
        assertFalse(SwarmStates.hasHealthcheck(fixture("service-web")));
        ContainerState starting = SwarmStates.state(fixture("service-hc"), fixture("tasks-hc-starting"));
        assertEquals(ContainerStatus.RUNNING, starting.status());
        assertEquals(ContainerHealth.STARTING, starting.health());
        assertFalse(starting.runningHealthy());
        ContainerState healthy = SwarmStates.state(fixture("service-hc"), fixture("tasks-hc-running"));
        assertEquals(ContainerHealth.HEALTHY, healthy.health());
        assertTrue(healthy.runningHealthy());
    }

    @Test
    void fewerTasksThanWantedIsStarting() {
        ContainerState s = SwarmStates.state(fixture("service-web"), JSON.createArrayNode().add(fixture("tasks-web").get(0)));
        assertEquals(ContainerHealth.STARTING, s.health());
    }

    @Test
    void aScaleSendsTheWholeSpecBackWithOnlyTheCountChanged() {
        JsonNode service = fixture("service-web");
        JsonNode spec = SwarmStates.scaled(service, 0);
        assertEquals(0, spec.path("Mode").path("Replicated").path("Replicas").asInt());
        ((com.fasterxml.jackson.databind.node.ObjectNode) spec.path("Mode").path("Replicated")).put("Replicas", 2);
        assertEquals(service.path("Spec"), spec, "nothing else of the spec changes");
        assertEquals(2, service.path("Spec").path("Mode").path("Replicated").path("Replicas").asInt(), "the engine's answer is not changed");
    }

    @Test
    void publishedPortsAndNetworks() {
        assertEquals(Optional.of(new SwarmStates.Published(38121, "host")), SwarmStates.published(fixture("service-pub"), "tcp", 80));
        assertEquals(Optional.empty(), SwarmStates.published(fixture("service-pub"), "udp", 80));
        assertEquals(Optional.empty(), SwarmStates.published(fixture("service-pub"), "tcp", 81));
        assertEquals(1, SwarmStates.networks(fixture("service-web")).size());
        assertEquals(Optional.of(fixture("tasks-web").get(0).path("NodeID").asText()), SwarmStates.runningNode(fixture("tasks-web")));
        assertEquals(Optional.empty(), SwarmStates.runningNode(fixture("tasks-web-stopping")));
    }

    @Test
    void theServiceListCarriesLabelsAndWantedState() {
        JsonNode all = fixture("services");
        assertEquals(3, all.size());
        for (JsonNode s : all) {
            ContainerState c = SwarmStates.listed(s);
            assertEquals(c.name().equals("fx-web") ? ContainerStatus.STOPPED : ContainerStatus.RUNNING, c.status(), c.name() + " (fx-web was scaled to 0)");
            assertTrue(c.createdAt().isPresent());
        }
    }

    @Test
    void serviceEventsAndTaskEvents() {
        Instant at = Instant.parse("2026-12-02T14:00:00Z");
        String[][] cases = {
            // type, action, replicas.old, replicas.new, expected action
            {"service", "update", "1", "0", "STOP"},
            {"service", "update", "0", "1", "START"},
            {"service", "update", "0", "3", "START"},
            {"service", "update", "1", "2", "RESTART"},
            {"service", "update", null, null, "RESTART"},
            {"service", "create", null, null, "CREATE"},
            {"service", "remove", null, null, "DESTROY"},
        };
        for (String[] c : cases) {
            Map<String, String> attrs = new java.util.HashMap<>(Map.of("name", "web"));
            if (c[2] != null) attrs.put("replicas.old", c[2]);
            if (c[3] != null) attrs.put("replicas.new", c[3]);
            ContainerEvent e = SwarmStates.event("sw", c[0], c[1], "svc1", attrs, at).orElseThrow();
            assertEquals(ContainerEvent.Action.valueOf(c[4]), e.action(), String.join(",", java.util.Arrays.asList(c)));
            assertEquals("web", e.containerName());
            assertEquals("svc1", e.containerId());
            assertEquals("sw", e.provider());
        }
        ContainerEvent task = SwarmStates.event("sw", "container", "die", "c0ffee",
                Map.of("name", "web.1.abc", SwarmStates.SERVICE_NAME_LABEL, "web", SwarmStates.SERVICE_ID_LABEL, "svc1", "exitCode", "1"), at).orElseThrow();
        assertEquals(ContainerEvent.Action.HEALTH_STATUS, task.action(), "a task's death makes its service be looked at again");
        assertEquals("web", task.containerName());
        assertEquals("svc1", task.containerId());
        assertEquals("die", task.attributes().get("task.action"));
        assertEquals(Optional.empty(), SwarmStates.event("sw", "container", "start", "c1", Map.of("name", "plain"), at), "not a task");
        assertEquals(Optional.empty(), SwarmStates.event("sw", "service", "exec_start", "svc1", Map.of("name", "web"), at));
    }
}
