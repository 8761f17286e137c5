package dev.dormouse.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dormouse.core.AcmeConfig;
import dev.dormouse.core.TlsCertificate;
import dev.dormouse.core.TlsConfig;
import dev.dormouse.tls.testkit.TestCa;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsValidationTest {
    static final TestCa CA = TestCa.create();
    static final Instant NOW = Instant.now();
    @TempDir Path dir;

    TlsValidation.Finding f(String path, String message) {
        return new TlsValidation.Finding(path, message);
    }

    @Test
    void aGoodConfigHasNothingToSay() {
        TlsCertificate c = CA.issue("app.example.com", "*.apps.example.com").write(dir, "app");
        TlsValidation.Result r = TlsValidation.validate(new TlsConfig(List.of(c), Optional.empty(), true, "1.2"), Set.of("app.example.com", "x.apps.example.com", "*.apps.example.com"), NOW);
        assertEquals(List.of(), r.problems());
        assertEquals(List.of(), r.notes());
    }

    @Test
    void fileProblemsAreReportedAtTheirKeyPaths() throws Exception {
        TestCa.Leaf leaf = CA.issue("app.example.com");
        TlsCertificate good = leaf.write(dir, "good");
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "garbage");
        Path missing = dir.resolve("missing.key");
        Path otherKey = CA.issue("other.example.com").writeKey(dir.resolve("other.key"), TestCa.KeyFormat.TRADITIONAL);
        Path ca = dir.resolve("missing-ca.pem");
        TlsConfig tls = new TlsConfig(List.of(good, new TlsCertificate(garbage, missing), new TlsCertificate(good.certFile(), otherKey), new TlsCertificate(good.keyFile(), good.keyFile())),
                Optional.of(new AcmeConfig(Optional.empty(), AcmeConfig.LETS_ENCRYPT, Optional.of(ca), AcmeConfig.Challenge.HTTP_01)), true, "1.2");

        TlsValidation.Result r = TlsValidation.validate(tls, Set.of(), NOW);

        assertEquals(List.of(
                f("tls.certificates[1].cert_file", "read " + garbage + ": not PEM (no -----BEGIN line)"),
                f("tls.certificates[1].key_file", "read " + missing + ": no such file"),
                f("tls.certificates[2].key_file", "read " + otherKey + ": key does not match the certificate in " + good.certFile()),
                f("tls.certificates[3].cert_file", "read " + good.keyFile() + ": no certificate found"),
                f("tls.acme.ca_file", "read " + ca + ": no such file")), r.problems());
    }

    @Test
    void notesForExpiredCertificatesWildcardsUnderAcmeAndUncoveredHosts() {
        TestCa.Leaf expired = CA.issue(TestCa.KeyType.EC, NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(1)), "old.example.com");
        TlsCertificate old = expired.write(dir, "old");
        AcmeConfig acme = new AcmeConfig(Optional.empty(), AcmeConfig.LETS_ENCRYPT, Optional.empty(), AcmeConfig.Challenge.HTTP_01);
        TlsValidation.Result withAcme = TlsValidation.validate(new TlsConfig(List.of(old), Optional.of(acme), true, "1.2"),
                Set.of("*.Wild.example.com", "app.example.com", "*.old.example.com", "nas"), NOW);
        assertEquals(List.of(), withAcme.problems());
        assertEquals(List.of(
                f("tls.certificates[0].cert_file", "the certificate in " + old.certFile() + " (old.example.com) expired on "
                        + expired.certificate().getNotAfter().toInstant() + "; it is still served"),
                f("tls.acme", "route host '*.old.example.com' needs the DNS-01 challenge, which dormouse does not do; give it a certificate file"),
                f("tls.acme", "route host '*.wild.example.com' needs the DNS-01 challenge, which dormouse does not do; give it a certificate file"),
                f("tls.acme", "route host 'nas' is not a public DNS name an ACME CA issues for; give it a certificate file")), withAcme.notes());

        TlsValidation.Result noAcme = TlsValidation.validate(new TlsConfig(List.of(old), Optional.empty(), true, "1.2"), Set.of("app.example.com"), NOW);
        assertEquals(List.of(f("tls.certificates", "no certificate covers route host 'app.example.com'; its clients get the first certificate (old.example.com)")),
                noAcme.notes().subList(1, 2));
    }
}
