package dev.dormouse.tls.spi;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;

/** Obtains certificates from one CA, one host at a time, for the {@code AcmeWorker}. */
public interface CertificateIssuer extends AutoCloseable {
    /**
     * Runs one order for the host and returns the chain (leaf first) for {@code domainKey}; may block for
     * the whole order (bounded by the issuer's timeout).
     *
     * @throws dev.dormouse.tls.TlsException why not, as {@code tls acme: obtain certificate for 'host': detail (directory)}
     */
    List<X509Certificate> issue(String host, KeyPair domainKey) throws InterruptedException;

    /** Frees the issuer's HTTP client. */
    @Override
    void close();
}
