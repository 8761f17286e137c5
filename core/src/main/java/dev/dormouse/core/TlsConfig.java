package dev.dormouse.core;

import java.util.List;
import java.util.Optional;

/**
 * The {@code tls:} block: the certificates of the HTTPS listener.
 *
 * @param certificates certificate and key files; optional, default none. SNI picks the most specific
 *     certificate for a name (exact before wildcard); a name no certificate covers gets the first one
 *     (or an ACME certificate once issued). Files are re-read when they change.
 * @param acme certificates from an ACME CA for every route host no file covers; optional
 * @param redirectHttp plain-HTTP requests for a host with a certificate get {@code 308} to https;
 *     optional, default true (only meaningful with {@code server.https})
 * @param minVersion the oldest TLS version accepted, {@code 1.2} or {@code 1.3}; optional, default {@code 1.2}
 */
public record TlsConfig(List<TlsCertificate> certificates, Optional<AcmeConfig> acme, boolean redirectHttp, String minVersion) {
    public static final TlsConfig NONE = new TlsConfig(List.of(), Optional.empty(), true, "1.2");

    public TlsConfig {
        certificates = List.copyOf(certificates);
        if (!minVersion.equals("1.2") && !minVersion.equals("1.3")) {
            throw new IllegalArgumentException("minVersion must be 1.2 or 1.3, got " + minVersion);
        }
    }

    /** Whether the HTTPS listener has any certificate source. */
    public boolean hasSource() {
        return !certificates.isEmpty() || acme.isPresent();
    }
}
