package dev.dormouse.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.TlsCertificate;
import dev.dormouse.tls.testkit.TestCa;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateStoreTest {
    static final TestCa CA = TestCa.create();
    @TempDir Path dir;

    @Test
    void theMostSpecificCertificateWinsAndUnknownNamesGetTheFirst() {
        TlsCertificate first = CA.issue("first.example.com").write(dir, "first");
        TlsCertificate wild = CA.issue("*.example.com").write(dir, "wild");
        TlsCertificate exact = CA.issue("app.example.com", "APP2.example.com").write(dir, "exact");
        CertificateStore store = CertificateStore.open(List.of(first, wild, exact));

        assertEquals(exact.certFile(), file(store.select("app.example.com")));
        assertEquals(exact.certFile(), file(store.select("APP.Example.COM")), "SNI names compare case-insensitively");
        assertEquals(exact.certFile(), file(store.select("app2.example.com")));
        assertEquals(wild.certFile(), file(store.select("other.example.com")));
        assertEquals(first.certFile(), file(store.select("first.example.com")), "an exact name beats the wildcard");
        assertEquals(first.certFile(), file(store.select("a.b.example.com")), "a wildcard covers exactly one label");
        assertEquals(first.certFile(), file(store.select("example.com")), "a wildcard does not cover its parent");
        assertEquals(first.certFile(), file(store.select("unknown.org")));
        assertEquals(first.certFile(), file(store.fallback()));
    }

    @Test
    void theFirstFileWinsANameTwoFilesHave() {
        TlsCertificate a = CA.issue("same.example.com").write(dir, "a");
        TlsCertificate b = CA.issue("same.example.com", "b.example.com").write(dir, "b");
        CertificateStore store = CertificateStore.open(List.of(a, b));
        assertEquals(a.certFile(), file(store.select("same.example.com")));
        assertEquals(b.certFile(), file(store.select("b.example.com")));
        assertEquals(List.of("same.example.com", "b.example.com"), store.status().stream().map(HostCertificate::host).toList());
        assertEquals(a.certFile(), store.status().get(0).file().orElseThrow());
    }

    @Test
    void acmeCertificatesServeOnlyHostsNoFileCovers() {
        TlsCertificate wild = CA.issue("*.files.example.com").write(dir, "wild");
        CertificateStore store = CertificateStore.open(List.of(wild));
        store.updateAcme("a.files.example.com", acmeHost("a.files.example.com"));
        store.updateAcme("zeta.example.org", acmeHost("zeta.example.org"));
        store.updateAcme("alpha.example.org", acmeHost("alpha.example.org"));

        assertEquals(wild.certFile(), file(store.select("a.files.example.com")));
        assertEquals(Source.ACME, store.select("zeta.example.org").orElseThrow().source());
        assertEquals(wild.certFile(), file(store.fallback()), "with files, the fallback is the first file");
        assertTrue(store.coveredByFile("A.files.example.com"));
        assertFalse(store.coveredByFile("zeta.example.org"));
        assertEquals(List.of("*.files.example.com", "alpha.example.org", "zeta.example.org"), store.status().stream().map(HostCertificate::host).toList());

        CertificateStore acmeOnly = CertificateStore.open(List.of());
        assertTrue(acmeOnly.select("x.example.org").isEmpty(), "no certificate at all");
        acmeOnly.updateAcme("zeta.example.org", acmeHost("zeta.example.org"));
        acmeOnly.updateAcme("alpha.example.org", acmeHost("alpha.example.org"));
        assertEquals(List.of("alpha.example.org"), acmeOnly.select("unknown.org").orElseThrow().names(),
                "without files the fallback is the first ACME certificate by host, the same after every restart");
        acmeOnly.retainAcme(Set.of("zeta.example.org"));
        assertEquals(List.of("zeta.example.org"), acmeOnly.fallback().orElseThrow().names());
    }

    @Test
    void reloadSwapsChangedFilesAndKeepsTheOldCertificateWhenTheNewOneIsBad() throws Exception {
        TlsCertificate files = CA.issue("app.example.com").write(dir, "app");
        CertificateStore store = CertificateStore.open(List.of(files));
        CertificateEntry original = store.select("app.example.com").orElseThrow();
        try (LogCapture log = new LogCapture("dev.dormouse.tls.files")) {
            assertFalse(store.reloadFiles(), "nothing changed");
            assertSame(original, store.select("app.example.com").orElseThrow());

            // A touched file with the same content is not reloaded.
            Files.setLastModifiedTime(files.certFile(), FileTime.from(Instant.now().plusSeconds(5)));
            assertFalse(store.reloadFiles());
            assertSame(original, store.select("app.example.com").orElseThrow());

            // Half written: the old certificate keeps serving, the error is recorded and logged once.
            String good = Files.readString(files.certFile());
            Files.writeString(files.certFile(), good.substring(0, good.length() / 2));
            bump(files.certFile(), 10);
            assertTrue(store.reloadFiles());
            assertFalse(store.reloadFiles());
            assertSame(original, store.select("app.example.com").orElseThrow());
            HostCertificate status = store.status("app.example.com").orElseThrow();
            assertEquals(Optional.of("tls: read " + files.certFile() + ": not PEM (CERTIFICATE has no -----END CERTIFICATE----- line; half written?)"), status.lastError());
            assertEquals(1, log.at(Level.WARNING).size(), log.at(Level.WARNING).toString());
            assertTrue(log.at(Level.WARNING).get(0).endsWith("still serving the previous certificate of " + files.certFile()
                    + " (app.example.com, expires " + original.notAfter() + ")"), log.at(Level.WARNING).get(0));

            // A new certificate whose key does not match yet (cert written before key): still the old one.
            TestCa.Leaf renewed = CA.issue("app.example.com", "new.example.com");
            renewed.writeChain(files.certFile());
            bump(files.certFile(), 20);
            assertTrue(store.reloadFiles());
            assertSame(original, store.select("app.example.com").orElseThrow());
            assertTrue(store.status("app.example.com").orElseThrow().lastError().orElseThrow().contains("key does not match"));

            // The key arrives: the new certificate serves, the error is gone.
            renewed.writeKey(files.keyFile(), TestCa.KeyFormat.PKCS8);
            bump(files.keyFile(), 30);
            assertTrue(store.reloadFiles());
            CertificateEntry now = store.select("new.example.com").orElseThrow();
            assertNotSame(original, now);
            assertEquals(renewed.certificate(), now.chain().get(0));
            assertEquals(Optional.empty(), store.status("app.example.com").orElseThrow().lastError());
            assertEquals(2, log.at(Level.WARNING).size());
            assertEquals(1, log.at(Level.INFO).size());

            // A deleted file is an error too, and the certificate stays.
            Files.delete(files.keyFile());
            assertTrue(store.reloadFiles());
            assertSame(now, store.select("new.example.com").orElseThrow());
            assertEquals("tls: read " + files.keyFile() + ": no such file", store.status("new.example.com").orElseThrow().lastError().orElseThrow());
        }
    }

    @Test
    void aHandshakeThatChoseBeforeASwapStillFindsItsKey() throws Exception {
        TlsCertificate files = CA.issue("app.example.com").write(dir, "app");
        CertificateStore store = CertificateStore.open(List.of(files));
        String alias = store.selectOrNull("app.example.com").alias();
        CA.issue("app.example.com").write(dir, "app");
        bump(files.certFile(), 10);
        assertTrue(store.reloadFiles());
        assertTrue(store.byAlias(alias) != null, "the alias of the snapshot before is kept one step");
        assertTrue(store.byAlias(store.selectOrNull("app.example.com").alias()) != null);
    }

    @Test
    void openAndReconfigureAreAllOrNothing() throws Exception {
        TlsCertificate good = CA.issue("good.example.com").write(dir, "good");
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "nope");
        TlsCertificate bad = new TlsCertificate(garbage, good.keyFile());
        TlsCertificate missing = new TlsCertificate(dir.resolve("missing.pem"), good.keyFile());
        TlsException e = assertThrows(TlsException.class, () -> CertificateStore.open(List.of(good, bad, missing)));
        assertEquals("tls: read " + garbage + ": not PEM (no -----BEGIN line); tls: read " + dir.resolve("missing.pem") + ": no such file", e.getMessage());

        CertificateStore store = CertificateStore.open(List.of(good));
        assertThrows(TlsException.class, () -> store.reconfigure(List.of(good, bad)));
        assertEquals(List.of("good.example.com"), store.status().stream().map(HostCertificate::host).toList());
        TlsCertificate other = CA.issue("other.example.com").write(dir, "other");
        store.reconfigure(List.of(other, good));
        assertEquals(List.of("other.example.com", "good.example.com"), store.status().stream().map(HostCertificate::host).toList());
        assertEquals(other.certFile(), file(store.fallback()));
    }

    @Test
    void statusShowsSourceExpiryAndErrorPerHost() {
        Instant notAfter = Instant.now().plusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        TlsCertificate files = CA.issue(TestCa.KeyType.EC, Instant.now().minusSeconds(60), notAfter, "app.example.com", "*.apps.example.com").write(dir, "app");
        CertificateStore store = CertificateStore.open(List.of(files));
        store.updateAcme("pending.example.org", new AcmeHost(Optional.empty(), Optional.of("boom"), Optional.of(notAfter)));

        List<HostCertificate> status = store.status();
        assertEquals(new HostCertificate("app.example.com", Source.FILE, Optional.of(files.certFile()), Optional.of(notAfter), Optional.empty(), Optional.empty()), status.get(0));
        assertEquals("*.apps.example.com", status.get(1).host());
        assertEquals(new HostCertificate("pending.example.org", Source.ACME, Optional.empty(), Optional.empty(), Optional.of("boom"), Optional.of(notAfter)), status.get(2));
        assertEquals(notAfter.getEpochSecond(), status.get(0).expirySeconds().getAsLong());
        assertTrue(status.get(2).expirySeconds().isEmpty());
        assertEquals(new HostCertificate("x.apps.example.com", Source.FILE, Optional.of(files.certFile()), Optional.of(notAfter), Optional.empty(), Optional.empty()),
                store.status("x.apps.example.com").orElseThrow(), "a route host's status is the certificate that covers it");
        assertEquals(Optional.empty(), store.status("nothing.example.net"));
        assertTrue(status.get(0).expired(notAfter.plusSeconds(1)));
        assertFalse(status.get(0).expired(notAfter.minusSeconds(1)));
    }

    @Test
    void anExactSelectionAllocatesNothing() {
        CertificateStore store = CertificateStore.open(List.of(CA.issue("app.example.com").write(dir, "app")));
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int i = 0; i < 200_000; i++) sink += store.selectOrNull("app.example.com").names().size();
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) sink += store.selectOrNull("app.example.com").names().size();
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(sink > 0);
        assertTrue(allocated < 10_000, "100k selections allocated " + allocated + " bytes");
    }

    private static Path file(Optional<CertificateEntry> e) {
        return e.orElseThrow().file().orElseThrow();
    }

    private static void bump(Path file, int seconds) throws Exception {
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(seconds)));
    }

    private AcmeHost acmeHost(String host) {
        TestCa.Leaf leaf = CA.issue(host);
        CertificateEntry e = new CertificateEntry(new CertifiedKey(leaf.chain(), leaf.keyPair().getPrivate()), Source.ACME, Optional.of(dir.resolve(host + ".pem")));
        return new AcmeHost(Optional.of(e), Optional.empty(), Optional.empty());
    }
}
