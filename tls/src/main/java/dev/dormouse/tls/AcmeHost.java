package dev.dormouse.tls;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** An ACME host as the store shows it: its certificate once there is one, the last failure and when the next attempt is due. */
record AcmeHost(Optional<CertificateEntry> entry, Optional<String> lastError, Optional<Instant> nextAttempt) {
    AcmeHost {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(nextAttempt, "nextAttempt");
    }
}
