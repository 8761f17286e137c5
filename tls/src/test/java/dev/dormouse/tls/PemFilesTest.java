package dev.dormouse.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dormouse.tls.testkit.TestCa;
import dev.dormouse.tls.testkit.TestCa.KeyFormat;
import dev.dormouse.tls.testkit.TestCa.KeyType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PemFilesTest {
    static final TestCa CA = TestCa.create();
    @TempDir Path dir;

    @ParameterizedTest
    @CsvSource({"RSA, PKCS8", "RSA, TRADITIONAL", "EC, PKCS8", "EC, TRADITIONAL"})
    void readsEveryKeyFormatOfRsaAndEcKeys(KeyType type, KeyFormat format) throws Exception {
        Instant now = Instant.now();
        TestCa.Leaf leaf = CA.issue(type, now.minusSeconds(60), now.plus(Duration.ofDays(1)), "app.example.com", "*.apps.example.com");
        leaf.write(dir.resolve("c.pem"), dir.resolve("k.pem"), format);
        String label = Files.readString(dir.resolve("k.pem")).lines().findFirst().orElseThrow();
        assertEquals(format == KeyFormat.PKCS8 ? "-----BEGIN PRIVATE KEY-----" : "-----BEGIN " + type + " PRIVATE KEY-----", label);

        CertifiedKey ck = PemFiles.load(dir.resolve("c.pem"), dir.resolve("k.pem"));

        assertEquals(leaf.chain(), ck.chain());
        assertEquals(type.name(), ck.key().getAlgorithm());
        assertEquals(List.of("app.example.com", "*.apps.example.com"), HostNames.of(ck.leaf()));
    }

    @Test
    void readsKeysAndCertificatesMadeByOpenssl() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
        // RSA in PKCS#1, EC in SEC1 with its EC PARAMETERS block before the key, as the openssl docs make them.
        openssl("genrsa", "-traditional", "-out", "rsa.key", "2048");
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", "ec.key");
        for (String k : List.of("rsa", "ec")) {
            openssl("req", "-x509", "-key", k + ".key", "-subj", "/CN=" + k + ".example.com", "-addext",
                    "subjectAltName=DNS:" + k + ".example.com", "-days", "2", "-out", k + ".pem");
            CertifiedKey ck = PemFiles.load(dir.resolve(k + ".pem"), dir.resolve(k + ".key"));
            assertEquals(List.of(k + ".example.com"), HostNames.of(ck.leaf()));
        }
        assertTrue(Files.readString(dir.resolve("rsa.key")).startsWith("-----BEGIN RSA PRIVATE KEY-----"));
        assertTrue(Files.readString(dir.resolve("ec.key")).startsWith("-----BEGIN EC PARAMETERS-----"));
    }

    @Test
    void oneFileMayHoldChainAndKey() throws Exception {
        TestCa.Leaf leaf = CA.issue("both.example.com");
        Files.writeString(dir.resolve("both.pem"), Files.readString(leaf.writeChain(dir.resolve("c"))) + TestCa.keyPem(leaf.keyPair().getPrivate(), KeyFormat.PKCS8));
        CertifiedKey ck = PemFiles.load(dir.resolve("both.pem"), dir.resolve("both.pem"));
        assertEquals(2, ck.chain().size());
    }

    @Test
    void namesAreSanDnsNamesLowerCaseAndTheCnOnlyWithoutSan() {
        Instant now = Instant.now();
        assertEquals(List.of("upper.example.com"), HostNames.of(CA.issue("UPPER.Example.com").certificate()));
        assertEquals(List.of("cn-only.example.com"),
                HostNames.of(CA.issue(KeyType.EC, now, now.plusSeconds(60), "cn-only.example.com", List.of()).certificate()));
        assertEquals(List.of("san.example.com"),
                HostNames.of(CA.issue(KeyType.EC, now, now.plusSeconds(60), "cn.example.com", List.of("san.example.com")).certificate()));
        assertEquals(List.of("cn.example.com"),
                HostNames.of(CA.issue(KeyType.EC, now, now.plusSeconds(60), "cn.example.com", List.of("127.0.0.1")).certificate()));
    }

    @Test
    void errorsNameTheFileAndWhatIsWrong() throws Exception {
        TestCa.Leaf leaf = CA.issue("app.example.com");
        Path cert = leaf.writeChain(dir.resolve("c.pem"));
        Path key = leaf.writeKey(dir.resolve("k.pem"), KeyFormat.PKCS8);
        Path other = CA.issue("other.example.com").writeKey(dir.resolve("other.key"), KeyFormat.PKCS8);
        Path rsa = CA.issue(KeyType.RSA, Instant.now(), Instant.now().plusSeconds(60), "rsa.example.com").writeKey(dir.resolve("rsa.key"), KeyFormat.PKCS8);
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "hello\n");
        Path half = Files.writeString(dir.resolve("half.pem"), Files.readString(cert).substring(0, 300));
        Path badBase64 = Files.writeString(dir.resolve("b64.pem"), "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
        Path notCert = Files.writeString(dir.resolve("notcert.pem"), TestCa.pem("CERTIFICATE", new byte[] {1, 2, 3}));
        Path encrypted = Files.writeString(dir.resolve("enc.key"), TestCa.pem("ENCRYPTED PRIVATE KEY", new byte[] {1, 2, 3}));
        Path badKey = Files.writeString(dir.resolve("bad.key"), TestCa.pem("PRIVATE KEY", new byte[] {0x30, 3, 2, 1, 0}));
        Path big = Files.write(dir.resolve("big.pem"), new byte[PemFiles.MAX_BYTES + 1]);

        assertEquals("tls: read " + dir.resolve("missing.pem") + ": no such file", message(() -> PemFiles.load(dir.resolve("missing.pem"), key)));
        assertEquals("tls: read " + garbage + ": not PEM (no -----BEGIN line)", message(() -> PemFiles.load(garbage, key)));
        assertEquals("tls: read " + key + ": no certificate found", message(() -> PemFiles.load(key, key)));
        assertEquals("tls: read " + cert + ": no private key found (found CERTIFICATE, CERTIFICATE)", message(() -> PemFiles.load(cert, cert)));
        assertEquals("tls: read " + other + ": key does not match the certificate in " + cert, message(() -> PemFiles.load(cert, other)));
        assertEquals("tls: read " + rsa + ": key does not match the certificate in " + cert + " (RSA key, EC certificate)", message(() -> PemFiles.load(cert, rsa)));
        assertEquals("tls: read " + half + ": not PEM (CERTIFICATE has no -----END CERTIFICATE----- line; half written?)", message(() -> PemFiles.load(half, key)));
        assertEquals("tls: read " + badBase64 + ": CERTIFICATE block 1 is not valid base64", message(() -> PemFiles.load(badBase64, key)));
        assertEquals("tls: read " + notCert + ": certificate 1 is not a valid X.509 certificate", message(() -> PemFiles.load(notCert, key)));
        assertEquals("tls: read " + encrypted + ": the key is encrypted; store it unencrypted (readable only by dormouse)", message(() -> PemFiles.load(cert, encrypted)));
        assertEquals("tls: read " + badKey + ": PRIVATE KEY is not a valid RSA or EC private key (only RSA and EC keys are supported)", message(() -> PemFiles.load(cert, badKey)));
        assertEquals("tls: read " + big + ": larger than 1024 KiB, not a PEM file", message(() -> PemFiles.load(big, key)));
    }

    @Test
    void messagesNeverHoldKeyMaterial() throws Exception {
        TestCa.Leaf leaf = CA.issue("app.example.com");
        Path cert = leaf.writeChain(dir.resolve("c.pem"));
        TestCa.Leaf other = CA.issue("other.example.com");
        Path otherKey = other.writeKey(dir.resolve("o.key"), KeyFormat.TRADITIONAL);
        String keyBase64 = Base64.getEncoder().encodeToString(other.keyPair().getPrivate().getEncoded());
        TlsException e = assertThrows(TlsException.class, () -> PemFiles.load(cert, otherKey));
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            assertFalse(m.contains(keyBase64.substring(40, 80)), m);
            assertFalse(m.contains("PRIVATE KEY-----"), m);
        }
        assertFalse(new CertifiedKey(leaf.chain(), leaf.keyPair().getPrivate()).toString().contains(keyBase64.substring(40, 80)));
    }

    @Test
    void encodeWritesWhatParseReads() {
        TestCa.Leaf leaf = CA.issue("round.example.com");
        byte[] pem = PemFiles.encode(leaf.chain(), leaf.keyPair().getPrivate());
        CertifiedKey ck = PemFiles.parse(Path.of("a"), pem, Path.of("a"), pem);
        assertEquals(leaf.chain(), ck.chain());
        assertEquals(leaf.keyPair().getPrivate(), ck.key());
    }

    static String message(Runnable r) {
        return assertThrows(TlsException.class, r::run).getMessage();
    }

    private void openssl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }
}
