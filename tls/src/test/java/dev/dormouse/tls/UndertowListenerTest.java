package dev.dormouse.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dormouse.core.TlsConfig;
import dev.dormouse.tls.testkit.TestCa;
import dev.dormouse.tls.testkit.TestHttpsServer;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The context with Undertow 2.4's {@code addHttpsListener(port, host, sslContext)} and nothing else set, as the
 * proxy will use it: HTTP/2 and HTTP/1.1 by ALPN, certificates by SNI, old protocols refused, acme-tls/1 for a
 * pending challenge. Clients are curl (OpenSSL, nghttp2) and the JDK.
 */
class UndertowListenerTest {
    static final TestCa CA = TestCa.create();
    @TempDir Path dir;
    TestCa.Leaf first;
    TestCa.Leaf second;
    CertificateStore store;
    AcmeChallenges challenges = new AcmeChallenges();
    Path caFile;
    final List<Undertow> servers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed");
        first = CA.issue("first.example.com");
        second = CA.issue(TestCa.KeyType.RSA, Instant.now().minusSeconds(60), Instant.now().plusSeconds(86400), "second.example.com");
        store = CertificateStore.open(List.of(first.write(dir, "first"), second.write(dir, "second")));
        caFile = CA.writeCertificate(dir.resolve("ca.pem"));
    }

    @AfterEach
    void tearDown() {
        servers.forEach(Undertow::stop);
    }

    int listen(String minVersion) {
        Undertow u = Undertow.builder().setServerOption(UndertowOptions.ENABLE_HTTP2, true).setIoThreads(1).setWorkerThreads(2)
                .addHttpsListener(0, "127.0.0.1", ServerTlsContext.create(store, challenges, new TlsConfig(List.of(), Optional.empty(), true, minVersion)))
                .setHandler(ex -> ex.getResponseSender().send(ex.getProtocol() + " " + ex.getHostName())).build();
        u.start();
        servers.add(u);
        return ((InetSocketAddress) u.getListenerInfo().get(0).getAddress()).getPort();
    }

    @Test
    void http2AndHttp11ByAlpnWithTheRightCertificateBySni() throws Exception {
        int port = listen("1.2");
        assertEquals("0 2 HTTP/2.0 first.example.com", curl(port, "first.example.com", "--http2"));
        assertEquals("0 1.1 HTTP/1.1 first.example.com", curl(port, "first.example.com", "--http1.1"));
        assertEquals("0 2 HTTP/2.0 second.example.com", curl(port, "second.example.com", "--http2"), "curl verifies the name: the RSA certificate by SNI");
        assertEquals("0 2 HTTP/2.0 second.example.com", curl(port, "second.example.com", "--http2", "--tls-max", "1.2"));
        assertEquals("35", curl(port, "first.example.com", "--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0").split(" ")[0],
                "TLS 1.1 is refused in the handshake");
        assertNotEquals("0", curl(port, "other.example.com", "--http2").split(" ")[0], "an unknown name gets the first certificate, which curl rejects");
    }

    @Test
    void minVersion13KeepsHttp2AndRefusesTls12() throws Exception {
        int port = listen("1.3");
        assertEquals("0 2 HTTP/2.0 first.example.com", curl(port, "first.example.com", "--http2"));
        assertEquals("35", curl(port, "first.example.com", "--http2", "--tls-max", "1.2").split(" ")[0]);
    }

    @Test
    void aPendingTlsAlpn01ChallengeIsServedThroughUndertow() throws Exception {
        int port = listen("1.2");
        TestCa.Leaf challenge = CA.issue(TestCa.KeyType.RSA, Instant.now(), Instant.now().plusSeconds(600), "first.example.com");
        challenges.putTlsAlpn("first.example.com", challenge.certificate(), challenge.keyPair().getPrivate());
        try (SSLSocket s = TestHttpsServer.connect(port, CA.certificate(), "first.example.com", List.of(), List.of(), List.of("acme-tls/1"))) {
            assertEquals("acme-tls/1", s.getApplicationProtocol());
            assertEquals(challenge.certificate(), TestHttpsServer.peer(s));
        }
        if (Files.isExecutable(Path.of("/usr/bin/openssl"))) {
            Process o = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername", "first.example.com", "-alpn", "acme-tls/1")
                    .redirectErrorStream(true).start();
            o.getOutputStream().close();
            String out = new String(o.getInputStream().readAllBytes());
            assertTrue(out.contains("ALPN protocol: acme-tls/1"), out);
        }
        assertEquals("0 2 HTTP/2.0 first.example.com", curl(port, "first.example.com", "--http2"), "browsers still get the real certificate");
    }

    /** {@code <exit> <http version> <body>} of curl against 127.0.0.1:port as {@code host}. */
    private String curl(int port, String host, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "--cacert", caFile.toString(), "--resolve", host + ":" + port + ":127.0.0.1",
                "-w", " %{http_version}"));
        cmd.addAll(List.of(args));
        cmd.add("https://" + host + ":" + port + "/");
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        if (p.exitValue() != 0) return Integer.toString(p.exitValue());
        int sp = out.lastIndexOf(' ');
        return "0 " + out.substring(sp + 1) + " " + out.substring(0, sp);
    }
}
