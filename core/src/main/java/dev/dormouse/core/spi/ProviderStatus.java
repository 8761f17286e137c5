package dev.dormouse.core.spi;

import java.time.Instant;
import java.util.Optional;

/**
 * How a provider's connection to its backend stands, for the admin API and metrics.
 *
 * @param connected whether the event stream (Docker) or the last poll (Proxmox) reached the backend
 * @param lastError the last connection error, empty after a success
 * @param lastEventAt when the last container event arrived, if any did
 */
public record ProviderStatus(boolean connected, Optional<String> lastError, Optional<Instant> lastEventAt) {
    /** Tracks a status from many threads; readers get a consistent snapshot. */
    public static final class Tracker {
        private volatile ProviderStatus current = new ProviderStatus(false, Optional.empty(), Optional.empty());

        public ProviderStatus get() {
            return current;
        }

        public synchronized void connected() {
            current = new ProviderStatus(true, Optional.empty(), current.lastEventAt);
        }

        public synchronized void failed(String error) {
            current = new ProviderStatus(false, Optional.of(error), current.lastEventAt);
        }

        public synchronized void event(Instant at) {
            current = new ProviderStatus(current.connected, current.lastError, Optional.of(at));
        }
    }
}
