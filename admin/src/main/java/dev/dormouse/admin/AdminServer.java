package dev.dormouse.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dormouse.core.Durations;
import dev.dormouse.core.ListenAddress;
import dev.dormouse.core.LogText;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.RouteSet;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.tls.HostCertificate;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.ByteArrayOutputStream;
import java.lang.System.Logger.Level;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xnio.Options;

/**
 * The admin API and {@code /metrics} on their own listener ({@code server.admin}), as docs/admin-api.md
 * describes. Every path but {@code GET /healthz} needs the bearer token. Handlers that may block (the
 * database, providers, waiting wakes) run on virtual threads, never on an I/O thread.
 */
public final class AdminServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.admin");
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 1000;
    static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Extra time a {@code wait=true} wake or a sleep is given beyond the route's own bound. */
    private static final Duration GRACE = Duration.ofSeconds(5);

    /**
     * What the server needs.
     *
     * @param listen {@code [host]:port} ({@code :0} picks a free port); not empty
     * @param version answered by {@code /healthz}
     * @param token the bearer token every path but {@code /healthz} needs
     * @param backend what the endpoints read and do
     * @param events the hub {@code /api/v1/events} subscribes to
     * @param keepalive interval of {@code : keepalive} comments on event streams
     * @param eventQueue messages an event stream may have waiting before its client counts as too slow
     */
    public record Deps(String listen, String version, AdminToken token, AdminBackend backend, AdminEvents events, Duration keepalive,
            int eventQueue) {
        public Deps {
            Objects.requireNonNull(listen, "listen");
            try {
                ListenAddress.parse(listen);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("listen " + e.getMessage(), e);
            }
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(token, "token");
            Objects.requireNonNull(backend, "backend");
            Objects.requireNonNull(events, "events");
            if (keepalive == null || !keepalive.isPositive()) throw new IllegalArgumentException("keepalive must be > 0, got " + keepalive);
            if (eventQueue < 1) throw new IllegalArgumentException("eventQueue must be >= 1, got " + eventQueue);
        }

        /** Keepalive every 15 s, up to 1024 waiting messages per event stream. */
        public Deps(String listen, String version, AdminToken token, AdminBackend backend, AdminEvents events) {
            this(listen, version, token, backend, events, Duration.ofSeconds(15), 1024);
        }
    }

    @FunctionalInterface
    private interface Action {
        void handle(HttpServerExchange ex, Matcher path) throws Exception;
    }

    private record Handler(boolean blocking, Action action) {}

    private record Endpoint(Pattern path, Map<String, Handler> methods) {}

    private final Deps deps;
    private final List<Endpoint> endpoints = new ArrayList<>();
    private final ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("admin-api-", 0).factory());
    private Undertow server;
    private int port = -1;

    public AdminServer(Deps deps) {
        this.deps = Objects.requireNonNull(deps, "deps");
        endpoint("/healthz", "GET", false, (ex, m) -> healthz(ex));
        endpoint("/api/v1/routes", "GET", true, (ex, m) -> routes(ex));
        endpoint("/api/v1/routes/([^/]+)", "GET", true, (ex, m) -> reply(ex, 200, routeOrRejected(m.group(1))));
        endpoint("/api/v1/routes/([^/]+)/wake", "POST", true, (ex, m) -> wake(ex, m.group(1)));
        endpoint("/api/v1/routes/([^/]+)/sleep", "POST", true, (ex, m) -> sleep(ex, m.group(1)));
        endpoint("/api/v1/providers", "GET", true,
                (ex, m) -> reply(ex, 200, AdminJson.list("providers", deps.backend().providers().stream().map(AdminJson::provider).toList())));
        endpoint("/api/v1/runtimes", "GET", true,
                (ex, m) -> reply(ex, 200, AdminJson.list("runtimes", deps.backend().runtimes().stream().map(AdminJson::runtime).toList())));
        endpoint("/api/v1/operations", "GET", true, (ex, m) -> reply(ex, 200, AdminJson.list("operations",
                deps.backend().operations(param(ex, "runtime"), limit(ex)).stream().map(AdminJson::operation).toList())));
        endpoint("/api/v1/health-events", "GET", true, (ex, m) -> reply(ex, 200, AdminJson.list("health_events",
                deps.backend().healthEvents(param(ex, "runtime"), limit(ex)).stream().map(AdminJson::healthEvent).toList())));
        endpoint("/api/v1/cleanup", "GET", true,
                (ex, m) -> reply(ex, 200, AdminJson.list("candidates", deps.backend().cleanupPlan().stream().map(AdminJson::runtime).toList())));
        endpoint("/api/v1/cleanup", "POST", true,
                (ex, m) -> reply(ex, 200, AdminJson.list("operations", deps.backend().cleanup().stream().map(AdminJson::operation).toList())));
        endpoint("/api/v1/reload", "POST", true, (ex, m) -> reload(ex));
        endpoint("/api/v1/events", "GET", false, (ex, m) -> events(ex));
        endpoint("/metrics", "GET", true, (ex, m) -> metrics(ex));
    }

    private void endpoint(String path, String method, boolean blocking, Action action) {
        for (Endpoint e : endpoints) {
            if (e.path().pattern().equals(path)) {
                e.methods().put(method, new Handler(blocking, action));
                return;
            }
        }
        Map<String, Handler> methods = new LinkedHashMap<>();
        methods.put(method, new Handler(blocking, action));
        endpoints.add(new Endpoint(Pattern.compile(path), methods));
    }

    /** Binds the listener; a taken address is an {@link AdminException} naming it. A non-loopback address is warned about. */
    public synchronized void start() {
        if (server != null) throw new AdminException("admin api already started");
        String listen = deps.listen();
        ListenAddress at = ListenAddress.parse(listen); // checked by Deps
        String host = at.bindAddress().getHostString();
        int p = at.port();
        if (!loopback(host)) {
            LOG.log(Level.WARNING, "admin api listens on {0}, which is not a loopback address: anyone who can reach it and has the token "
                    + "controls dormouse; prefer 127.0.0.1 and a tunnel", listen);
        }
        Undertow u = Undertow.builder()
                .addHttpListener(p, host)
                .setIoThreads(1)
                .setWorkerThreads(2)
                .setServerOption(UndertowOptions.RECORD_REQUEST_START_TIME, false)
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, 64L * 1024)
                .setSocketOption(Options.REUSE_ADDRESSES, true)
                .setHandler(this::handle)
                .build();
        port = startListening(u, "admin api: listen " + listen);
        server = u;
        LOG.log(Level.INFO, "admin api listening on {0}:{1,number,#} (token in {2})", host, port, deps.token().file());
    }

    /** Starts {@code u} and answers its port; a failure reads {@code action: address already in use} (or the cause's message). */
    private static int startListening(Undertow u, String action) {
        try {
            u.start();
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) root = root.getCause();
            String why = root instanceof BindException ? "address already in use" : root.getMessage();
            throw new AdminException(action + ": " + why, e);
        }
        return ((InetSocketAddress) u.getListenerInfo().get(0).getAddress()).getPort();
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The bound port, -1 before start. */
    public int port() {
        return port;
    }

    /** Stops the listener; open event streams are closed. */
    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop();
            server = null;
        }
        executor.shutdownNow();
    }

    // ---------------------------------------------------------------- dispatching

    private void handle(HttpServerExchange ex) {
        String path = ex.getRequestPath();
        Endpoint found = null;
        Matcher m = null;
        for (Endpoint e : endpoints) {
            Matcher mm = e.path().matcher(path);
            if (mm.matches()) {
                found = e;
                m = mm;
                break;
            }
        }
        boolean open = found != null && path.equals("/healthz");
        if (!open && !authorized(ex)) {
            ex.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer realm=\"dormouse\"");
            error(ex, new AdminApiException(401, "unauthorized", "missing or wrong bearer token (the token is in "
                    + deps.token().file().getFileName() + " in the daemon's data_dir)"));
            return;
        }
        if (found == null) {
            error(ex, new AdminApiException(404, "not_found", "no such endpoint: " + path));
            return;
        }
        String method = ex.getRequestMethod().toString();
        Handler h = found.methods().get(method);
        if (h == null) {
            String allow = String.join(", ", found.methods().keySet());
            ex.getResponseHeaders().put(Headers.ALLOW, allow);
            error(ex, new AdminApiException(405, "method_not_allowed", method + " " + path + ": method not allowed (allowed: " + allow + ")"));
            return;
        }
        Matcher match = m;
        if (h.blocking()) ex.dispatch(executor, () -> run(ex, h, match));
        else run(ex, h, match);
    }

    private void run(HttpServerExchange ex, Handler h, Matcher m) {
        try {
            h.action().handle(ex, m);
        } catch (AdminApiException e) {
            error(ex, e);
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            LOG.log(Level.ERROR, "admin api: " + ex.getRequestMethod() + " " + ex.getRequestPath() + " failed", e);
            error(ex, new AdminApiException(500, "internal", "internal error while answering " + ex.getRequestMethod() + " "
                    + ex.getRequestPath() + "; the daemon log has the details"));
        }
    }

    private boolean authorized(HttpServerExchange ex) {
        String h = ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (h == null || h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
        return deps.token().matches(h.substring(7).strip());
    }

    private static void reply(HttpServerExchange ex, int status, JsonNode body) {
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        ex.getResponseSender().send(ByteBuffer.wrap(AdminJson.bytes(body)));
    }

    private static void error(HttpServerExchange ex, AdminApiException e) {
        if (ex.isResponseStarted()) {
            ex.endExchange();
            return;
        }
        reply(ex, e.status, AdminJson.error(e.code, e.getMessage()));
    }

    // ---------------------------------------------------------------- parameters

    private static Optional<String> param(HttpServerExchange ex, String name) {
        Deque<String> values = ex.getQueryParameters().get(name);
        if (values == null || values.isEmpty() || values.peekFirst().isEmpty()) return Optional.empty();
        return Optional.of(values.peekFirst());
    }

    private static int limit(HttpServerExchange ex) {
        Optional<String> s = param(ex, "limit");
        if (s.isEmpty()) return DEFAULT_LIMIT;
        try {
            int n = Integer.parseInt(s.get());
            if (n >= 1 && n <= MAX_LIMIT) return n;
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new AdminApiException(400, "bad_request", "limit: must be a whole number from 1 to " + MAX_LIMIT + ", got '" + s.get() + "'");
    }

    private static boolean flag(HttpServerExchange ex, String name) {
        Optional<String> s = param(ex, name);
        if (s.isEmpty()) return false;
        return switch (s.get()) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw new AdminApiException(400, "bad_request", name + ": must be true or false, got '" + s.get() + "'");
        };
    }

    private RouteConfig route(String name) {
        for (RouteConfig r : deps.backend().routes()) {
            if (r.name().equals(name)) return r;
        }
        for (RouteSet.Rejected x : deps.backend().rejectedRoutes()) {
            if (x.route().name().equals(name)) {
                throw new AdminApiException(404, "route_not_found", "no route named '" + name + "' in use: the label route of container '"
                        + LogText.escape(x.label().container()) + "' was rejected: " + x.reason());
            }
        }
        throw new AdminApiException(404, "route_not_found", "no route named '" + name + "'");
    }

    /** The route in use with that name, else a rejected label route with it. */
    private ObjectNode routeOrRejected(String name) {
        for (RouteConfig r : deps.backend().routes()) {
            if (r.name().equals(name)) return routeJson(r);
        }
        for (RouteSet.Rejected x : deps.backend().rejectedRoutes()) {
            if (x.route().name().equals(name)) return AdminJson.rejected(x);
        }
        throw new AdminApiException(404, "route_not_found", "no route named '" + name + "'");
    }

    private ObjectNode routeJson(RouteConfig r) {
        List<HostCertificate> certs = new ArrayList<>();
        for (String host : r.hosts()) deps.backend().certificate(host).ifPresent(certs::add);
        return AdminJson.route(r, deps.backend().watcher(r.name()), deps.backend().health(r.name()), certs);
    }

    private IdleWatcher watcher(RouteConfig r, String action) {
        return deps.backend().watcher(r.name()).orElseThrow(() -> new AdminApiException(409, "not_sleepable",
                action + " route '" + r.name() + "': it has no container, so it is always proxied"));
    }

    // ---------------------------------------------------------------- endpoints

    private void healthz(HttpServerExchange ex) {
        ObjectNode o = AdminJson.object();
        o.put("status", "ok");
        o.put("version", deps.version());
        reply(ex, 200, o);
    }

    private void routes(HttpServerExchange ex) {
        List<ObjectNode> out = new ArrayList<>();
        for (RouteConfig r : deps.backend().routes()) out.add(routeJson(r));
        for (RouteSet.Rejected x : deps.backend().rejectedRoutes()) out.add(AdminJson.rejected(x));
        reply(ex, 200, AdminJson.list("routes", out));
    }

    private void wake(HttpServerExchange ex, String name) throws InterruptedException {
        RouteConfig r = route(name);
        boolean wait = flag(ex, "wait");
        IdleWatcher w = watcher(r, "wake");
        if (w.isReady()) {
            reply(ex, 200, routeJson(r));
            return;
        }
        CompletableFuture<Void> f = w.wake(OpSource.ADMIN);
        if (!wait && !f.isDone()) {
            reply(ex, 202, routeJson(r));
            return;
        }
        Duration bound = r.idle().wakeTimeout().plus(GRACE);
        try {
            f.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AdminApiException(502, "wake_failed", e.getCause() == null ? "wake of route '" + name + "' failed" : e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new AdminApiException(502, "wake_failed", "wake of route '" + name + "' did not end within " + Durations.format(bound));
        }
        reply(ex, 200, routeJson(r));
    }

    private void sleep(HttpServerExchange ex, String name) throws InterruptedException {
        RouteConfig r = route(name);
        IdleWatcher w = watcher(r, "sleep");
        Duration bound = r.idle().stopTimeout().plus(r.idle().wakeTimeout()).plus(GRACE);
        try {
            w.sleep(OpSource.ADMIN).get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AdminApiException(502, "sleep_failed", e.getCause() == null ? "sleep route '" + name + "' failed" : e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new AdminApiException(502, "sleep_failed", "sleep route '" + name + "': the provider did not finish within " + Durations.format(bound));
        }
        if (w.state() == RouteState.MISSING) {
            throw new AdminApiException(502, "sleep_failed", "sleep route '" + name + "': container '" + r.container().orElseThrow() + "' is missing");
        }
        reply(ex, 200, routeJson(r));
    }

    private void reload(HttpServerExchange ex) {
        switch (deps.backend().reload()) {
            case AdminBackend.Reload.Done d -> {
                ObjectNode o = AdminJson.object();
                o.put("reloaded", true);
                o.put("routes", d.routes());
                reply(ex, 200, o);
            }
            case AdminBackend.Reload.Refused rf -> throw new AdminApiException(422, "config_invalid", rf.problem());
            case AdminBackend.Reload.Unavailable u -> throw new AdminApiException(409, "reload_unavailable", u.why());
        }
    }

    /** On the I/O thread: checking the filter reads the route snapshot only. */
    private void events(HttpServerExchange ex) {
        Optional<String> route = param(ex, "route");
        route.ifPresent(this::route);
        AdminEventStream.open(ex, deps.events(), route, deps.eventQueue(), deps.keepalive());
    }

    private void metrics(HttpServerExchange ex) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream(8192);
        deps.backend().writeMetrics(body);
        ex.setStatusCode(200);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, METRICS_CONTENT_TYPE);
        ex.getResponseSender().send(ByteBuffer.wrap(body.toByteArray()));
    }

}
