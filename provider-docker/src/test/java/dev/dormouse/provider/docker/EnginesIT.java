package dev.dormouse.provider.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.spi.ContainerHealth;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.provider.docker.testkit.TestDocker;
import dev.dormouse.provider.docker.testkit.TestEngines;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The providers against the extra engines of scripts/test-engines.sh: Docker over TLS, a Swarm manager, Podman. */
class EnginesIT {
    @BeforeAll
    static void engines() {
        TestEngines.ensure();
    }

    @AfterEach
    void cleanup() {
        TestEngines.removeAll();
    }

    private static DockerProvider tlsProvider(String name, java.nio.file.Path cert, java.nio.file.Path key) {
        TestEngines.Tls t = TestEngines.tls();
        return (DockerProvider) new DockerProviderFactory().create(new DockerProviderConfig(name, t.host(), false,
                Optional.of(new DockerTls(t.caFile(), cert, key))));
    }

    /** A busybox httpd on 127.0.0.1:port of the host's network that answers {@code body} and exits on SIGTERM (no init process needed). */
    static String[] httpd(int port, String body) {
        return new String[] {"--network", "host", TestDocker.IMAGE, "sh", "-c", "echo '" + body + "' > /www/index.html && "
            + "trap 'kill $pid; exit 0' TERM; httpd -f -p 127.0.0.1:" + port + " -h /www & pid=$!; wait"};
    }

