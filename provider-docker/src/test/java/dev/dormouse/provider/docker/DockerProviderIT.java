package dev.dormouse.provider.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.spi.ContainerHealth;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.core.spi.ProviderFactory;
import dev.dormouse.provider.docker.testkit.TestDocker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DockerProviderIT {
    private static Provider docker;

    @BeforeAll
    static void engine() {
        TestDocker.ensureEngine();
        // Tests run on the class path; ServiceLoader discovery on the module path is covered by the distribution test.
        ProviderFactory f = new DockerProviderFactory();
        docker = f.create(new DockerProviderConfig("local", "unix:///var/run/docker.sock", false));
    }

    @AfterAll
    static void closeProvider() {
        docker.close();
    }

    @AfterEach
    void cleanup() {
        TestDocker.removeAll();
    }

    private static String sleeper(String name, String... extra) {
        String[] args = new String[extra.length + 6];
        System.arraycopy(extra, 0, args, 0, extra.length);
        System.arraycopy(new String[] {"--network", "host", TestDocker.IMAGE, "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"},
                0, args, extra.length, 6);
        TestDocker.run(name, args);
        return name;
    }

    static void await(String what, BooleanSupplier cond) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!cond.getAsBoolean()) {
            // Deadline of a wait for the real engine, whose time is not ours.
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            LockSupport.parkNanos(20_000_000L);
        }
    }

    @Test
    void lifecycleRoundTripsAsDockerSeesThem() {
        String c = sleeper("dm-pit-life");
        ContainerState s = docker.inspect(c);
        assertEquals(ContainerStatus.RUNNING, s.status());
        assertEquals(c, s.name());
        assertEquals(64, s.id().length());
        assertEquals(TestDocker.IMAGE, s.image());
        assertTrue(s.startedAt().isPresent());
        // Created comes from inspect (nanoseconds) and from the list endpoint (seconds): the same instant.
        java.time.Instant created = s.createdAt().orElseThrow();
        assertTrue(!created.isAfter(s.startedAt().get()), "created " + created + " before started " + s.startedAt().get());
        ContainerState listed = docker.list().stream().filter(x -> x.name().equals(c)).findFirst().orElseThrow();
        assertEquals(created.getEpochSecond(), listed.createdAt().orElseThrow().getEpochSecond());
        assertEquals("1", s.labels().get("dev.dormouse.test"));

        docker.pause(c);
        assertEquals("paused", TestDocker.inspectStatus(c));
        assertEquals(ContainerStatus.PAUSED, docker.inspect(c).status());
        docker.unpause(c);
        assertEquals("running", TestDocker.inspectStatus(c));
        docker.unpause(c); // idempotent

        docker.stop(c, "SIGTERM", Duration.ofSeconds(5));
        assertEquals("exited", TestDocker.inspectStatus(c));
        assertEquals(ContainerStatus.STOPPED, docker.inspect(c).status());
        docker.stop(c, "SIGTERM", Duration.ofSeconds(5)); // idempotent

        docker.start(c);
        assertEquals("running", TestDocker.inspectStatus(c));
        docker.start(c); // idempotent

        docker.stop(c, "SIGINT", Duration.ofSeconds(1)); // not trapped: ends, or is killed after the grace time
        assertEquals("exited", TestDocker.inspectStatus(c));

        docker.start(c);
        docker.kill(c, "SIGKILL");
        assertEquals("exited", TestDocker.inspectStatus(c));
        assertEquals(137, docker.inspect(c).exitCode());

        docker.remove(c);
        assertEquals(ContainerStatus.MISSING, docker.inspect(c).status());
    }

    @Test
    void checkPingsTheEngineAndReadsItsClock() throws Exception {
        java.time.Instant before = java.time.Instant.now();
        dev.dormouse.core.spi.ProviderCheck c = docker.check().orElseThrow();
        assertTrue(c.server().matches("Docker \\d+\\..*"), c.server());
        java.time.Instant engine = c.serverTime().orElseThrow();
        assertTrue(Duration.between(before, engine).abs().toSeconds() < 5, "the engine's clock on this machine: " + engine);
        java.nio.file.Path nothing = java.nio.file.Files.createTempDirectory("dm-nosock").resolve("docker.sock");
        try (Provider down = new DockerProviderFactory().create(new DockerProviderConfig("down", "unix://" + nothing, false))) {
            ProviderException e = assertThrows(ProviderException.class, down::check);
            assertEquals(ProviderException.Reason.UNAVAILABLE, e.reason());
            assertTrue(e.getMessage().startsWith("docker down: ping engine: engine unreachable at unix://" + nothing), e.getMessage());
        }
    }

    @Test
    void errorsNameProviderActionContainerAndDockersMessage() {
        String c = sleeper("dm-pit-err");
        docker.stop(c, "SIGTERM", Duration.ofSeconds(5));
        ProviderException e = assertThrows(ProviderException.class, () -> docker.pause(c));
        assertEquals(ProviderException.Reason.CONFLICT, e.reason());
        assertTrue(e.getMessage().startsWith("docker local: pause container '" + c + "': 409 conflict: "), e.getMessage());
        assertFalse(e.getMessage().contains("{"), e.getMessage());

        ProviderException missing = assertThrows(ProviderException.class, () -> docker.start("dm-pit-no-such"));
        assertEquals(ProviderException.Reason.NOT_FOUND, missing.reason());
        assertEquals(ContainerStatus.MISSING, docker.inspect("dm-pit-no-such").status());

        Provider nowhere = new DockerProviderFactory().create(new DockerProviderConfig("far", "unix:///nonexistent/docker.sock", false));
        ProviderException down = assertThrows(ProviderException.class, () -> nowhere.inspect("x"));
        assertEquals(ProviderException.Reason.UNAVAILABLE, down.reason());
        assertTrue(down.getMessage().startsWith("docker far: inspect container 'x': engine unreachable at unix:///nonexistent/docker.sock"),
                down.getMessage());
        nowhere.close();
    }

    @Test
    void eventsArriveForChangesMadeAnywhere() throws Exception {
        List<ContainerEvent> seen = new CopyOnWriteArrayList<>();
        try (AutoCloseable sub = docker.subscribe(seen::add)) {
            // the stream is live once a first container's start is seen
            String warm = sleeper("dm-pit-warm");
            await("stream live", () -> seen.stream().anyMatch(e -> e.containerName().equals(warm)));
            String c = sleeper("dm-pit-events");
            await("start event", () -> seen.stream().anyMatch(e -> e.action() == ContainerEvent.Action.START && e.containerName().equals(c)));
            TestDocker.exec("pause", c);
            TestDocker.exec("unpause", c);
            TestDocker.exec("stop", "-t", "5", c);
            TestDocker.exec("rm", c);
            await("destroy event", () -> seen.stream().anyMatch(e -> e.action() == ContainerEvent.Action.DESTROY && e.containerName().equals(c)));
            List<ContainerEvent.Action> mine = seen.stream().filter(e -> e.containerName().equals(c)).map(ContainerEvent::action).toList();
            for (ContainerEvent.Action a : List.of(ContainerEvent.Action.CREATE, ContainerEvent.Action.START, ContainerEvent.Action.PAUSE,
                    ContainerEvent.Action.UNPAUSE, ContainerEvent.Action.STOP, ContainerEvent.Action.DIE, ContainerEvent.Action.DESTROY)) {
                assertTrue(mine.contains(a), a + " missing from " + mine);
            }
            assertTrue(mine.indexOf(ContainerEvent.Action.CREATE) < mine.indexOf(ContainerEvent.Action.DESTROY));
            assertTrue(seen.stream().allMatch(e -> e.provider().equals("local") && !e.containerId().isEmpty()));
        }
    }

    @Test
    void subscribersShareOneStreamAndEachGetsEveryEventUntilItLeaves() throws Exception {
        List<ContainerEvent> first = new CopyOnWriteArrayList<>();
        List<ContainerEvent> second = new CopyOnWriteArrayList<>();
        AutoCloseable a = docker.subscribe(first::add);
        try (AutoCloseable b = docker.subscribe(second::add)) {
            String warm = sleeper("dm-pit-share-warm");
            await("both live", () -> first.stream().anyMatch(e -> e.containerName().equals(warm))
                    && second.stream().anyMatch(e -> e.containerName().equals(warm)));
            a.close();
            a.close(); // closing twice is harmless
            int firstBefore = first.size();
            String c = sleeper("dm-pit-share");
            await("the remaining subscriber still hears", () -> second.stream().anyMatch(e -> e.action() == ContainerEvent.Action.START
                    && e.containerName().equals(c)));
            assertEquals(firstBefore, first.size(), "a closed subscription hears nothing more");
        }
        // The last one left closed the stream; a new subscriber opens it again.
        List<ContainerEvent> third = new CopyOnWriteArrayList<>();
        try (AutoCloseable c = docker.subscribe(third::add)) {
            String again = sleeper("dm-pit-share-again");
            await("a fresh stream", () -> third.stream().anyMatch(e -> e.containerName().equals(again)));
        }
    }

    @Test
    void containerHealthIsReported() {
        String c = sleeper("dm-pit-health", "--health-cmd", "test -f /tmp/ok", "--health-interval", "1s", "--health-retries", "1");
        assertTrue(docker.inspect(c).health() != ContainerHealth.NONE);
        await("unhealthy", () -> docker.inspect(c).health() == ContainerHealth.UNHEALTHY);
        TestDocker.exec("exec", c, "touch", "/tmp/ok");
        await("healthy", () -> docker.inspect(c).health() == ContainerHealth.HEALTHY);
        assertTrue(docker.inspect(c).runningHealthy());
    }
}
