package dev.dormouse.tls;

import static dev.dormouse.tls.testkit.TestHttpsServer.connect;
import static dev.dormouse.tls.testkit.TestHttpsServer.get;
import static dev.dormouse.tls.testkit.TestHttpsServer.peer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dormouse.core.TlsCertificate;
import dev.dormouse.core.TlsConfig;
import dev.dormouse.tls.testkit.TestCa;
import dev.dormouse.tls.testkit.TestHttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerTlsContextTest {
    static final TestCa CA = TestCa.create();
    static final TlsConfig TLS12 = new TlsConfig(List.of(), Optional.empty(), true, "1.2");
    static final TlsConfig TLS13 = new TlsConfig(List.of(), Optional.empty(), true, "1.3");
    @TempDir Path dir;
    TestCa.Leaf first;
    TestCa.Leaf second;
    TlsCertificate firstFiles;
    CertificateStore store;
    AcmeChallenges challenges = new AcmeChallenges();
    TestHttpsServer server;

    @BeforeEach
    void setUp() {
        first = CA.issue("first.example.com");
        second = CA.issue(TestCa.KeyType.RSA, Instant.now().minusSeconds(60), Instant.now().plusSeconds(86400), "second.example.com");
        firstFiles = first.write(dir, "first");
        store = CertificateStore.open(List.of(firstFiles, second.write(dir, "second")));
        server = new TestHttpsServer(ServerTlsContext.create(store, challenges, TLS12), List.of());
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    @Test
    void twoHostsGetTheirOwnCertificatesBySniAndUnknownNamesGetTheFirst() throws Exception {
        try (SSLSocket a = connect(server.port(), CA.certificate(), "first.example.com");
                SSLSocket b = connect(server.port(), CA.certificate(), "second.example.com");
                SSLSocket unknown = connect(server.port(), CA.certificate(), "unknown.example.org");
                SSLSocket noSni = connect(server.port(), CA.certificate(), null)) {
            assertEquals(first.certificate(), peer(a));
            assertEquals(second.certificate(), peer(b));
            assertEquals(first.certificate(), peer(unknown));
            assertEquals(first.certificate(), peer(noSni));
            assertEquals("hello", get(a));
            assertEquals("hello", get(b));
            assertEquals("TLSv1.3", a.getSession().getProtocol());
        }
    }

    @Test
    void tls12NegotiatesAModernSuiteAndOldOrWeakHellosAreRefused() throws Exception {
        try (SSLSocket s = connect(server.port(), CA.certificate(), "second.example.com", List.of("TLSv1.2"), List.of(), List.of())) {
            assertEquals("TLSv1.2", s.getSession().getProtocol());
            assertEquals("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", s.getSession().getCipherSuite(), "the server's order picks");
            assertEquals("hello", get(s));
        }
        assertThrows(SSLException.class, () -> connect(server.port(), CA.certificate(), "second.example.com", List.of("TLSv1.2"),
                List.of("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"), List.of()), "CBC suites are refused");
        for (int minor : new int[] {1, 2}) {
            byte[] answer = rawClientHello(server.port(), minor);
            assertEquals(0x15, answer[0], "TLS 1." + (minor - 1) + " gets an alert record");
            assertEquals(2, answer[5], "a fatal alert");
            assertEquals(70, answer[6], "protocol_version");
        }
    }

    @Test
    void opensslTls11IsRefused() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
        Path ca = CA.writeCertificate(dir.resolve("ca.pem"));
        String tls11 = openssl("s_client", "-connect", "127.0.0.1:" + server.port(), "-servername", "first.example.com", "-tls1_1",
                "-cipher", "DEFAULT@SECLEVEL=0", "-CAfile", ca.toString());
        assertTrue(tls11.contains("alert protocol version") || tls11.contains("no protocols available"), tls11);
        assumeTrue(tls11.contains("alert protocol version"), "this openssl refuses TLS 1.1 itself: " + tls11);
        String tls12 = openssl("s_client", "-connect", "127.0.0.1:" + server.port(), "-servername", "second.example.com", "-tls1_2", "-CAfile", ca.toString());
        assertTrue(tls12.contains("Verify return code: 0 (ok)"), tls12);
    }

    @Test
    void minVersion13RefusesTls12() throws Exception {
        try (TestHttpsServer only13 = new TestHttpsServer(ServerTlsContext.create(store, challenges, TLS13), List.of())) {
            assertThrows(SSLException.class, () -> connect(only13.port(), CA.certificate(), "first.example.com", List.of("TLSv1.2"), List.of(), List.of()));
            try (SSLSocket s = connect(only13.port(), CA.certificate(), "first.example.com")) {
                assertEquals("TLSv1.3", s.getSession().getProtocol());
            }
        }
    }

    @Test
    void theContextsDefaultsAreTheHardenedParameters() throws Exception {
        for (TlsConfig tls : List.of(TLS12, TLS13)) {
            SSLContext ctx = ServerTlsContext.create(store, challenges, tls);
            SSLEngine engine = ctx.createSSLEngine("client", 1234);
            SSLParameters defaults = ctx.getDefaultSSLParameters();
            List<String> protocols = ServerTlsContext.protocols(tls.minVersion());
            assertEquals(protocols, List.of(engine.getEnabledProtocols()));
            assertEquals(protocols, List.of(defaults.getProtocols()));
            assertEquals(ServerTlsContext.cipherSuites(), List.of(engine.getEnabledCipherSuites()));
            assertTrue(engine.getSSLParameters().getUseCipherSuitesOrder());
            assertTrue(List.of(engine.getEnabledCipherSuites()).contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
                    "Undertow offers HTTP/2 only when this suite is enabled");
            assertEquals(false, engine.getUseClientMode());
        }
        for (String suite : ServerTlsContext.cipherSuites()) {
            assertTrue(suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_") || suite.startsWith("TLS_ECDHE_"), suite);
            assertTrue(suite.contains("_GCM_") || suite.contains("CHACHA20_POLY1305"), suite);
        }
        assertEquals(List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"), ServerTlsContext.cipherSuites().subList(0, 3));
        assertThrows(java.security.KeyManagementException.class, () -> ServerTlsContext.create(store, challenges, TLS12).init(null, null, null));
    }

    @Test
    void clientInitiatedRenegotiationIsRefused() throws Exception {
        assertEquals("true", System.getProperty(ServerTlsContext.REJECT_RENEGOTIATION));
        // An echo server on a plain SSLServerSocket: unlike the JDK's HttpsServer, it would renegotiate if allowed.
        SSLContext ctx = ServerTlsContext.create(store, challenges, TLS12);
        try (javax.net.ssl.SSLServerSocket ss = (javax.net.ssl.SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(List.of("TLSv1.3", "TLSv1.2"), List.of(ss.getEnabledProtocols()), "server sockets get the hardened parameters too");
            Thread echo = Thread.ofVirtual().start(() -> {
                try (Socket c = ss.accept()) {
                    c.getInputStream().transferTo(c.getOutputStream());
                } catch (IOException e) {
                    // the refused renegotiation ends the connection
                }
            });
            try (SSLSocket s = connect(ss.getLocalPort(), CA.certificate(), "second.example.com", List.of("TLSv1.2"), List.of(), List.of())) {
                s.getOutputStream().write('a');
                assertEquals('a', s.getInputStream().read());
                s.startHandshake();
                s.getOutputStream().write('b');
                assertThrows(SSLException.class, () -> s.getInputStream().read());
            }
            echo.join(10_000);
        }
    }

    @Test
    void alpnIsTheServersAndAcmeTls1OnlyForAPendingChallengeOnTls13() throws Exception {
        try (TestHttpsServer h2 = new TestHttpsServer(ServerTlsContext.create(store, challenges, TLS12), List.of("h2", "http/1.1"))) {
            try (SSLSocket s = connect(h2.port(), CA.certificate(), "first.example.com", List.of(), List.of(), List.of("http/1.1", "h2"))) {
                assertEquals("h2", s.getApplicationProtocol(), "the server's order");
            }
            try (SSLSocket s = connect(h2.port(), CA.certificate(), "first.example.com", List.of(), List.of(), List.of("http/1.1"))) {
                assertEquals("http/1.1", s.getApplicationProtocol());
            }
            assertThrows(IOException.class, () -> connect(h2.port(), CA.certificate(), "first.example.com", List.of(), List.of(), List.of("acme-tls/1")),
                    "acme-tls/1 without a pending challenge");

            TestCa.Leaf challenge = CA.issue(TestCa.KeyType.RSA, Instant.now(), Instant.now().plusSeconds(600), "first.example.com");
            challenges.putTlsAlpn("first.example.com", challenge.certificate(), challenge.keyPair().getPrivate());
            try (SSLSocket s = connect(h2.port(), CA.certificate(), "first.example.com", List.of(), List.of(), List.of("acme-tls/1"))) {
                assertEquals("acme-tls/1", s.getApplicationProtocol());
                assertEquals(challenge.certificate(), peer(s));
            }
            try (SSLSocket s = connect(h2.port(), CA.certificate(), "first.example.com", List.of(), List.of(), List.of("h2"))) {
                assertEquals(first.certificate(), peer(s), "other handshakes for the host keep its certificate");
            }
            assertThrows(IOException.class, () -> connect(h2.port(), CA.certificate(), "first.example.com", List.of("TLSv1.2"), List.of(), List.of("acme-tls/1")),
                    "TLS 1.2 picks the certificate before ALPN, so the challenge is refused there");
            challenges.removeTlsAlpn("first.example.com");
            assertThrows(IOException.class, () -> connect(h2.port(), CA.certificate(), "first.example.com", List.of(), List.of(), List.of("acme-tls/1")));
        }
    }

    @Test
    void aFileSwapSwitchesNewHandshakesWhileAnOpenConnectionGoesOn() throws Exception {
        try (SSLSocket before = connect(server.port(), CA.certificate(), "first.example.com")) {
            assertEquals("hello", get(before));
            TestCa.Leaf replacement = CA.issue("first.example.com");
            replacement.write(dir, "first");
            Files.setLastModifiedTime(firstFiles.keyFile(), FileTime.from(Instant.now().plusSeconds(5)));
            assertTrue(store.reloadFiles());
            try (SSLSocket after = connect(server.port(), CA.certificate(), "first.example.com")) {
                assertEquals(replacement.certificate(), peer(after));
                assertEquals("hello", get(after));
            }
            assertEquals(first.certificate(), peer(before));
            assertEquals("hello", get(before), "the connection opened before the swap still works");
            assertEquals("hello", get(before));
        }
    }

    /** Sends a TLS 1.0 (minor 1) or 1.1 (minor 2) ClientHello with CBC suites by hand; returns the first bytes answered. */
    static byte[] rawClientHello(int port, int minor) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(3);
        body.write(minor);
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        body.writeBytes(random);
        body.write(0);
        int[] suites = {0xc013, 0xc014, 0xc009, 0xc00a, 0x002f, 0x0035};
        u16(body, suites.length * 2);
        for (int s : suites) u16(body, s);
        body.write(1);
        body.write(0);
        byte[] name = "first.example.com".getBytes();
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        u16(ext, 0); u16(ext, name.length + 5); u16(ext, name.length + 3); ext.write(0); u16(ext, name.length); ext.writeBytes(name);
        u16(ext, 0x0a); u16(ext, 6); u16(ext, 4); u16(ext, 0x17); u16(ext, 0x1d);
        u16(ext, 0x0b); u16(ext, 2); ext.write(1); ext.write(0);
        u16(body, ext.size());
        body.writeBytes(ext.toByteArray());
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.write(0x16); record.write(3); record.write(1);
        u16(record, body.size() + 4);
        record.write(1); record.write(0); u16(record, body.size());
        record.writeBytes(body.toByteArray());
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(record.toByteArray());
            InputStream in = s.getInputStream();
            return in.readNBytes(7);
        }
    }

    private static void u16(ByteArrayOutputStream out, int v) {
        out.write(v >> 8);
        out.write(v);
    }

    private String openssl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out;
    }

    static void assertBytes(byte[] expected, byte[] actual) {
        assertArrayEquals(expected, actual);
    }
}
