package dev.dormouse.cli;

import dev.dormouse.admin.AdminBackend;
import dev.dormouse.admin.AdminEvents;
import dev.dormouse.admin.AdminServer;
import dev.dormouse.admin.AdminToken;
import dev.dormouse.core.ServerConfig;
import dev.dormouse.health.HealthMonitors;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.rtmanager.LifecycleService;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Whether the admin API runs and what feeds it: it listens on {@code server.admin} unless that is empty,
 * with the token from (or new in) {@code <data_dir>/admin.token}, and its event hub follows the runtime
 * manager's events, the health monitors' status changes and the wake events of the idle watchers in use
 * ({@link #follow}, after each change of the route set).
 */
final class AdminFront implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.cli");

    private final Optional<AdminServer> server;
    private final Optional<AdminEvents> events;
    private final List<AutoCloseable> subscriptions;

    private AdminFront(Optional<AdminServer> server, Optional<AdminEvents> events, List<AutoCloseable> subscriptions) {
        this.server = server;
        this.events = events;
        this.subscriptions = subscriptions;
    }

    /** Starts the admin API, or logs that it is disabled. */
    static AdminFront start(ServerConfig config, String version, AdminBackend backend, LifecycleService lifecycle, HealthMonitors monitors,
            Collection<IdleWatcher> watchers) {
        String listen = config.admin();
        if (listen.isEmpty()) {
            LOG.log(Level.INFO, "admin api disabled");
            return new AdminFront(Optional.empty(), Optional.empty(), List.of());
        }
        AdminToken token = AdminToken.loadOrCreate(config.dataDir());
        AdminEvents events = new AdminEvents();
        List<AutoCloseable> subscriptions = new ArrayList<>();
        AdminFront front = new AdminFront(Optional.empty(), Optional.of(events), subscriptions);
        try {
            subscriptions.add(lifecycle.subscribe(events::runtime));
            subscriptions.add(monitors.subscribe(events::health));
            events.follow(watchers);
            AdminServer server = new AdminServer(new AdminServer.Deps(listen, version, token, backend, events));
            front = new AdminFront(Optional.of(server), Optional.of(events), subscriptions);
            server.start();
        } catch (RuntimeException e) {
            front.close();
            throw e;
        }
        return front;
    }

    /** The event hub follows exactly {@code watchers} from now on. */
    void follow(Collection<IdleWatcher> watchers) {
        events.ifPresent(e -> e.follow(watchers));
    }

    /** The bound port, -1 when disabled. */
    int port() {
        return server.map(AdminServer::port).orElse(-1);
    }

    @Override
    public void close() {
        server.ifPresent(AdminServer::close);
        for (AutoCloseable a : subscriptions) {
            try {
                a.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "close admin events: {0}", e.getMessage());
            }
        }
        events.ifPresent(AdminEvents::close);
    }
}
