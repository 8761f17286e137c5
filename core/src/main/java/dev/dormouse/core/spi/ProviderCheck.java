package dev.dormouse.core.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a backend said when {@link Provider#check()} asked it.
 *
 * @param server the backend and its version as it reports them, e.g. {@code Docker 27.3.1} or {@code PVE 8.2.4}
 * @param serverTime the backend's clock at the answer, when it tells
 */
public record ProviderCheck(String server, Optional<Instant> serverTime) {
    public ProviderCheck {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(serverTime, "serverTime");
    }
}
