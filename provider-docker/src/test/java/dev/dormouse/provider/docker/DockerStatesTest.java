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
        assertNull(DockerStates.action("exec_start: sh"));
        assertNull(DockerStates.action("attach"));
    }

    @Test
    void dockerMessages() {
        assertEquals("Container abc is not paused",
                DockerProvider.dockerMessage("Status 409: {\"message\":\"Container abc is not paused\"}\n"));
        assertEquals("plain", DockerProvider.dockerMessage("plain"));
    }
}
