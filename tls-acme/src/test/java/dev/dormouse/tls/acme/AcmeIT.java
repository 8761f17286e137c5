package dev.dormouse.tls.acme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.dormouse.core.AcmeConfig;
import dev.dormouse.core.TlsConfig;
import dev.dormouse.tls.AcmeChallenges;
import dev.dormouse.tls.AcmeModules;
import dev.dormouse.tls.AcmeWorker;
import dev.dormouse.tls.CertificateEntry;
import dev.dormouse.tls.CertificateStore;
import dev.dormouse.tls.HostCertificate;
import dev.dormouse.tls.ServerTlsContext;
import dev.dormouse.tls.Source;
import dev.dormouse.tls.testkit.TestClock;
import dev.dormouse.tls.testkit.TestHttpsServer;
import dev.dormouse.tls.testkit.TestPebble;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Certificates from a real Pebble: HTTP-01 through a test HTTP listener, TLS-ALPN-01 through the real key manager. */
class AcmeIT {
    static final TlsConfig TLS = new TlsConfig(List.of(), Optional.empty(), true, "1.2");
    @TempDir Path dir;
    final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
    final List<String> challengeRequests = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables.reversed()) c.close();
    }

    @Test
    void http01IssuesServesSurvivesARestartRenewsAndOutlivesTheCa() throws Exception {
        AcmeChallenges challenges = new AcmeChallenges();
        int httpPort = http01Listener(challenges);
        TestPebble pebble = keep(TestPebble.start(httpPort, TestPebble.freePort(), Optional.empty(), dir.resolve("pebble")));
        AcmeConfig acme = new AcmeConfig(Optional.of("ops@example.com"), pebble.directory(), Optional.of(pebble.caFile()), AcmeConfig.Challenge.HTTP_01);
        TestClock clock = new TestClock(Instant.now());
        Path data = dir.resolve("data");
        CertificateStore store = CertificateStore.open(List.of());
        AcmeWorker worker = keep(new AcmeWorker(deps(acme, data, store, challenges, clock, Set.of("app.test", "*.wild.test"))));
        assertEquals(0, worker.load());

        long started = System.nanoTime();
        worker.tick();
        long issueMillis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("AcmeIT: first certificate from Pebble (HTTP-01) in " + issueMillis + " ms");

        CertificateEntry issued = store.select("app.test").orElseThrow(() -> new AssertionError("no certificate; Pebble log:\n" + pebble.log()));
        assertEquals(Source.ACME, issued.source());
        assertEquals(List.of("app.test"), issued.names());
        assertTrue(challengeRequests.stream().anyMatch(r -> r.startsWith("/.well-known/acme-challenge/")), challengeRequests.toString());
        assertEquals(0, challenges.size(), "challenges are removed once the authorization completes");
        assertEquals(List.of("app.test"), worker.status().stream().map(HostCertificate::host).toList(), "wildcards are never ordered");
        X509Certificate top = issued.chain().getLast();
        top.verify(pebble.issuingRoot().getPublicKey());

        // Stored: 0700 directories, 0600 files.
        Path caDir = issued.file().orElseThrow().getParent().getParent();
        assertEquals(data.resolve("acme"), caDir.getParent());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("acme"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir.resolve("certs"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir.resolve("account.key"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir.resolve("certs/app.test.pem"))));
        assertEquals(Optional.of(caDir.resolve("certs/app.test.pem")), issued.file());

        // Served by a real handshake.
        try (TestHttpsServer server = new TestHttpsServer(ServerTlsContext.create(store, challenges, TLS), List.of());
                SSLSocket s = TestHttpsServer.connect(server.port(), pebble.issuingRoot(), "app.test")) {
            assertEquals(issued.chain().get(0), TestHttpsServer.peer(s));
            assertEquals("hello", TestHttpsServer.get(s));
        }

        // A restart loads what is stored and orders nothing new.
        CertificateStore store2 = CertificateStore.open(List.of());
        AcmeWorker restarted = keep(new AcmeWorker(deps(acme, data, store2, challenges, clock, Set.of("app.test"))));
        assertEquals(1, restarted.load());
        restarted.tick();
        assertEquals(issued.chain().get(0), store2.select("app.test").orElseThrow().chain().get(0));

        // Two thirds into the lifetime the certificate is renewed.
        Instant renewAt = store2.status("app.test").orElseThrow().nextAttempt().orElseThrow();
        assertEquals(issued.notBefore().plus(Duration.between(issued.notBefore(), issued.notAfter()).multipliedBy(2).dividedBy(3)), renewAt,
                "renewal two thirds into the lifetime");
        clock.set(renewAt.minusSeconds(1));
        restarted.tick();
        assertEquals(issued.chain().get(0), store2.select("app.test").orElseThrow().chain().get(0), "not yet");
        clock.set(renewAt.plusSeconds(1));
        started = System.nanoTime();
        restarted.tick();
        System.out.println("AcmeIT: renewal from Pebble in " + (System.nanoTime() - started) / 1_000_000 + " ms");
        CertificateEntry renewed = store2.select("app.test").orElseThrow();
        assertNotEquals(issued.chain().get(0).getSerialNumber(), renewed.chain().get(0).getSerialNumber());
        assertEquals(Optional.empty(), store2.status("app.test").orElseThrow().lastError());
        Instant renewAgain = store2.status("app.test").orElseThrow().nextAttempt().orElseThrow();
        // Pebble dates certificates by the real clock: the new one's renewal time is at least the old one's.
        assertFalse(renewAgain.isBefore(renewAt));

        // The CA goes away: the certificate keeps serving, the status says why and when the next attempt is.
        pebble.stop();
        clock.set(renewAgain.plusSeconds(1));
        restarted.tick();
        HostCertificate status = store2.status("app.test").orElseThrow();
        assertTrue(status.lastError().orElseThrow().startsWith("tls acme: obtain certificate for 'app.test': "), status.toString());
        assertTrue(status.lastError().orElseThrow().endsWith("(" + pebble.directory() + ")"), status.toString());
        assertEquals(Optional.of(clock.instant().plus(Duration.ofMinutes(1))), status.nextAttempt());
        assertEquals(renewed, store2.select("app.test").orElseThrow(), "a failure never removes a working certificate");
        try (TestHttpsServer server = new TestHttpsServer(ServerTlsContext.create(store2, challenges, TLS), List.of());
                SSLSocket s = TestHttpsServer.connect(server.port(), pebble.issuingRoot(), "app.test")) {
            assertEquals(renewed.chain().get(0), TestHttpsServer.peer(s));
        }
        clock.advance(Duration.ofMinutes(1));
        restarted.tick();
        assertEquals(Optional.of(clock.instant().plus(Duration.ofMinutes(2))), store2.status("app.test").orElseThrow().nextAttempt(), "backoff doubles");
    }

    @Test
    void tlsAlpn01IsAnsweredThroughUndertowByTheServerKeyManager() throws Exception {
        AcmeChallenges challenges = new AcmeChallenges();
        CertificateStore store = CertificateStore.open(List.of());
        // Undertow's HTTPS listener with HTTP/2, as the proxy runs it: the validation handshake goes through its ALPN listener.
        io.undertow.Undertow undertow = io.undertow.Undertow.builder().setServerOption(io.undertow.UndertowOptions.ENABLE_HTTP2, true)
                .setIoThreads(1).setWorkerThreads(2).addHttpsListener(0, "127.0.0.1", ServerTlsContext.create(store, challenges, TLS))
                .setHandler(ex -> ex.getResponseSender().send("hello")).build();
        undertow.start();
        closeables.add(undertow::stop);
        int httpsPort = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
        TestPebble pebble = keep(TestPebble.start(TestPebble.freePort(), httpsPort, Optional.empty(), dir.resolve("pebble")));
        AcmeConfig acme = new AcmeConfig(Optional.empty(), pebble.directory(), Optional.of(pebble.caFile()), AcmeConfig.Challenge.TLS_ALPN_01);
        AcmeWorker worker = keep(new AcmeWorker(deps(acme, dir.resolve("data"), store, challenges, new TestClock(Instant.now()), Set.of("alpn.test"))));

        long started = System.nanoTime();
        worker.tick();
        System.out.println("AcmeIT: first certificate from Pebble (TLS-ALPN-01) in " + (System.nanoTime() - started) / 1_000_000 + " ms");

        CertificateEntry issued = store.select("alpn.test").orElseThrow(() -> new AssertionError("no certificate: " + worker.status() + "\nPebble log:\n" + pebble.log()));
        assertEquals(List.of("alpn.test"), issued.names());
        assertEquals(0, challenges.size());
        try (SSLSocket s = TestHttpsServer.connect(httpsPort, pebble.issuingRoot(), "alpn.test", List.of(), List.of(), List.of("h2", "http/1.1"))) {
            assertEquals(issued.chain().get(0), TestHttpsServer.peer(s));
            assertEquals("h2", s.getApplicationProtocol());
        }
    }

    private AcmeWorker.Deps deps(AcmeConfig acme, Path data, CertificateStore store, AcmeChallenges challenges, TestClock clock, Set<String> hosts) {
        return new AcmeWorker.Deps(acme, data, store, challenges, () -> hosts, clock, dev.dormouse.core.Scheduler.system(), Duration.ofSeconds(30), AcmeWorker.Limits.DEFAULTS,
                AcmeModules.visible());
    }

    /** A minimal HTTP listener answering HTTP-01 from the challenge table, as the proxy's HTTP listener will. */
    private int http01Listener(AcmeChallenges challenges) throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/.well-known/acme-challenge/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            challengeRequests.add(path);
            Optional<String> answer = challenges.http01(path.substring("/.well-known/acme-challenge/".length()));
            byte[] body = answer.orElse("not found").getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(answer.isPresent() ? 200 : 404, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
        closeables.add(() -> http.stop(0));
        return http.getAddress().getPort();
    }

    private <T extends AutoCloseable> T keep(T c) {
        closeables.add(c);
        return c;
    }
}
