package dev.dormouse.rtmanager;

import dev.dormouse.core.RouteConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A managed container as the configuration declares it; {@link LifecycleService#register} gives each one
 * a record.
 *
 * @param runtimeId the route's name
 * @param provider the provider key {@code kind:name} (e.g. {@code docker:local}), the key of the
 *     provider in {@link LifecycleService.Deps#providers()}
 * @param container the provider-local name or id, as passed to the provider's methods
 * @param stopSignal signal for stop and kill
 * @param stopTimeout grace before a stop becomes a kill; also bounds the action's lease
 * @param retention opt-in TTL removal of the stopped container; empty: never removed
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
        if (runtimeId.isBlank()) throw new IllegalArgumentException("runtimeId must not be blank");
        if (container.isBlank()) throw new IllegalArgumentException("runtime '" + runtimeId + "': container must not be blank");
        if (stopTimeout.isNegative()) throw new IllegalArgumentException("runtime '" + runtimeId + "': stopTimeout must be >= 0, got " + stopTimeout);
        if (retention.isPresent() && !retention.get().isPositive()) {
            throw new IllegalArgumentException("runtime '" + runtimeId + "': retention must be > 0, got " + retention.get());
        }
    }

    /**
     * The runtimes of {@code routes}: every route with a container is one, named as the route, with the
     * container's provider and reference and the route's stop signal, stop timeout and retention. This is
     * the one place that reads which container of which provider a route manages.
     */
    public static List<RuntimeSpec> of(List<RouteConfig> routes) {
        List<RuntimeSpec> out = new ArrayList<>();
        for (RouteConfig r : routes) {
            r.container().ifPresent(c -> out.add(new RuntimeSpec(r.name(), c.providerKey(), c.id(), r.idle().stopSignal(), r.idle().stopTimeout(),
                    r.retention())));
        }
        return List.copyOf(out);
    }
}
