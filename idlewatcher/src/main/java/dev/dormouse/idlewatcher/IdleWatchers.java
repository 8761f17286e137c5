package dev.dormouse.idlewatcher;

import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.spi.Provider;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The idle watchers of all routes with a container. (Being implemented.) */
public final class IdleWatchers implements AutoCloseable {
    /**
     * @param routes every route; those with a container get a watcher
     * @param providers started providers by {@code kind + ":" + name}, e.g. {@code docker:local}
     */
    public IdleWatchers(List<RouteConfig> routes, Map<String, Provider> providers) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Reads every container's state (bounded), arms idle timers of running ones, follows provider events. */
    public void start() {}

    public Optional<IdleWatcher> get(String route) {
        return Optional.empty();
    }

    public List<IdleWatcher> all() {
        return List.of();
    }

    @Override
    public void close() {}
}
