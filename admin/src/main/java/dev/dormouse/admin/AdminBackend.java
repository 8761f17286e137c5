package dev.dormouse.admin;

import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.RouteSet;
import dev.dormouse.core.spi.ProviderStatus;
import dev.dormouse.health.HealthMonitor;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.rtmanager.HealthEvent;
import dev.dormouse.rtmanager.Operation;
import dev.dormouse.rtmanager.RuntimeRecord;
import dev.dormouse.tls.HostCertificate;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * What the admin API reads and does, implemented by the daemon. The server calls these methods on virtual
 * threads, so they may block (SQLite, providers); only {@link #routes()} is also read on an I/O thread and
 * must answer from memory.
 */
public interface AdminBackend {
    /** The routes in use, in config order (file routes, then label routes). */
    List<RouteConfig> routes();

    /**
     * The label routes not in use because they claimed what another route has, each with the reason; listed
     * after {@link #routes()} with state {@code error}. Answers from memory.
     */
    default List<RouteSet.Rejected> rejectedRoutes() {
        return List.of();
    }

    /**
     * A configured provider and its connection as last seen.
     *
     * @param key {@code kind:name}, as routes' {@code provider} names it
     * @param endpoint where its backend is (a socket URL, an API URL); never a secret
     * @param routes how many routes in use have a container of this provider
     */
    record Provider(String key, String kind, String name, String endpoint, int routes, ProviderStatus status) {
        public Provider {
            java.util.Objects.requireNonNull(key, "key");
            java.util.Objects.requireNonNull(kind, "kind");
            java.util.Objects.requireNonNull(name, "name");
            java.util.Objects.requireNonNull(endpoint, "endpoint");
            java.util.Objects.requireNonNull(status, "status");
        }
    }

    /** Every configured provider, in config order, with its connection state. Answers from memory. */
    default List<Provider> providers() {
        return List.of();
    }

    /** The idle watcher of a route with a container. */
    Optional<IdleWatcher> watcher(String route);

    /** What the route's health monitor knows now; empty when it has none. */
    Optional<HealthMonitor.Snapshot> health(String route);

    /**
     * The certificate of a route host (a file one that covers it, or its ACME state); empty without the HTTPS
     * listener, or when only the fallback certificate answers for the host. Answers from memory.
     */
    default Optional<HostCertificate> certificate(String host) {
        return Optional.empty();
    }

    /** Every runtime record, by runtime id. */
    List<RuntimeRecord> runtimes();

    /** Operation-log rows, newest first. */
    List<Operation> operations(Optional<String> runtime, int limit);

    /** Health events, newest first. */
    List<HealthEvent> healthEvents(Optional<String> runtime, int limit);

    /** What one TTL cleanup pass would remove now; changes nothing. */
    List<RuntimeRecord> cleanupPlan();

    /** Runs one TTL cleanup pass now. */
    List<Operation> cleanup();

    /** Re-reads the config file. */
    Reload reload();

    /** Writes the Prometheus text exposition (format 0.0.4) of the daemon's metrics. */
    void writeMetrics(OutputStream out) throws IOException;

    /** How a reload ended. */
    sealed interface Reload {
        /** The new config is in use with {@code routes} routes. */
        record Done(int routes) implements Reload {}

        /** The file is invalid; the running config stays. {@code problem} is the first one, with file:line:column. */
        record Refused(String problem) implements Reload {}

        /** There is nothing to reload, e.g. the config was not read from a file. */
        record Unavailable(String why) implements Reload {}
    }
}
