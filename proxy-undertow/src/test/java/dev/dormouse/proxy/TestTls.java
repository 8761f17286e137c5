package dev.dormouse.proxy;

import dev.dormouse.core.TlsConfig;
import dev.dormouse.tls.AcmeChallenges;
import dev.dormouse.tls.CertificateStore;
import dev.dormouse.tls.ServerTlsContext;
import dev.dormouse.tls.testkit.TestCa;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates for proxy tests, made at test time: a CA, one leaf for the usual test hosts ({@code f.test},
 * {@code h.test}, {@code e.test}, {@code s.test}), one for {@code other.test}, the store and server context over
 * them, and a client context that trusts the CA. Test hosts resolve to 127.0.0.1 (see {@code test-hosts}).
 */
final class TestTls {
    static final TestCa CA = TestCa.create();

    final TestCa.Leaf main;
    final TestCa.Leaf other;
    final CertificateStore store;
    final AcmeChallenges challenges = new AcmeChallenges();
    final SSLContext server;
    final SSLContext client;
    final Path caFile;

    TestTls(Path dir) {
        main = CA.issue("f.test", "h.test", "e.test", "s.test", "a.test", "b.test");
        other = CA.issue("other.test");
        store = CertificateStore.open(List.of(main.write(dir, "main"), other.write(dir, "other")));
        server = ServerTlsContext.create(store, challenges, TlsConfig.NONE);
        client = trusting();
        caFile = CA.writeCertificate(dir.resolve("ca.pem"));
    }

    /** The front door with ACME challenges answered (or not) and redirects on (or off). */
    TlsFrontDoor frontDoor(boolean acme, boolean redirect) {
        return new TlsFrontDoor(server, store, acme ? Optional.of(challenges) : Optional.empty(), redirect);
    }

    /** A client context trusting the test CA. */
    static SSLContext trusting() {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            ks.setCertificateEntry("ca", CA.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, tmf.getTrustManagers(), null);
            return c;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The JDK's client over TLS: HTTP/2 by ALPN, with SNI and :authority from the URI's host. */
    HttpClient http2() {
        return HttpClient.newBuilder().sslContext(client).version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
    }

    HttpClient http1() {
        return HttpClient.newBuilder().sslContext(client).version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }
}
