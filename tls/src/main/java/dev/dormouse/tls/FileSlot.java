package dev.dormouse.tls;

import dev.dormouse.core.TlsCertificate;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code tls.certificates} entry as served: the certificate last read successfully, the error of the
 * last read that failed (cleared by the next good one), and the files' stamp when last looked at.
 */
record FileSlot(TlsCertificate files, CertificateEntry entry, Optional<String> lastError, FileStamp stamp) {
    FileSlot {
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(stamp, "stamp");
    }
}
