package dev.dormouse.core;

import dev.dormouse.core.spi.ProviderConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A whole, validated config file. Build it with {@link ConfigLoader}.
 *
 * @param defaultIdle {@code defaults.idlewatcher} over the built-in defaults, for routes declared elsewhere (labels)
 * @param defaultHealthcheck {@code defaults.healthcheck} over the built-in defaults
 */
public record DormouseConfig(Path source, ServerConfig server, TlsConfig tls,
        List<ProviderConfig> providers, List<NotificationConfig> notifications, RuntimeConfig runtime,
        List<RouteConfig> routes, IdleConfig defaultIdle, HealthcheckConfig defaultHealthcheck) {

    public DormouseConfig {
        providers = List.copyOf(providers);
        notifications = List.copyOf(notifications);
        routes = List.copyOf(routes);
    }

    public Optional<RouteConfig> route(String name) {
        return routes.stream().filter(r -> r.name().equals(name)).findFirst();
    }
}
