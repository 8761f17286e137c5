package dev.dormouse.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.TlsCertificate;
import dev.dormouse.core.testkit.ManualScheduler;
import dev.dormouse.tls.testkit.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateReloaderTest {
    static final TestCa CA = TestCa.create();
    @TempDir Path dir;
    private final ManualScheduler time = new ManualScheduler();

    @Test
    void tickReloadsAndRecordsWhenItPolled() throws Exception {
        TlsCertificate files = CA.issue("app.example.com").write(dir, "app");
        CertificateStore store = CertificateStore.open(List.of(files));
        Instant t = Instant.parse("2030-01-01T00:00:00Z");
        CertificateReloader reloader = new CertificateReloader(new CertificateReloader.Deps(store, Clock.fixed(t, ZoneOffset.UTC), time, Duration.ofSeconds(2)));
        assertEquals(Optional.empty(), reloader.lastPoll());
        assertFalse(reloader.tick());
        assertEquals(Optional.of(t), reloader.lastPoll());
        CA.issue("app.example.com", "b.example.com").write(dir, "app");
        Files.setLastModifiedTime(files.keyFile(), FileTime.from(Instant.now().plusSeconds(9)));
        assertTrue(reloader.tick());
        assertEquals(List.of("app.example.com", "b.example.com"), store.select("app.example.com").orElseThrow().names());
    }

    @Test
    void theWorkerPicksUpAChangedFileAndStops() throws Exception {
        TlsCertificate files = CA.issue("app.example.com").write(dir, "app");
        CertificateStore store = CertificateStore.open(List.of(files));
        try (CertificateReloader reloader = new CertificateReloader(new CertificateReloader.Deps(store, Clock.systemUTC(), time, Duration.ofMillis(20)))) {
            reloader.start();
            assertThrows(IllegalStateException.class, reloader::start);
            CA.issue("app.example.com", "c.example.com").write(dir, "app");
            Files.setLastModifiedTime(files.keyFile(), FileTime.from(Instant.now().plusSeconds(9)));
            time.advance(Duration.ofMillis(19));
            assertEquals(1, store.select("app.example.com").orElseThrow().names().size(), "no poll before the interval");
            time.advance(Duration.ofMillis(1));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (store.select("app.example.com").orElseThrow().names().size() < 2) {
                // Deadline of a wait for the poll the scheduler's advance ran on its thread.
                assertTrue(System.nanoTime() < deadline, "the new certificate was not loaded by the poll");
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
            }
        }
    }

    @Test
    void depsAreValidated() {
        CertificateStore store = CertificateStore.open(List.of());
        assertThrows(IllegalArgumentException.class, () -> new CertificateReloader.Deps(store, Clock.systemUTC(), time, Duration.ZERO));
        assertThrows(NullPointerException.class, () -> new CertificateReloader.Deps(null, Clock.systemUTC(), time, Duration.ofSeconds(1)));
    }
}
