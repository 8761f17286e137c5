package dev.dormouse.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.AcmeConfig;
import dev.dormouse.core.testkit.ManualScheduler;
import dev.dormouse.tls.testkit.TestCa;
import dev.dormouse.tls.testkit.TestClock;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcmeWorkerTest {
    static final TestCa CA = TestCa.create();
    static final AcmeConfig ACME = new AcmeConfig(Optional.empty(), URI.create("https://ca.example/dir"), Optional.empty(), AcmeConfig.Challenge.HTTP_01);
    static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    @TempDir Path dir;
    final TestClock clock = new TestClock(T0);
    /** When ticks run. */
    final ManualScheduler time = new ManualScheduler();
    final CertificateStore store = CertificateStore.open(List.of());
    final AcmeChallenges challenges = new AcmeChallenges();
    final FakeIssuer issuer = new FakeIssuer();
    Set<String> hosts = new HashSet<>();

    /** Signs with the test CA for 90 days from the worker's clock; fails while {@code failing}. */
    final class FakeIssuer implements dev.dormouse.tls.spi.CertificateIssuer {
        final List<String> orders = new CopyOnWriteArrayList<>();
        volatile boolean failing;
        volatile CountDownLatch hold;
        volatile CountDownLatch entered = new CountDownLatch(1);

        @Override
        public List<X509Certificate> issue(String host, KeyPair key) throws InterruptedException {
            orders.add(host);
            entered.countDown();
            if (hold != null) hold.await();
            if (failing) throw new TlsException("tls acme: obtain certificate for '" + host + "': connection refused (https://ca.example/dir)");
            return CA.issue(key, clock.instant(), clock.instant().plus(Duration.ofDays(90)), host, List.of(host)).chain();
        }

        @Override
        public void close() {}
    }

    /** The ACME client, counting how often the worker asked for it. */
    final java.util.concurrent.atomic.AtomicInteger factoryCalls = new java.util.concurrent.atomic.AtomicInteger();

    java.util.function.Supplier<dev.dormouse.tls.spi.AcmeIssuerFactory> fake(FakeIssuer i) {
        return () -> {
            factoryCalls.incrementAndGet();
            return (config, accountKey, ch, limits) -> i;
        };
    }

    AcmeWorker worker(AcmeWorker.Limits limits) {
        return new AcmeWorker(new AcmeWorker.Deps(ACME, dir, store, challenges, () -> hosts, clock, time, Duration.ofSeconds(30), limits, fake(issuer)));
    }

    @Test
    void ordersEveryUncoveredHostButNotWildcardsFileHostsOrNonDnsNames() throws Exception {
        store.reconfigure(List.of(CA.issue("*.files.example.com", "exact.example.com").write(dir, "files")));
        hosts = Set.of("App.example.org", "*.wild.example.org", "a.files.example.com", "exact.example.com", "127.0.0.1", "localhost", "bad_name.example");
        AcmeWorker w = worker(AcmeWorker.Limits.DEFAULTS);
        w.tick();
        assertEquals(List.of("app.example.org"), issuer.orders);
        assertEquals(Source.ACME, store.select("app.example.org").orElseThrow().source());
        assertEquals(List.of("app.example.org"), w.status().stream().map(HostCertificate::host).toList());
    }

    @Test
    void storesFilesPrivatelyAndARestartServesThemInTheSameOrderWithoutOrdering() throws Exception {
        hosts = new HashSet<>(Set.of("b.example.org", "a.example.org"));
        worker(AcmeWorker.Limits.DEFAULTS).tick();
        Path caDir = dir.resolve("acme/ca.example-dir");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir.resolve("certs/a.example.org.pem"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir.resolve("account.key"))));
        try (var leftovers = Files.list(caDir.resolve("certs"))) {
            assertEquals(Set.of("a.example.org.pem", "b.example.org.pem"), leftovers.map(p -> p.getFileName().toString()).collect(Collectors.toSet()),
                    "no temporary files left behind");
        }
        Files.writeString(caDir.resolve("certs/garbage.example.org.pem"), "garbage");
        Files.writeString(caDir.resolve("certs/..pem"), "garbage");

        CertificateStore restarted = CertificateStore.open(List.of());
        FakeIssuer second = new FakeIssuer();
        AcmeWorker w = new AcmeWorker(new AcmeWorker.Deps(ACME, dir, restarted, challenges, () -> hosts, clock, time, Duration.ofSeconds(30), AcmeWorker.Limits.DEFAULTS, fake(second)));
        assertEquals(2, w.load(), "unreadable files are skipped");
        assertEquals(store.select("a.example.org").orElseThrow().chain(), restarted.select("a.example.org").orElseThrow().chain());
        assertEquals(List.of("a.example.org"), restarted.fallback().orElseThrow().names(), "the fallback stays the same across restarts");
        w.tick();
        assertEquals(List.of(), second.orders, "stored certificates are not ordered again");
        assertEquals(AcmeStorage.caName(URI.create("https://acme-v02.api.letsencrypt.org/directory")), "acme-v02.api.letsencrypt.org-directory");
        assertEquals(AcmeStorage.caName(URI.create("https://127.0.0.1:14000/dir")), "127.0.0.1-14000-dir");
    }

    @Test
    void renewsAfterTwoThirdsOfTheLifetime() {
        hosts = Set.of("app.example.org");
        AcmeWorker w = worker(AcmeWorker.Limits.DEFAULTS);
        w.tick();
        CertificateEntry first = store.select("app.example.org").orElseThrow();
        assertEquals(Optional.of(T0.plus(Duration.ofDays(60))), store.status("app.example.org").orElseThrow().nextAttempt());
        clock.set(T0.plus(Duration.ofDays(60)).minusSeconds(1));
        w.tick();
        assertEquals(1, issuer.orders.size());
        clock.set(T0.plus(Duration.ofDays(60)));
        w.tick();
        assertEquals(2, issuer.orders.size());
        assertFalse(first.chain().equals(store.select("app.example.org").orElseThrow().chain()));
    }

    @Test
    void failuresBackOffPerHostAndNeverRemoveAWorkingCertificate() {
        hosts = Set.of("app.example.org");
        AcmeWorker w = worker(AcmeWorker.Limits.DEFAULTS);
        w.tick();
        CertificateEntry working = store.select("app.example.org").orElseThrow();
        issuer.failing = true;
        clock.set(AcmeWorker.renewAt(working));
        List<Duration> pauses = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            w.tick();
            Instant next = store.status("app.example.org").orElseThrow().nextAttempt().orElseThrow();
            pauses.add(Duration.between(clock.instant(), next));
            w.tick(); // not due yet: no order
            clock.set(next);
        }
        assertEquals(List.of(1L, 2L, 4L, 8L, 16L, 32L, 64L, 128L, 256L, 360L, 360L, 360L), pauses.stream().map(Duration::toMinutes).toList());
        assertEquals(13, issuer.orders.size());
        assertEquals(working, store.select("app.example.org").orElseThrow());
        assertEquals(Optional.of("tls acme: obtain certificate for 'app.example.org': connection refused (https://ca.example/dir)"),
                store.status("app.example.org").orElseThrow().lastError());
        issuer.failing = false;
        w.tick();
        assertEquals(Optional.empty(), store.status("app.example.org").orElseThrow().lastError());
        assertEquals(AcmeWorker.backoff(1, AcmeWorker.Limits.DEFAULTS), Duration.ofMinutes(1), "a success resets the backoff");
    }

    @Test
    void aFailingHostDoesNotStarveTheOthersAndEachTickIsBounded() {
        hosts = IntStream.range(0, 10).mapToObj(i -> "h" + i + ".example.org").collect(Collectors.toSet());
        AcmeWorker w = worker(new AcmeWorker.Limits(3, 1000, Duration.ofMinutes(1), Duration.ofHours(6), Duration.ofMinutes(2), Duration.ofMillis(10)));
        w.tick();
        assertEquals(List.of("h0.example.org", "h1.example.org", "h2.example.org"), issuer.orders);
        w.tick();
        w.tick();
        w.tick();
        assertEquals(10, issuer.orders.size());
        assertEquals(10, w.status().size());
    }

    @Test
    void theNumberOfHostsFollowedIsBounded() {
        hosts = IntStream.range(0, 2000).mapToObj(i -> String.format("h%04d.example.org", i)).collect(Collectors.toSet());
        AcmeWorker w = worker(new AcmeWorker.Limits(5, 100, Duration.ofMinutes(1), Duration.ofHours(6), Duration.ofMinutes(2), Duration.ofMillis(10)));
        for (int i = 0; i < 30; i++) w.tick();
        assertEquals(100, w.status().size());
        assertEquals(100, issuer.orders.size());
        assertEquals("h0099.example.org", w.status().getLast().host());
    }

    @Test
    void hostsThatLeaveAreForgottenAndOneTickRunsAtATime() throws Exception {
        hosts = Set.of("a.example.org");
        AcmeWorker w = worker(AcmeWorker.Limits.DEFAULTS);
        issuer.hold = new CountDownLatch(1);
        Thread t = Thread.ofVirtual().start(w::tick);
        assertTrue(issuer.entered.await(10, TimeUnit.SECONDS));
        w.tick(); // returns at once: the other tick holds the order
        assertEquals(1, issuer.orders.size());
        issuer.hold.countDown();
        t.join(10_000);
        hosts = Set.of("b.example.org");
        w.tick();
        assertEquals(List.of("b.example.org"), w.status().stream().map(HostCertificate::host).toList());
        assertTrue(store.select("a.example.org").orElseThrow().names().contains("b.example.org"), "a.example.org now gets the fallback");
        hosts = Set.of("a.example.org", "b.example.org");
        w.tick();
        assertEquals(List.of("a.example.org", "b.example.org"), issuer.orders, "a host that comes back gets its stored certificate, no new order");
        assertEquals(List.of("a.example.org"), store.select("a.example.org").orElseThrow().names());
    }

    @Test
    void theWorkerThreadTicksAndStopsWithinItsBound() throws Exception {
        hosts = Set.of("a.example.org");
        AcmeWorker w = new AcmeWorker(new AcmeWorker.Deps(ACME, dir, store, challenges, () -> hosts, clock, time, Duration.ofMillis(20), AcmeWorker.Limits.DEFAULTS, fake(issuer)));
        w.start();
        assertThrows(IllegalStateException.class, w::start);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store.select("a.example.org").isEmpty()) {
            // Deadline of a wait for the worker's first pass, which runs at start, not on a timer.
            assertTrue(System.nanoTime() < deadline, "the worker did not order at start");
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
        }
        issuer.hold = new CountDownLatch(1); // the next order blocks until interrupted
        issuer.entered = new CountDownLatch(1);
        clock.advance(Duration.ofDays(61));
        time.advance(Duration.ofMillis(20));
        assertTrue(issuer.entered.await(10, TimeUnit.SECONDS), "the next tick, an interval later, renews");
        long started = System.nanoTime();
        w.close();
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(6));
        assertTrue(store.select("a.example.org").isPresent(), "the interrupted renewal left the certificate");
    }

    @Test
    void theAcmeClientIsAskedForAtTheFirstOrderOnly() throws Exception {
        hosts = Set.of("app.example.org");
        worker(AcmeWorker.Limits.DEFAULTS).tick();
        CertificateStore restarted = CertificateStore.open(List.of());
        AcmeWorker w = new AcmeWorker(new AcmeWorker.Deps(ACME, dir, restarted, challenges, () -> hosts, clock, time, Duration.ofSeconds(30), AcmeWorker.Limits.DEFAULTS, fake(issuer)));
        factoryCalls.set(0);
        w.load();
        w.tick();
        w.status();
        assertEquals(0, factoryCalls.get(), "with every certificate stored and fresh, no ACME client is loaded");
        clock.advance(Duration.ofDays(61));
        w.tick();
        assertEquals(1, factoryCalls.get());
        clock.advance(Duration.ofDays(61));
        w.tick();
        assertEquals(1, factoryCalls.get(), "loaded once");
    }

    @Test
    void theChallengeTableIsBounded() {
        AcmeChallenges small = new AcmeChallenges(2);
        small.putHttp01("t1", "k1");
        small.putHttp01("t2", "k2");
        small.putHttp01("t2", "k2b");
        assertEquals("tls acme: challenge table full (2 HTTP-01 challenges pending)", assertThrows(TlsException.class, () -> small.putHttp01("t3", "k3")).getMessage());
        assertEquals(Optional.of("k2b"), small.http01("t2"));
        assertEquals(Optional.empty(), small.http01("t3"));
        for (int i = 0; i < 1000; i++) small.http01("probe" + i);
        assertEquals(2, small.size(), "lookups add nothing");
        small.removeHttp01("t1");
        small.putHttp01("t3", "k3");
        TestCa.Leaf c = CA.issue("x.example.org");
        small.putTlsAlpn("a.example.org", c.certificate(), c.keyPair().getPrivate());
        small.putTlsAlpn("b.example.org", c.certificate(), c.keyPair().getPrivate());
        assertThrows(TlsException.class, () -> small.putTlsAlpn("c.example.org", c.certificate(), c.keyPair().getPrivate()));
        assertTrue(small.tlsAlpnPending("A.example.org"));
    }

    @Test
    void limitsAndDepsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new AcmeWorker.Limits(0, 1, Duration.ofMinutes(1), Duration.ofHours(6), Duration.ofMinutes(2), Duration.ofMillis(10)));
        assertThrows(IllegalArgumentException.class, () -> new AcmeWorker.Limits(1, 1, Duration.ofHours(7), Duration.ofHours(6), Duration.ofMinutes(2), Duration.ofMillis(10)));
        assertThrows(IllegalArgumentException.class, () -> new AcmeWorker.Deps(ACME, dir, store, challenges, () -> hosts, clock, time, Duration.ZERO, AcmeWorker.Limits.DEFAULTS, fake(issuer)));
    }
}
