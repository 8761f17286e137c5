package dev.dormouse.tls;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One certificate the HTTPS listener can serve: its names, chain, key and where it came from. Immutable;
 * a reloaded file or a renewed ACME certificate is a new entry. {@link #toString()} shows no key.
 */
public final class CertificateEntry {
    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final String alias;
    private final List<String> names;
    private final X509Certificate[] chain;
    private final PrivateKey key;
    private final Source source;
    private final Optional<Path> file;

    CertificateEntry(CertifiedKey certified, Source source, Optional<Path> file) {
        Objects.requireNonNull(certified, "certified");
        this.source = Objects.requireNonNull(source, "source");
        this.file = Objects.requireNonNull(file, "file");
        this.chain = certified.chain().toArray(X509Certificate[]::new);
        this.key = certified.key();
        this.names = HostNames.of(chain[0]);
        // Unique per loaded certificate, so a handshake that chose an alias just before a swap still finds its key.
        this.alias = source.label() + "-" + SEQUENCE.incrementAndGet();
    }

    /** SAN dNSName entries, lower case (the subject CN only when there is no SAN); may hold {@code *.parent} wildcards. */
    public List<String> names() {
        return names;
    }

    /** The chain, leaf first. */
    public List<X509Certificate> chain() {
        return List.of(chain);
    }

    public Source source() {
        return source;
    }

    /** The certificate file for {@link Source#FILE}; for {@link Source#ACME} the file under {@code <data_dir>/acme/}. */
    public Optional<Path> file() {
        return file;
    }

    public Instant notBefore() {
        return chain[0].getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return chain[0].getNotAfter().toInstant();
    }

    /** Whether the leaf has expired at {@code now}. An expired certificate is still served (and shown in status). */
    public boolean expired(Instant now) {
        return now.isAfter(notAfter());
    }

    String alias() {
        return alias;
    }

    /** The chain array itself, handed to JSSE without a copy (JSSE does not modify it). */
    X509Certificate[] chainArray() {
        return chain;
    }

    PrivateKey key() {
        return key;
    }

    /** The key type JSSE asks for: {@code RSA} or {@code EC}. */
    String keyType() {
        return key.getAlgorithm();
    }

    @Override
    public String toString() {
        return "CertificateEntry[" + source.label() + file.map(f -> " " + f).orElse("") + ", names=" + names + ", notAfter=" + notAfter() + "]";
    }
}
