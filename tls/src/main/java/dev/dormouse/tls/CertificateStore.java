package dev.dormouse.tls;

import dev.dormouse.core.TlsCertificate;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The certificates the HTTPS listener serves, as one immutable snapshot swapped atomically.
 *
 * <p>{@link #select(String)} is what each handshake asks (through the key manager of
 * {@link ServerTlsContext}): the most specific certificate for the SNI name wins, an exact name before a
 * {@code *.parent} wildcard (which covers exactly one label); a name nothing covers, or a handshake without
 * SNI, gets the first file certificate, else an ACME one. It is a map lookup: no lock, no allocation but a
 * substring when the exact lookup misses.
 *
 * <p>File certificates come first, in config order; ACME certificates serve only hosts that no file
 * certificate covers. Changes ({@link #reloadFiles()}, {@link #reconfigure(List)}, the ACME worker) build a
 * new snapshot under a lock that only writers take. Open connections are never touched: new handshakes see
 * the new snapshot. (A resumed TLS session keeps the identity it was established with, as TLS intends.)
 */
public final class CertificateStore {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.tls.files");

    private final AtomicReference<Snapshot> current;

    private CertificateStore(Snapshot initial) {
        this.current = new AtomicReference<>(initial);
    }

    /**
     * Reads every {@code tls.certificates} entry; any file that cannot be used fails the whole call (every
     * problem in one message), as a daemon must not start with half its certificates.
     */
    public static CertificateStore open(List<TlsCertificate> files) {
        return new CertificateStore(Snapshot.EMPTY.with(loadAll(files, List.of()), new TreeMap<>()));
    }

    /**
     * Replaces the configured files (a config reload). All or nothing: an unchanged entry whose files fail to
     * read now keeps its certificate (and records the error); a new entry that fails fails the call and the
     * store stays as it was.
     */
    public synchronized void reconfigure(List<TlsCertificate> files) {
        Snapshot s = current.get();
        swap(s.with(loadAll(files, s.files), s.acme));
    }

    /**
     * Re-reads the certificate and key files whose modification time or size changed and whose content
     * differs. A file that is now bad (half written, wrong key, garbage) leaves the previous certificate
     * serving and becomes that entry's {@code lastError}; each change is logged once.
     *
     * @return whether anything changed (a new certificate or a new error)
     */
    public synchronized boolean reloadFiles() {
        Snapshot s = current.get();
        List<FileSlot> next = new ArrayList<>(s.files.size());
        boolean changed = false;
        for (FileSlot slot : s.files) {
            FileSlot n = reload(slot);
            changed |= n.entry() != slot.entry() || !n.lastError().equals(slot.lastError());
            next.add(n);
        }
        if (!next.equals(s.files)) swap(s.with(next, s.acme));
        return changed;
    }

    /** The certificate to serve for an SNI name; empty only when the store has no certificate at all. */
    public Optional<CertificateEntry> select(String sniName) {
        return Optional.ofNullable(selectOrNull(sniName));
    }

    /** The certificate for handshakes without SNI (or with a name nothing covers). */
    public Optional<CertificateEntry> fallback() {
        return Optional.ofNullable(current.get().fallback());
    }

    /** Whether a file certificate covers the host (exactly or by wildcard); the ACME worker skips such hosts. */
    public boolean coveredByFile(String host) {
        return current.get().coveredByFile(host.toLowerCase(Locale.ROOT));
    }

    /** Every certificate served, file certificates first (config order), then ACME ones by host. */
    public List<CertificateEntry> entries() {
        return current.get().entries();
    }

    /**
     * One record per certificate name: file certificates' names (a name an earlier file already has is
     * shown once, for the certificate that serves it), then ACME hosts, including those still waiting for
     * their first certificate.
     */
    public List<HostCertificate> status() {
        Snapshot s = current.get();
        List<HostCertificate> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (FileSlot slot : s.files) {
            for (String name : slot.entry().names()) {
                if (seen.add(name) && s.covering(name) == slot.entry()) out.add(fileStatus(name, slot));
            }
        }
        s.acme.forEach((host, a) -> {
            if (!s.coveredByFile(host) && seen.add(host)) out.add(acmeStatus(host, a));
        });
        return out;
    }

    /** The certificate that covers a route host (exactly or by wildcard, or its ACME state); empty when only the fallback would answer. */
    public Optional<HostCertificate> status(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        Snapshot s = current.get();
        CertificateEntry e = s.covering(h);
        if (e != null && e.source() == Source.FILE) {
            for (FileSlot slot : s.files) if (slot.entry() == e) return Optional.of(fileStatus(h, slot));
        }
        AcmeHost a = s.acme.get(h);
        return a == null ? Optional.empty() : Optional.of(acmeStatus(h, a));
    }

    // ---------------------------------------------------------------- for the key manager and the ACME worker

    CertificateEntry selectOrNull(String sniName) {
        return current.get().select(sniName == null ? null : sniName.toLowerCase(Locale.ROOT));
    }

    CertificateEntry byAlias(String alias) {
        return current.get().byAlias(alias);
    }

    Optional<AcmeHost> acme(String host) {
        return Optional.ofNullable(current.get().acme.get(host));
    }

    synchronized void updateAcme(String host, AcmeHost state) {
        Snapshot s = current.get();
        if (state.equals(s.acme.get(host))) return;
        SortedMap<String, AcmeHost> acme = new TreeMap<>(s.acme);
        acme.put(host, state);
        swap(s.with(s.files, acme));
    }

    /** Forgets ACME hosts no route has any more (their files stay on disk for when they come back). */
    synchronized void retainAcme(Set<String> hosts) {
        Snapshot s = current.get();
        if (hosts.containsAll(s.acme.keySet())) return;
        SortedMap<String, AcmeHost> acme = new TreeMap<>(s.acme);
        acme.keySet().retainAll(hosts);
        swap(s.with(s.files, acme));
    }

    // ---------------------------------------------------------------- internals

    private void swap(Snapshot next) {
        current.set(next);
    }

    private static HostCertificate fileStatus(String host, FileSlot slot) {
        return new HostCertificate(host, Source.FILE, Optional.of(slot.files().certFile()), Optional.of(slot.entry().notAfter()),
                slot.lastError(), Optional.empty());
    }

    private static HostCertificate acmeStatus(String host, AcmeHost a) {
        return new HostCertificate(host, Source.ACME, a.entry().flatMap(CertificateEntry::file), a.entry().map(CertificateEntry::notAfter),
                a.lastError(), a.nextAttempt());
    }

    private static List<FileSlot> loadAll(List<TlsCertificate> files, List<FileSlot> existing) {
        List<FileSlot> out = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (TlsCertificate f : files) {
            FileSlot old = existing.stream().filter(s -> s.files().equals(f)).findFirst().orElse(null);
            if (old != null) {
                out.add(reload(old));
                continue;
            }
            FileStamp stamp = FileStamp.look(f.certFile(), f.keyFile());
            try {
                byte[] cert = PemFiles.read(f.certFile());
                byte[] key = PemFiles.read(f.keyFile());
                CertifiedKey ck = PemFiles.parse(f.certFile(), cert, f.keyFile(), key);
                out.add(new FileSlot(f, new CertificateEntry(ck, Source.FILE, Optional.of(f.certFile())), Optional.empty(), stamp.withHash(cert, key)));
            } catch (TlsException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) throw new TlsException(String.join("; ", problems));
        return out;
    }

    private static FileSlot reload(FileSlot slot) {
        TlsCertificate f = slot.files();
        FileStamp seen = FileStamp.look(f.certFile(), f.keyFile());
        if (seen.sameTimesAndSizes(slot.stamp())) return slot;
        byte[] cert;
        byte[] key;
        try {
            cert = PemFiles.read(f.certFile());
            key = PemFiles.read(f.keyFile());
        } catch (TlsException e) {
            return failed(slot, seen, e.getMessage());
        }
        FileStamp stamp = seen.withHash(cert, key);
        if (stamp.sameContent(slot.stamp())) return new FileSlot(f, slot.entry(), slot.lastError(), stamp);
        try {
            CertificateEntry e = new CertificateEntry(PemFiles.parse(f.certFile(), cert, f.keyFile(), key), Source.FILE, Optional.of(f.certFile()));
            LOG.log(Level.INFO, "tls: reloaded " + f.certFile() + " (" + String.join(", ", e.names()) + ", expires " + e.notAfter() + ")");
            return new FileSlot(f, e, Optional.empty(), stamp);
        } catch (TlsException e) {
            return failed(slot, stamp, e.getMessage());
        }
    }

    private static FileSlot failed(FileSlot slot, FileStamp stamp, String message) {
        LOG.log(Level.WARNING, message + "; still serving the previous certificate of " + slot.files().certFile() + " ("
                + String.join(", ", slot.entry().names()) + ", expires " + slot.entry().notAfter() + ")");
        return new FileSlot(slot.files(), slot.entry(), Optional.of(message), stamp);
    }
}
