package dev.dormouse.provider.proxmox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.provider.proxmox.sim.PveSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Servers (or proxies in front of PVE) that close connections: after every answer without saying so, or
 * after a keep-alive timeout. A stale connection must never fail an action, and an action must never
 * reach PVE twice. The failure this guards against is a race, so every case runs many cycles.
 */
class PveConnectionsTest {
    private static final int CYCLES = 50;
    /** Each cycle waits about a second twice out of three gaps, so fewer cycles. */
    private static final int IDLE_CYCLES = 30;

    @TempDir
    Path dir;
    private PveSimulator pve;
    private Provider provider;

    @BeforeEach
    void start() throws Exception {
        pve = new PveSimulator("root@pam!dormouse", "s3cr3t-uuid");
        pve.taskMillis = 10;
        pve.add("pve", "lxc", 100, "ct100", 0);
        pve.add("pve", "qemu", 200, "vm200", 0);
        Path f = dir.resolve("secret");
        Files.writeString(f, "s3cr3t-uuid\n");
        provider = new ProxmoxProviderFactory().create(new ProxmoxProviderConfig("pve", pve.url(), "root@pam!dormouse", f, Optional.empty(),
                false, Duration.ofSeconds(5)));
    }

    @AfterEach
    void stop() {
        provider.close();
        pve.close();
    }

    /** Wakes both guests, then puts them to sleep (the VM alternately by stop and by pause), {@code CYCLES} times. */
    private void cycles(int cycles, Runnable gap) {
        for (int i = 0; i < cycles; i++) {
            provider.start("pve/100");
            provider.start("pve/200");
            assertEquals(ContainerStatus.RUNNING, provider.inspect("pve/100").status(), "cycle " + i);
            assertEquals(ContainerStatus.RUNNING, provider.inspect("pve/200").status(), "cycle " + i);
            gap.run();
            provider.stop("pve/100", "SIGTERM", Duration.ofSeconds(5));
            if (i % 2 == 0) {
                provider.stop("pve/200", "SIGTERM", Duration.ofSeconds(5));
            } else {
                provider.pause("pve/200");
                assertEquals(ContainerStatus.PAUSED, provider.inspect("pve/200").status(), "cycle " + i);
                provider.unpause("pve/200");
                provider.kill("pve/200", "SIGKILL");
            }
            assertEquals(ContainerStatus.STOPPED, provider.inspect("pve/100").status(), "cycle " + i);
            assertEquals(ContainerStatus.STOPPED, provider.inspect("pve/200").status(), "cycle " + i);
            gap.run();
        }
    }

    @Test
    void actionsSucceedWhenTheServerClosesAfterEveryAnswerWithoutSaying() {
        pve.closeAfterEveryAnswer();
        cycles(CYCLES, () -> { });
        assertEquals(CYCLES, pve.hits("/nodes/pve/lxc/100/status/start"), "each start sent exactly once");
        assertEquals(CYCLES / 2, pve.hits("/nodes/pve/qemu/200/status/suspend"), "each pause sent exactly once");
    }

    @Test
    void actionsSucceedAcrossAOneSecondKeepAliveTimeout() {
        pve.keepAliveTimeout(1000, false);
        int[] n = {0};
        cycles(IDLE_CYCLES, () -> {
            int kind = n[0]++ % 3;
            if (kind == 1) {
                // just after the server closed an idle connection
                int closes = pve.idleCloses();
                ProxmoxProviderTest.await("an idle close", () -> pve.idleCloses() > closes);
            } else if (kind == 2) {
                // just before it would: idle for 900..990 ms
                long idle = 900 + (n[0] * 37L) % 91;
                ProxmoxProviderTest.await("idle " + idle + " ms", () -> pve.longestIdleMillis() >= idle);
            }
        });
        assertTrue(pve.idleCloses() >= IDLE_CYCLES / 2, "the server did close idle connections: " + pve.idleCloses());
        assertEquals(IDLE_CYCLES, pve.hits("/nodes/pve/lxc/100/status/start"), "each start sent exactly once");
    }

    @Test
    void anActionWhoseAnswerIsLostIsNotSentAgain() {
        pve.cutNextAction = true;
        ProviderException e = assertThrows(ProviderException.class, () -> provider.start("pve/100"));
        assertEquals(ProviderException.Reason.UNAVAILABLE, e.reason());
        assertTrue(e.getMessage().startsWith("proxmox pve: start guest pve/100: "), e.getMessage());
        assertEquals(1, pve.hits("/nodes/pve/lxc/100/status/start"), "the start reached PVE exactly once");
        ProxmoxProviderTest.await("the start PVE ran anyway", () -> pve.guest(100).status().equals("running"));
        provider.stop("pve/100", "SIGTERM", Duration.ofSeconds(5));
        assertEquals(ContainerStatus.STOPPED, provider.inspect("pve/100").status(), "the next action works");
    }

    @Test
    void anAnnouncedKeepAliveTimeoutIsHonoured() {
        pve.keepAliveTimeout(2000, true);
        provider.inspect("pve/100");
        ProxmoxProviderTest.await("idle past the announced timeout less a second", () -> pve.longestIdleMillis() >= 1100);
        provider.inspect("pve/100");
        assertEquals(2, pve.connections(), "a connection near its announced timeout is not reused");
        provider.inspect("pve/100");
        assertEquals(2, pve.connections(), "a fresh one is");
    }

    @Test
    void atMostFourIdleConnectionsAreKept() throws Exception {
        pve.answerDelayMillis = 200;
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var all = new java.util.ArrayList<java.util.concurrent.Future<?>>();
            for (int i = 0; i < 12; i++) all.add(pool.submit(() -> provider.inspect("pve/200")));
            for (var f : all) f.get();
        }
        assertTrue(pve.connections() > PveHttp.MAX_IDLE, "concurrent reads opened " + pve.connections() + " connections");
        ProxmoxProviderTest.await("the pool trimmed to " + PveHttp.MAX_IDLE, () -> pve.idleConnections() == PveHttp.MAX_IDLE);
    }
}
