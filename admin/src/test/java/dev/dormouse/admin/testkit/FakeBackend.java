package dev.dormouse.admin.testkit;

import dev.dormouse.admin.AdminBackend;
import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.RouteSet;
import dev.dormouse.health.HealthMonitor;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.rtmanager.HealthEvent;
import dev.dormouse.rtmanager.Operation;
import dev.dormouse.rtmanager.RuntimeRecord;
import dev.dormouse.tls.HostCertificate;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory daemon behind the admin API: routes (with {@link FakeWatcher}s), health snapshots, certificates, runtime
 * records, the operation log and health events (newest first, filtered and limited as the store does), a
 * cleanup plan and pass, and a reload outcome. It records what it was asked, so a test can tell that a
 * request reached it or not.
 */
public final class FakeBackend implements AdminBackend {
    public final List<RouteConfig> routes = new CopyOnWriteArrayList<>();
    public final List<RouteSet.Rejected> rejected = new CopyOnWriteArrayList<>();
    public final Map<String, IdleWatcher> watchers = new ConcurrentHashMap<>();
    public final Map<String, HealthMonitor.Snapshot> health = new ConcurrentHashMap<>();
    /** Each route host's certificate record, as the daemon's certificate store would answer. */
    public final Map<String, HostCertificate> certificates = new ConcurrentHashMap<>();
    public volatile List<RuntimeRecord> runtimes = List.of();
    public volatile List<AdminBackend.Provider> providers = List.of();
    /** The operation log, newest first. */
    public volatile List<Operation> operations = List.of();
    /** The health events, newest first. */
    public volatile List<HealthEvent> healthEvents = List.of();
    public volatile List<RuntimeRecord> candidates = List.of();
    /** What a cleanup pass answers. */
    public volatile List<Operation> cleanupOps = List.of();
    public volatile Reload reload = new Reload.Done(0);
    /** When set, reading the runtimes fails with it, as a broken database would. */
    public volatile RuntimeException failure;
    public volatile String metrics = "dormouse_up 1\n";
    /** What was asked, e.g. {@code operations web 5}, {@code plan}, {@code cleanup}, {@code reload}. */
    public final List<String> asked = new CopyOnWriteArrayList<>();

    /** Parses routes as the config file would have them ({@code routes:} items; the docker provider {@code local}). */
    public static List<RouteConfig> parseRoutes(String routesYaml) {
        String yaml = "providers: {docker: [{name: local}]}\nroutes:\n" + routesYaml.stripTrailing() + "\n";
        return ConfigLoader.parse(new StringReader(yaml), "test.yml", Path.of("."), Path.of("test.yml")).routes();
    }

    /** A route parsed from one YAML mapping: {@code name}, {@code hosts} (a flow list), {@code target} and, unless null, a container {@code c} with {@code idle}. */
    public static RouteConfig route(String name, String hosts, String target, String idle) {
        return parseRoutes("  - name: " + name + "\n    hosts: " + hosts + "\n    target: " + target
                + (idle == null ? "" : "\n    container: c\n    idlewatcher: {" + idle + "}")).get(0);
    }

    /** Serves {@code r} with a new fake watcher, which it answers. */
    public FakeWatcher watch(RouteConfig r) {
        FakeWatcher w = new FakeWatcher(r);
        routes.add(r);
        watchers.put(r.name(), w);
        return w;
    }

    /** Serves {@code r} without a watcher (a route without a container). */
    public RouteConfig plain(RouteConfig r) {
        routes.add(r);
        return r;
    }

    /** The fake watcher of {@code route}. */
    public FakeWatcher watcherOf(String route) {
        IdleWatcher w = watchers.get(route);
        if (!(w instanceof FakeWatcher f)) throw new IllegalArgumentException("no fake watcher for route '" + route + "'");
        return f;
    }

    @Override
    public List<RouteConfig> routes() {
        return List.copyOf(routes);
    }

    @Override
    public List<RouteSet.Rejected> rejectedRoutes() {
        return List.copyOf(rejected);
    }

    @Override
    public Optional<IdleWatcher> watcher(String route) {
        return Optional.ofNullable(watchers.get(route));
    }

    @Override
    public Optional<HealthMonitor.Snapshot> health(String route) {
        return Optional.ofNullable(health.get(route));
    }

    @Override
    public List<AdminBackend.Provider> providers() {
        asked.add("providers");
        return providers;
    }

    @Override
    public Optional<HostCertificate> certificate(String host) {
        return Optional.ofNullable(certificates.get(host));
    }

    @Override
    public List<RuntimeRecord> runtimes() {
        if (failure != null) throw failure;
        asked.add("runtimes");
        return runtimes;
    }

    @Override
    public List<Operation> operations(Optional<String> runtime, int limit) {
        asked.add("operations " + runtime.orElse("*") + " " + limit);
        return operations.stream().filter(o -> runtime.isEmpty() || runtime.get().equals(o.runtimeId())).limit(limit).toList();
    }

    @Override
    public List<HealthEvent> healthEvents(Optional<String> runtime, int limit) {
        asked.add("health-events " + runtime.orElse("*") + " " + limit);
        return healthEvents.stream().filter(e -> runtime.isEmpty() || runtime.get().equals(e.runtimeId())).limit(limit).toList();
    }

    @Override
    public List<RuntimeRecord> cleanupPlan() {
        asked.add("plan");
        return candidates;
    }

    @Override
    public List<Operation> cleanup() {
        asked.add("cleanup");
        return cleanupOps;
    }

    @Override
    public Reload reload() {
        asked.add("reload");
        return reload;
    }

    @Override
    public void writeMetrics(OutputStream out) throws IOException {
        out.write(metrics.getBytes(StandardCharsets.UTF_8));
    }
}
