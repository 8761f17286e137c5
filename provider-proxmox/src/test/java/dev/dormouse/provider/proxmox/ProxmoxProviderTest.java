package dev.dormouse.provider.proxmox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dormouse.core.spi.ContainerEvent;
import dev.dormouse.core.testkit.ManualScheduler;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.provider.proxmox.sim.PveSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxmoxProviderTest {
    @TempDir
    Path dir;
    private PveSimulator pve;
    private Provider provider;
    /** The polls' interval. */
    private final ManualScheduler time = new ManualScheduler();

    /** Lets one poll interval pass once the poller waits for it (its poll before is done). */
    private void nextPoll() {
        time.awaitPending(1);
        time.advance(Duration.ofMillis(100));
    }

    @BeforeEach
    void start() throws Exception {
        pve = new PveSimulator("root@pam!dormouse", "s3cr3t-uuid");
        pve.taskMillis = 100;
        pve.add("pve", "lxc", 100, "ct100", 0);
        pve.add("pve", "qemu", 200, "vm200", 0);
        provider = provider("s3cr3t-uuid", Duration.ofMillis(100));
    }

    @AfterEach
    void stop() {
        provider.close();
        pve.close();
    }

    private Provider provider(String secret, Duration poll) throws Exception {
        Path f = dir.resolve("secret-" + secret.hashCode());
        Files.writeString(f, secret + "\n");
        return new ProxmoxProviderFactory().create(new ProxmoxProviderConfig("pve", pve.url(), "root@pam!dormouse", f, Optional.empty(), false, poll),
                time);
    }

    static void await(String what, BooleanSupplier c) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            // Time of the test, not the code's: the deadline of a wait for a condition.
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            LockSupport.parkNanos(10_000_000L);
        }
    }

    @Test
    void bothGuestKindsStartStopAndKill() {
        for (String g : List.of("pve/100", "pve/200")) {
            assertEquals(ContainerStatus.STOPPED, provider.inspect(g).status());
            provider.start(g);
            assertEquals(ContainerStatus.RUNNING, provider.inspect(g).status());
            provider.start(g); // already running: no task
            provider.stop(g, "SIGTERM", Duration.ofSeconds(5));
            assertEquals(ContainerStatus.STOPPED, provider.inspect(g).status());
            provider.start(g);
            provider.kill(g, "SIGKILL");
            assertEquals(ContainerStatus.STOPPED, provider.inspect(g).status());
        }
        assertEquals("lxc", provider.inspect("pve/100").image());
        assertEquals("qemu", provider.inspect("pve/200").image());
        assertEquals(ContainerStatus.MISSING, provider.inspect("pve/999").status());
    }

    @Test
    void guestAddressesComeFromLxcInterfacesAndTheQemuAgent() {
        pve.guest(100).at("10.0.0.5");
        pve.guest(200).at("10.0.0.6").agentDelayMillis = 60_000;
        ProviderException stopped = assertThrows(ProviderException.class, () -> provider.address("pve/100"));
        assertTrue(stopped.getMessage().contains("pve/100") && stopped.getMessage().contains("CT 100 not running"), stopped.getMessage());
        provider.start("pve/100");
        provider.start("pve/200");
        assertEquals(Optional.of("10.0.0.5"), provider.address("pve/100"), "eth0, not lo");
        ProviderException agent = assertThrows(ProviderException.class, () -> provider.address("pve/200"));
        assertTrue(agent.getMessage().contains("QEMU guest agent is not running"), agent.getMessage());
        pve.guest(200).agentDelayMillis = 0;
        assertEquals(Optional.of("10.0.0.6"), provider.address("pve/200"), "the IPv4 address, not lo or the IPv6 link-local one");
        assertEquals(Optional.empty(), ProxmoxProvider.usable("169.254.3.4"));
        assertEquals(Optional.empty(), ProxmoxProvider.usable("fe80::1"));
    }

    @Test
    void anActionsBoundCoversItsTaskWaitAndTheRequestsAroundIt() {
        Duration requests = PveClient.REQUEST_BOUND.multipliedBy(5);
        for (Provider.Action a : List.of(Provider.Action.START, Provider.Action.KILL, Provider.Action.PAUSE, Provider.Action.UNPAUSE,
                Provider.Action.REMOVE)) {
            assertEquals(Duration.ofMinutes(2).plus(requests), provider.actionBound(a, Duration.ofSeconds(10)), a.name());
        }
        assertEquals(Duration.ofMinutes(2).plus(Duration.ofMinutes(5)).plus(requests), provider.actionBound(Provider.Action.STOP, Duration.ofMinutes(5)),
                "a shutdown's task is followed for its timeout on top");
        assertEquals(PveClient.REQUEST_BOUND.multipliedBy(2), provider.actionBound(Provider.Action.INSPECT, Duration.ZERO));
    }

    @Test
    void qemuPausesAndLxcSaysItCannot() {
        provider.start("pve/200");
        provider.pause("pve/200");
        assertEquals(ContainerStatus.PAUSED, provider.inspect("pve/200").status());
        provider.unpause("pve/200");
        assertEquals(ContainerStatus.RUNNING, provider.inspect("pve/200").status());
        provider.start("pve/100");
        ProviderException e = assertThrows(ProviderException.class, () -> provider.pause("pve/100"));
        assertTrue(e.getMessage().contains("pausing LXC guests is not supported"), e.getMessage());
    }

    @Test
    void failuresNameNodeVmidAndPvesText() throws Exception {
        pve.guest(100).failNextTask("command 'lxc-start -F -n 100' failed: exit code 1");
        ProviderException failed = assertThrows(ProviderException.class, () -> provider.start("pve/100"));
        assertEquals("proxmox pve: start guest pve/100: task failed: command 'lxc-start -F -n 100' failed: exit code 1", failed.getMessage());

        Provider wrong = provider("not-the-secret", Duration.ofSeconds(5));
        ProviderException denied = assertThrows(ProviderException.class, () -> wrong.inspect("pve/100"));
        assertEquals(ProviderException.Reason.UNAUTHORIZED, denied.reason());
        assertTrue(denied.getMessage().startsWith("proxmox pve: inspect guest pve/100: 401 authentication failure (check token_id"), denied.getMessage());
        assertFalse(denied.getMessage().contains("not-the-secret"), "the secret must never appear");
        wrong.close();

        pve.failAll = 596;
        ProviderException broken = assertThrows(ProviderException.class, () -> provider.inspect("pve/200"));
        assertEquals(ProviderException.Reason.UNAVAILABLE, broken.reason());
        assertTrue(broken.getMessage().contains("596 broken connection"), broken.getMessage());
        pve.failAll = 0;
    }

    @Test
    void aUrlWithoutAHostIsRefusedByName() throws Exception {
        Path f = dir.resolve("s");
        Files.writeString(f, "x");
        ProviderException e = assertThrows(ProviderException.class, () -> new ProxmoxProviderFactory().create(
                new ProxmoxProviderConfig("pve", "https://:8006", "root@pam!dormouse", f, Optional.empty(), false, Duration.ofSeconds(5))));
        assertEquals("proxmox pve: url 'https://:8006' names no host", e.getMessage());
    }

    @Test
    void checkAsksForTheVersionWithTheToken() throws Exception {
        assertEquals(Optional.of(new dev.dormouse.core.spi.ProviderCheck("PVE 8.2.4", Optional.empty())), provider.check());
        Provider wrong = provider("not-the-secret", Duration.ofSeconds(5));
        ProviderException denied = assertThrows(ProviderException.class, wrong::check);
        assertEquals(ProviderException.Reason.UNAUTHORIZED, denied.reason());
        assertEquals("proxmox pve: check: 401 authentication failure (check token_id and the secret in token_secret_file): authentication failure",
                denied.getMessage());
        wrong.close();
    }

    @Test
    void tlsIsVerifiedUnlessPinnedOrSkipped() throws Exception {
        Path ks = dir.resolve("pve.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", "pve",
                "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=pve.lan", "-validity", "2", "-storetype", "PKCS12", "-keystore",
                ks.toString(), "-storepass", "changeit").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        byte[] der = store.getCertificate("pve").getEncoded();
        String fp = java.util.HexFormat.ofDelimiter(":").withUpperCase()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(der));
        try (PveSimulator tls = new PveSimulator("root@pam!dormouse", "s3cr3t-uuid", ctx)) {
            tls.add("pve", "qemu", 300, "vm300", 0);
            Path f = dir.resolve("tls-secret");
            Files.writeString(f, "s3cr3t-uuid");
            java.util.function.BiFunction<Optional<String>, Boolean, Provider> make = (pin, insecure) -> new ProxmoxProviderFactory().create(
                    new ProxmoxProviderConfig("pve", tls.url(), "root@pam!dormouse", f, pin, insecure, Duration.ofSeconds(5)));
            ProviderException untrusted = assertThrows(ProviderException.class, () -> make.apply(Optional.empty(), false).inspect("pve/300"));
            assertTrue(untrusted.getMessage().contains("SSLHandshakeException"), untrusted.getMessage());
            assertEquals(ContainerStatus.STOPPED, make.apply(Optional.of(fp), false).inspect("pve/300").status());
            String other = "00" + fp.substring(2);
            ProviderException mismatch = assertThrows(ProviderException.class, () -> make.apply(Optional.of(other), false).inspect("pve/300"));
            assertTrue(mismatch.getMessage().contains("SSLHandshakeException"), mismatch.getMessage());
            assertEquals(ContainerStatus.STOPPED, make.apply(Optional.empty(), true).inspect("pve/300").status());
        }
    }

    @Test
    void guestChangesArriveFromOnePollPerInterval() throws Exception {
        for (int i = 0; i < 200; i++) pve.add("pve", i % 2 == 0 ? "lxc" : "qemu", 1000 + i, "g" + i, 0);
        List<ContainerEvent> seen = new CopyOnWriteArrayList<>();
        try (AutoCloseable a = provider.subscribe(seen::add); AutoCloseable b = provider.subscribe(e -> { })) {
            await("the first poll, at once", () -> pve.hits("/cluster/resources") == 1);
            nextPoll();
            await("the second poll, one interval later", () -> pve.hits("/cluster/resources") == 2);
            pve.external(1005, true);
            nextPoll();
            await("start event", () -> seen.stream().anyMatch(e -> e.containerName().equals("pve/1005") && e.action() == ContainerEvent.Action.START));
            pve.external(1005, false);
            nextPoll();
            await("stop event", () -> seen.stream().anyMatch(e -> e.containerName().equals("pve/1005") && e.action() == ContainerEvent.Action.STOP));
            int before = pve.hits("/cluster/resources");
            int statusBefore = pve.hits("/nodes/");
            for (int i = 0; i < 10; i++) nextPoll();
            await("ten polls", () -> pve.hits("/cluster/resources") == before + 10);
            time.awaitPending(1);
            assertEquals(before + 10, pve.hits("/cluster/resources"), "one poll per interval for 202 guests and two subscribers");
            assertEquals(statusBefore, pve.hits("/nodes/"), "no per-guest requests");
        }
    }
}
