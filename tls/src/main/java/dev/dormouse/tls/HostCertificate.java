package dev.dormouse.tls;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One host's certificate as the admin API, {@code dormouse routes} and {@code /metrics} show it.
 *
 * @param host the certificate name ({@code app.example.com}, or {@code *.example.com} for a wildcard file certificate)
 * @param source {@code file} or {@code acme}
 * @param file the certificate file ({@code tls.certificates[].cert_file}, or the file under {@code <data_dir>/acme/})
 * @param notAfter the leaf's expiry; empty for an ACME host that has no certificate yet
 * @param lastError why the last reload or ACME attempt failed; empty once one succeeds. The certificate
 *     shown keeps serving meanwhile
 * @param nextAttempt for ACME: when the worker next orders (a retry after a failure, or the renewal time)
 */
public record HostCertificate(String host, Source source, Optional<Path> file, Optional<Instant> notAfter,
        Optional<String> lastError, Optional<Instant> nextAttempt) {
    public HostCertificate {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(notAfter, "notAfter");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(nextAttempt, "nextAttempt");
    }

    /** {@code dormouse_tls_certificate_expiry_seconds{host}}: the expiry as Unix epoch seconds, when there is a certificate. */
    public OptionalLong expirySeconds() {
        return notAfter.map(t -> OptionalLong.of(t.getEpochSecond())).orElse(OptionalLong.empty());
    }

    /** Whether the certificate has expired at {@code now} (it is still served; renew or replace it). */
    public boolean expired(Instant now) {
        return notAfter.map(now::isAfter).orElse(false);
    }
}