    /** The body of {@code GET /} from 127.0.0.1:port over HTTP/1.0 (this module reads no HTTP client), or the failure's name. */
    static String get(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET / HTTP/1.0\r\nHost: t\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            int body = answer.indexOf("\r\n\r\n");
            return body < 0 ? answer : answer.substring(body + 4).strip();
        } catch (IOException e) {
            return "(" + e.getClass().getSimpleName() + ")";
        }
    }

    @Test
    void aContainerOfTheTlsEngineIsDrivenAndFollowedOverTls() {
        TestEngines.Tls t = TestEngines.tls();
        try (DockerProvider p = tlsProvider("tls", t.certFile(), t.keyFile())) {
            assertTrue(p.check().orElseThrow().server().startsWith("Docker "), "the engine answered over TLS");
            List<ContainerEvent> events = new CopyOnWriteArrayList<>();
            try (AutoCloseable sub = p.subscribe(events::add)) {
                DockerProviderIT.await("connected", () -> p.status().connected());
                int port = TestDocker.freePort();
                String c = "dm-eng-tls-" + port;
                TestEngines.run(t.socket(), c, httpd(port, "over tls"));
                TestDocker.waitForPort(port, Duration.ofSeconds(20));
                assertEquals(ContainerStatus.RUNNING, p.inspect(c).status());
                assertEquals(Optional.of(InetSocketAddress.createUnresolved("127.0.0.1", port)), p.address(c, "tcp", port),
                        "host networking on a tcp:// engine: its host, at the container's port");
                p.stop(c, "SIGTERM", Duration.ofSeconds(5));
                assertEquals("exited", TestEngines.status(t.socket(), c));
                p.start(c);
                TestDocker.waitForPort(port, Duration.ofSeconds(20));
                assertEquals("over tls", get(port));
                DockerProviderIT.await("stop and start events over TLS", () -> events.stream().anyMatch(e -> e.containerName().equals(c)
                        && e.action() == ContainerEvent.Action.STOP) && events.stream().filter(e -> e.containerName().equals(c)
                        && e.action() == ContainerEvent.Action.START).count() >= 2);
                assertTrue(events.stream().allMatch(e -> e.provider().equals("tls")));
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aRefusedClientCertificateAndAnUntrustedEngineAreTlsErrorsOfThatProviderOnly() {
        TestEngines.Tls t = TestEngines.tls();
        try (DockerProvider rogue = tlsProvider("rogue", t.rogueCertFile(), t.rogueKeyFile())) {
            ProviderException e = assertThrows(ProviderException.class, rogue::check);
            assertEquals(ProviderException.Reason.UNAUTHORIZED, e.reason(), e.getMessage());
            assertTrue(e.getMessage().startsWith("docker rogue: ping engine: TLS handshake with " + t.host() + " failed: "), e.getMessage());
            assertTrue(e.getMessage().endsWith("(check tls.ca_file, cert_file and key_file against the engine's --tlscacert)"), e.getMessage());
            try (AutoCloseable sub = rogue.subscribe(ev -> { })) {
                DockerProviderIT.await("the TLS error as the provider's state",
                        () -> rogue.status().lastError().map(m -> m.contains("TLS handshake")).orElse(false));
                assertFalse(rogue.status().connected());
            }
            ProviderException inspect = assertThrows(ProviderException.class, () -> rogue.inspect("anything"));
            assertEquals(ProviderException.Reason.UNAUTHORIZED, inspect.reason());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        // The rogue CA as ca_file: the engine's certificate is not trusted, whatever dormouse presents.
        try (DockerProvider p = (DockerProvider) new DockerProviderFactory().create(new DockerProviderConfig("untrusted", t.host(), false,
                Optional.of(new DockerTls(t.rogueCertFile(), t.certFile(), t.keyFile()))))) {
            ProviderException e = assertThrows(ProviderException.class, p::check);
            assertEquals(ProviderException.Reason.UNAUTHORIZED, e.reason());
            assertTrue(e.getMessage().contains("TLS handshake"), e.getMessage());
        }
    }

    @Test
    void aContainerOfARemoteEngineIsReachedAtItsPublishedPort() {
        TestEngines.Tls t = TestEngines.tls();
        if (!TestEngines.docker(t.socket(), "network", "ls", "--format", "{{.Name}}").lines().toList().contains("dormouse-test")) {
            TestEngines.docker(t.socket(), "network", "create", "dormouse-test");
        }
        String c = "dm-eng-pub-" + TestDocker.freePort();
        TestEngines.run(t.socket(), c, "--network", "dormouse-test", "-p", "127.0.0.1::8080", "--init", TestDocker.IMAGE, "sh", "-c",
                "echo published > /www/index.html && exec httpd -f -p 8080 -h /www");
        int published = Integer.parseInt(TestEngines.docker(t.socket(), "port", c, "8080/tcp").strip().replaceAll(".*:", ""));
        try (DockerProvider p = tlsProvider("far", t.certFile(), t.keyFile())) {
            InetSocketAddress at = p.address(c, "tcp", 8080).orElseThrow();
            assertEquals(List.of("127.0.0.1", published), List.of(at.getHostString(), at.getPort()), "the engine's host, at the published port");
            DockerProviderIT.await("the container answers there", () -> get(at.getPort()).equals("published"));
            ProviderException e = assertThrows(ProviderException.class, () -> p.address(c, "tcp", 9090));
            assertEquals("docker far: reach container '" + c + "': port 9090/tcp of container '" + c
                    + "' is not published; a container of a remote engine is reached at a port published on the engine's host (docker run -p 9090)",
                    e.getMessage());
        }
    }

    @Test
    void aSwarmServiceScalesToZeroAndBackAndItsEventsSayItStoppedAndStarted() throws Exception {
        int port = TestDocker.freePort();
        String name = "dm-eng-svc-" + port;
        // Both replicas share the host's network: the one that cannot bind the port waits instead, and still runs
        // (an httpd that exits would be restarted every 5 s, and both would run only now and then).
        TestEngines.service(name, "--network", "host", "--replicas", "2", "--label", "dormouse.enable=true", TestDocker.IMAGE, "sh", "-c",
                "echo service > /www/index.html && (httpd -f -p 127.0.0.1:" + port + " -h /www || exec sleep 3600)");
        try (Provider p = new SwarmProviderFactory().create(new SwarmProviderConfig("sw", TestEngines.swarm(), true, Optional.empty()))) {
            assertTrue(p.check().orElseThrow().server().endsWith("(swarm manager)"));
            List<ContainerEvent> events = new CopyOnWriteArrayList<>();
            try (AutoCloseable sub = p.subscribe(events::add)) {
                DockerProviderIT.await("connected", () -> p.status().connected());
                DockerProviderIT.await("both tasks run", () -> p.inspect(name).health() == ContainerHealth.NONE);
                ContainerState up = p.inspect(name);
                assertEquals(ContainerStatus.RUNNING, up.status());
                assertEquals("true", up.labels().get("dormouse.enable"));
                assertTrue(p.list().stream().anyMatch(s -> s.name().equals(name) && s.status() == ContainerStatus.RUNNING));
                assertEquals(Optional.of(InetSocketAddress.createUnresolved("127.0.0.1", port)), p.address(name, "tcp", port));

                assertEquals(2, p.scale(name, 0, Duration.ofSeconds(5)), "the count it had");
                assertEquals("0/0", TestEngines.replicas(name), "no task runs once the scale returns");
                assertEquals(ContainerStatus.STOPPED, p.inspect(name).status());
                assertEquals(Optional.empty(), p.address(name, "tcp", port), "no task, no address");
                DockerProviderIT.await("the scale to 0 as a stop", () -> events.stream().anyMatch(e -> e.containerName().equals(name)
                        && e.action() == ContainerEvent.Action.STOP));

                TestEngines.docker(TestEngines.swarm(), "service", "scale", "-d", name + "=1");
                DockerProviderIT.await("a scale from 0 by hand as a start", () -> events.stream().anyMatch(e -> e.containerName().equals(name)
                        && e.action() == ContainerEvent.Action.START));
                DockerProviderIT.await("the task's own events, as looks at the service", () -> events.stream().anyMatch(e -> e.containerName().equals(name)
                        && e.action() == ContainerEvent.Action.HEALTH_STATUS && "start".equals(e.attributes().get("task.action"))));
                DockerProviderIT.await("it answers", () -> get(port).equals("service"));
                assertEquals(1, p.scale(name, 1, Duration.ZERO), "already at 1: nothing to do");
                ProviderException pause = assertThrows(ProviderException.class, () -> p.pause(name));
                assertEquals("swarm sw: pause service '" + name + "': a Swarm service cannot be paused; use stop_method stop (it scales the service to 0)",
                        pause.getMessage());
                assertEquals(ContainerStatus.MISSING, p.inspect("dm-eng-no-such-service").status());
            }
        }
    }

    @Test
    void podmanThroughItsDockerSocketIsADockerEngine() throws Exception {
        Optional<String> socket = TestEngines.podman();
        Assumptions.assumeTrue(socket.isPresent(), "Podman cannot run here: " + TestEngines.podmanUnavailable());
        try (Provider p = new DockerProviderFactory().create(new DockerProviderConfig("podman", socket.get(), false))) {
            assertTrue(p.check().isPresent());
            List<ContainerEvent> events = new CopyOnWriteArrayList<>();
            try (AutoCloseable sub = p.subscribe(events::add)) {
                DockerProviderIT.await("connected", () -> p.status().connected());
                int port = TestDocker.freePort();
                String c = "dm-eng-pod-" + port;
                TestEngines.run(socket.get(), c, httpd(port, "podman"));
                TestDocker.waitForPort(port, Duration.ofSeconds(20));
                assertEquals(ContainerStatus.RUNNING, p.inspect(c).status());
                assertEquals(Optional.of(InetSocketAddress.createUnresolved("127.0.0.1", port)), p.address(c, "tcp", port));
                p.stop(c, "SIGTERM", Duration.ofSeconds(5));
                assertEquals(ContainerStatus.STOPPED, p.inspect(c).status());
                p.start(c);
                TestDocker.waitForPort(port, Duration.ofSeconds(20));
                p.pause(c);
                assertEquals(ContainerStatus.PAUSED, p.inspect(c).status());
                p.unpause(c);
                assertEquals("podman", get(port));
                DockerProviderIT.await("Podman's events in Docker's words", () -> events.stream().anyMatch(e -> e.containerName().equals(c)
                        && e.action() == ContainerEvent.Action.DIE) && events.stream().anyMatch(e -> e.containerName().equals(c)
                        && e.action() == ContainerEvent.Action.UNPAUSE));
            }
        }
    }
}
