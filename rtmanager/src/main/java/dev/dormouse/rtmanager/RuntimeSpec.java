package dev.dormouse.rtmanager;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A managed container as the config declares it.
 *
 * @param runtimeId the route's name
 * @param provider the provider key, {@code kind:name} (e.g. {@code docker:local})
 * @param container the provider-local name or id, as passed to the provider
 * @param stopSignal signal for stop and kill
 * @param stopTimeout grace before a stop becomes a kill
 * @param retention opt-in TTL removal of the stopped container
 */
public record RuntimeSpec(String runtimeId, String provider, String container, String stopSignal, Duration stopTimeout,
        Optional<Duration> retention) {
    public RuntimeSpec {
        Objects.requireNonNull(runtimeId, "runtimeId");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(container, "container");
        Objects.requireNonNull(stopSignal, "stopSignal");
        Objects.requireNonNull(stopTimeout, "stopTimeout");
        Objects.requireNonNull(retention, "retention");
    }
}
