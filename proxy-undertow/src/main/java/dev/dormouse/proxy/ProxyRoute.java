package dev.dormouse.proxy;

import dev.dormouse.core.RouteConfig;
import dev.dormouse.idlewatcher.IdleWatcher;
import java.util.Objects;
import java.util.Optional;

/**
 * A route as the proxy serves it.
 *
 * @param config the route's configuration
 * @param watcher its idle watcher, present when the route has a container that sleeps and wakes
 */
public record ProxyRoute(RouteConfig config, Optional<IdleWatcher> watcher) {
    public ProxyRoute {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(watcher, "watcher");
    }
}
