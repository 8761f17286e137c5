package dev.dormouse.provider.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.dormouse.core.spi.ContainerEvent.Action;
import dev.dormouse.core.spi.ContainerHealth;
import dev.dormouse.core.spi.ContainerStatus;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DockerStatesTest {
    @Test
    void statuses() {
        assertEquals(ContainerStatus.RUNNING, DockerStates.status("running", false));
        assertEquals(ContainerStatus.PAUSED, DockerStates.status("running", true));
        assertEquals(ContainerStatus.PAUSED, DockerStates.status("paused", false));
        assertEquals(ContainerStatus.RUNNING, DockerStates.status("restarting", false));
        assertEquals(ContainerStatus.STOPPED, DockerStates.status("exited", false));
        assertEquals(ContainerStatus.STOPPED, DockerStates.status("created", false));
        assertEquals(ContainerStatus.STOPPED, DockerStates.status("dead", false));
        assertEquals(ContainerStatus.MISSING, DockerStates.status("removing", false));
    }

    @Test
    void health() {
        assertEquals(ContainerHealth.NONE, DockerStates.health(null));
        assertEquals(ContainerHealth.STARTING, DockerStates.health("starting"));
        assertEquals(ContainerHealth.HEALTHY, DockerStates.health("healthy"));
        assertEquals(ContainerHealth.UNHEALTHY, DockerStates.health("unhealthy"));
    }

    @Test
    void times() {
        assertEquals(Optional.empty(), DockerStates.time("0001-01-01T00:00:00Z"));
        assertEquals(Optional.of(Instant.parse("2026-11-23T04:05:06.123456789Z")), DockerStates.time("2026-11-23T04:05:06.123456789Z"));
        assertEquals(Optional.empty(), DockerStates.time("garbage"));
        assertEquals(Optional.of(Instant.parse("2023-11-14T22:13:20Z")), DockerStates.created(1_700_000_000L));
        assertEquals(Optional.empty(), DockerStates.created(0L));
        assertEquals(Optional.empty(), DockerStates.created(null));
    }

    @Test
    void actions() {
        assertEquals(Action.HEALTH_STATUS, DockerStates.action("health_status: healthy"));
        assertEquals(Action.START, DockerStates.action("start"));
        assertEquals(Action.DESTROY, DockerStates.action("destroy"));
        assertEquals(Action.DESTROY, DockerStates.action("remove"), "as Podman says it");
        assertNull(DockerStates.action("init"), "Podman");
        assertNull(DockerStates.action("cleanup"), "Podman");
        assertNull(DockerStates.action("exec_start: sh"));
        assertNull(DockerStates.action("attach"));
    }

    @Test
    void dockerMessages() {
        assertEquals("Container abc is not paused",
                DockerProvider.dockerMessage("Status 409: {\"message\":\"Container abc is not paused\"}\n"));
        assertEquals("plain", DockerProvider.dockerMessage("plain"));
    }

    static com.github.dockerjava.api.command.InspectContainerResponse inspect(String name) {
        try (java.io.InputStream in = DockerStatesTest.class.getResourceAsStream("engine/" + name + ".json")) {
            return new com.fasterxml.jackson.databind.ObjectMapper()
                    .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(in, com.github.dockerjava.api.command.InspectContainerResponse.class);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String reach(String fixture, String engineHost, boolean remote, String transport, int port) {
        DockerStates.Reach r = DockerStates.reach(inspect(fixture), engineHost, remote, transport, port);
        return r.problem().orElseGet(() -> r.at().map(a -> a.getHostString() + ":" + a.getPort()).orElse("(not yet)"));
    }

    /** Containers as the TLS test engine answered (a user network, published ports; host networking). */
    @Test
    void whereAPortIsReachedOnLocalAndRemoteEngines() {
        String[][] cases = {
            // fixture, engine host, remote, transport, port, expected
            {"inspect-published", "10.1.2.3", "true", "tcp", "81", "10.1.2.3:38130"},
            {"inspect-published", "10.1.2.3", "true", "tcp", "80",
                "port 80/tcp of container 'fx-pub' is published only on 127.0.0.1 of the engine's host, which dormouse cannot reach"},
            {"inspect-published", "127.0.0.1", "true", "tcp", "80", "127.0.0.1:32768"},
            {"inspect-published", "10.1.2.3", "true", "udp", "81",
                "port 81/udp of container 'fx-pub' is not published; a container of a remote engine is reached at a port published on the engine's host (docker run -p 81)"},
            {"inspect-unpublished", "far.lan", "true", "tcp", "8080",
                "port 8080/tcp of container 'fx-unpub' is not published; a container of a remote engine is reached at a port published on the engine's host (docker run -p 8080)"},
            {"inspect-host", "far.lan", "true", "tcp", "8080", "far.lan:8080"},
            {"inspect-host", "127.0.0.1", "false", "tcp", "8080", "127.0.0.1:8080"},
        };
        java.util.List<String> failures = new java.util.ArrayList<>();
        for (String[] c : cases) {
            String got = reach(c[0], c[1], Boolean.parseBoolean(c[2]), c[3], Integer.parseInt(c[4]));
            if (!got.equals(c[5])) failures.add(String.join(" ", java.util.Arrays.copyOf(c, 5)) + "\n  expected " + c[5] + "\n  got      " + got);
        }
        assertEquals("", String.join("\n", failures));
        String ip = inspect("inspect-published").getNetworkSettings().getNetworks().get("dmtest").getIpAddress();
        assertEquals(ip + ":80", reach("inspect-published", "127.0.0.1", false, "tcp", 80), "a local engine: the container's own address");
    }
}
