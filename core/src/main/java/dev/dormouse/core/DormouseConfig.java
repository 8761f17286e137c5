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

    /**
     * The sections that differ in {@code next} and take effect only when dormouse starts again: a reload
     * applies the routes (and the defaults they use) and leaves {@code server}, {@code tls},
     * {@code providers}, {@code runtime} and {@code notifications} as they were started.
     */
    public List<String> restartNeeded(DormouseConfig next) {
        List<String> out = new java.util.ArrayList<>();
        if (!server.equals(next.server)) out.add("server");
        if (!tls.equals(next.tls)) out.add("tls");
        if (!providers.equals(next.providers)) out.add("providers");
        if (!runtime.equals(next.runtime)) out.add("runtime");
        if (!notifications.equals(next.notifications)) out.add("notifications");
        return List.copyOf(out);
    }
}
