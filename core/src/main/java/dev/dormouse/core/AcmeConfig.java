package dev.dormouse.core;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code tls.acme:} block: certificates from an ACME (RFC 8555) CA for every route host that no
 * certificate file covers. Wildcard hosts are skipped: they need the DNS-01 challenge.
 *
 * @param email the account's contact address; optional
 * @param directory the CA's directory URL; optional, default Let's Encrypt's production directory
 * @param caFile extra trust (PEM) for the ACME server's own certificate, for test CAs; optional
 * @param challenge how domains are proved: {@code http-01} (on the HTTP listener) or {@code tls-alpn-01}
 *     (on the HTTPS listener); optional, default {@code http-01}
 */
public record AcmeConfig(Optional<String> email, URI directory, Optional<Path> caFile, Challenge challenge) {
    public static final URI LETS_ENCRYPT = URI.create("https://acme-v02.api.letsencrypt.org/directory");

    public enum Challenge {
        HTTP_01("http-01"),
        TLS_ALPN_01("tls-alpn-01");

        private final String label;

        Challenge(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public AcmeConfig {
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(caFile, "caFile");
        Objects.requireNonNull(challenge, "challenge");
    }
}
