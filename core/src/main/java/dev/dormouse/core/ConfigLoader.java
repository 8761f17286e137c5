package dev.dormouse.core;

import dev.dormouse.core.YamlTree.Entry;
import dev.dormouse.core.YamlTree.ListNode;
import dev.dormouse.core.YamlTree.MapNode;
import dev.dormouse.core.YamlTree.Node;
import dev.dormouse.core.YamlTree.Scalar;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates a config file completely: every problem is collected, each with
 * file:line:column and key path, and reported together in one {@link ConfigException}.
 */
public final class ConfigLoader {
    private static final Pattern ROUTE_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
    private static final Pattern HOST_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern SIGNAL = Pattern.compile("(SIG)?[A-Z0-9+-]+|\\d+");
    private static final Set<String> TARGET_SCHEMES = Set.of("http", "https", "h2c", "tcp", "udp");

    private final String file;
    private final Path baseDir;
    private final List<ConfigProblem> problems = new ArrayList<>();
    /** Routes whose container reference was already reported as bad; not reported again as missing. */
    private final Set<String> brokenContainers = new HashSet<>();
    /** Index under {@code routes:} of each parsed route, in order. */
    private final List<Integer> indexOfRoute = new ArrayList<>();

    private ConfigLoader(String file, Path baseDir) {
        this.file = file;
        this.baseDir = baseDir;
    }

    /** Loads {@code path}; throws {@link ConfigException} listing every problem. */
    public static DormouseConfig load(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigProblem(path.toString(), 0, 0, "",
                    "read config: " + e.getClass().getSimpleName() + ": " + e.getMessage())));
        }
        Path abs = path.toAbsolutePath().normalize();
        return parse(new StringReader(text), path.toString(), abs.getParent() == null ? abs : abs.getParent(), path);
    }

    /** Parses config text; {@code file} names it in problems and relative paths resolve against {@code baseDir}. */
    public static DormouseConfig parse(Reader text, String file, Path baseDir, Path source) {
        ConfigLoader l = new ConfigLoader(file, baseDir);
        Node root = YamlTree.parse(text, file, l.problems);
        DormouseConfig cfg = root == null ? null : l.build(root, source);
        if (!l.problems.isEmpty()) throw new ConfigException(List.copyOf(new java.util.LinkedHashSet<>(l.problems)));
        return cfg;
    }

    // ---------------------------------------------------------------- document

    private DormouseConfig build(Node root, Path source) {
        Section top = section(root, "");
        if (top == null) return null;
        Section server = top.section("server");
        String http = server.listen("http", ":8080");
        String https = server.listen("https", "");
        String admin = server.listen("admin", "127.0.0.1:9180");
        Path dataDir = server.path("data_dir", "./data");
        HttpLimits limits = limits(server.section("limits"));
        List<Cidr> trusted = new ArrayList<>();
        List<String> rawTrusted = server.stringList("trusted_proxies");
        for (int i = 0; i < rawTrusted.size(); i++) {
            try {
                trusted.add(Cidr.parse(rawTrusted.get(i)));
            } catch (IllegalArgumentException e) {
                server.problemItem("trusted_proxies", i, e.getMessage());
            }
        }
        server.finish();
        ServerConfig serverCfg = new ServerConfig(http, https, admin, dataDir, limits, trusted);

        TlsConfig tlsCfg = tls(top.section("tls"));
        if (!serverCfg.https().isEmpty() && !tlsCfg.hasSource()) {
            top.problemAt("server.https", "needs tls.certificates or tls.acme");
        }

        Section providers = top.section("providers");
        List<ProviderConfig> providerCfgs = new ArrayList<>();
        providerCfgs.addAll(providers.list("docker", (n, p) -> {
            Section d = section(n, p);
            if (d == null) return null;
            String name = d.requiredString("name");
            String host = d.string("host", "unix:///var/run/docker.sock");
            if (!host.startsWith("unix://") && !host.startsWith("tcp://")) {
                d.problem("host", "must start with unix:// or tcp://, got '" + host + "'");
            }
            boolean labels = d.bool("labels", false);
            d.finish();
            return name == null ? null : new DockerProviderConfig(name, host, labels);
        }));
        providerCfgs.addAll(providers.list("proxmox", (n, p) -> {
            Section x = section(n, p);
            if (x == null) return null;
            String name = x.requiredString("name");
            String url = x.requiredString("url");
            if (url != null && !url.startsWith("https://") && !url.startsWith("http://")) {
                x.problem("url", "must be an http(s) URL, got '" + url + "'");
            }
            String tokenId = x.requiredString("token_id");
            Path secret = x.requiredPath("token_secret_file");
            String fp = x.string("fingerprint", "");
            boolean insecure = x.bool("insecure_skip_verify", false);
            if (!fp.isEmpty() && !fp.matches("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){31}")) {
                x.problem("fingerprint", "must be a SHA-256 fingerprint like AB:CD:...(32 bytes), got '" + fp + "'");
            }
            if (tokenId != null && !tokenId.matches("[^@!\\s]+@[^@!\\s]+![^@!\\s]+")) {
                x.problem("token_id", "must be USER@REALM!TOKENID, got '" + tokenId + "'");
            }
            Duration poll = x.positiveDuration("poll_interval", Duration.ofSeconds(5));
            x.finish();
            return name == null ? null : new ProxmoxProviderConfig(name, url, tokenId, secret,
                    fp.isEmpty() ? Optional.empty() : Optional.of(fp), insecure, poll);
        }));
        providers.finish();
        checkUnique(providerCfgs, top);

        Section defaults = top.section("defaults");
        Section defIdle = defaults.section("idlewatcher");
        Section defHealth = defaults.section("healthcheck");
        defaults.finish();
        IdleConfig defaultIdle = idle(defIdle);
        HealthcheckConfig defaultHealth = healthcheck(defHealth);
        defIdle.finish();
        defHealth.finish();

        List<NotificationConfig> notifications = top.list("notifications", (n, p) -> {
            Section s = section(n, p);
            if (s == null) return null;
            String name = s.requiredString("name");
            String type = s.oneOf("type", null, Set.of("ntfy", "gotify", "webhook"));
            String url = s.requiredString("url");
            Optional<Path> token = s.has("token_file") ? Optional.ofNullable(s.path("token_file", "")) : Optional.empty();
            List<String> events = s.stringList("events");
            if (s.has("events") && events.isEmpty()) {
                s.problem("events", "must name at least one of " + String.join(", ", NotificationConfig.EVENTS) + " (or be left out for down, up)");
            }
            for (String ev : events) {
                if (!NotificationConfig.EVENTS.contains(ev)) {
                    s.problem("events", "events are " + String.join(", ", NotificationConfig.EVENTS) + ", got '" + ev + "'");
                }
            }
            Map<String, String> headers = s.stringMap("headers");
            if (url != null && !url.startsWith("http://") && !url.startsWith("https://")) s.problem("url", "must be an http(s) URL, got '" + url + "'");
            s.finish();
            return name == null || type == null || url == null ? null : new NotificationConfig(name, type, url, token, events, headers);
        });

        Section runtime = top.section("runtime");
        RuntimeConfig runtimeCfg = new RuntimeConfig(
                runtime.positiveDuration("inspect_interval", Duration.ofSeconds(30)),
                runtime.positiveDuration("reconcile_interval", Duration.ofMinutes(5)),
                runtime.positiveDuration("cleanup_interval", Duration.ofHours(1)),
                runtime.positiveDuration("history_retention", RuntimeConfig.DEFAULT_HISTORY_RETENTION));
        runtime.finish();

        List<Node> routeNodes = top.nodes("routes");
        List<RouteConfig> routes = new ArrayList<>();
        for (int i = 0; i < routeNodes.size(); i++) {
            String p = "routes[" + i + "]";
            RouteConfig r = route(routeNodes.get(i), p, providerCfgs, defIdle, defHealth);
            if (r != null) {
                routes.add(r);
                indexOfRoute.add(i);
            }
        }
        top.finish();
        checkRoutes(routes, routeNodes, top);
        return new DormouseConfig(source, serverCfg, tlsCfg, providerCfgs, notifications, runtimeCfg, routes, defaultIdle, defaultHealth);
    }

    private HttpLimits limits(Section s) {
        HttpLimits d = HttpLimits.DEFAULT;
        long header = s.size("max_header_bytes", d.maxHeaderBytes());
        if (header < HttpLimits.MIN_HEADER_BYTES || header > HttpLimits.MAX_HEADER_BYTES) {
            s.problem("max_header_bytes", "must be 1KiB to 16MiB, got " + ByteSizes.format(header));
            header = d.maxHeaderBytes();
        }
        Duration timeout = s.positiveDuration("header_timeout", d.headerTimeout());
        int connections = s.integer("max_connections", d.maxConnections());
        if (connections < 1 || connections > 1_000_000) {
            s.problem("max_connections", "must be 1 to 1000000, got " + connections);
            connections = d.maxConnections();
        }
        s.finish();
        return new HttpLimits(header, timeout, connections);
    }

    private StreamConfig stream(Section s) {
        StreamConfig d = StreamConfig.DEFAULT;
        int connections = s.integer("max_connections", d.maxConnections());
        if (connections < 1 || connections > 1_000_000) {
            s.problem("max_connections", "must be 1 to 1000000, got " + connections);
            connections = d.maxConnections();
        }
        Duration idle = s.positiveDuration("idle_timeout", d.idleTimeout());
        int sessions = s.integer("udp_max_sessions", d.udpMaxSessions());
        if (sessions < 1 || sessions > 1_000_000) {
            s.problem("udp_max_sessions", "must be 1 to 1000000, got " + sessions);
            sessions = d.udpMaxSessions();
        }
        s.finish();
        return new StreamConfig(connections, idle, sessions);
    }

    private TlsConfig tls(Section tls) {
        List<TlsCertificate> certs = tls.list("certificates", (n, p) -> {
            Section c = section(n, p);
            if (c == null) return null;
            Path cert = c.requiredPath("cert_file");
            Path key = c.requiredPath("key_file");
            c.finish();
            return cert == null || key == null ? null : new TlsCertificate(cert, key);
        });
        Optional<AcmeConfig> acme = Optional.empty();
        if (tls.has("acme")) {
            Section a = tls.section("acme");
            String email = a.string("email", "");
            if (!email.isEmpty() && !email.matches("[^@\\s]+@[^@\\s]+")) a.problem("email", "not an email address, got '" + email + "'");
            String dir = a.string("directory", AcmeConfig.LETS_ENCRYPT.toString());
            URI directory = AcmeConfig.LETS_ENCRYPT;
            if (!dir.startsWith("https://") && !dir.startsWith("http://")) {
                a.problem("directory", "must be the http(s) URL of the CA's ACME directory, got '" + dir + "'");
            } else {
                try {
                    directory = new URI(dir);
                } catch (URISyntaxException e) {
                    a.problem("directory", "not a URL: '" + dir + "'");
                }
            }
            Path caFile = a.path("ca_file", "");
            String challenge = a.oneOf("challenge", "http-01", Set.of("http-01", "tls-alpn-01"));
            a.finish();
            acme = Optional.of(new AcmeConfig(email.isEmpty() ? Optional.empty() : Optional.of(email), directory,
                    Optional.ofNullable(caFile), "tls-alpn-01".equals(challenge) ? AcmeConfig.Challenge.TLS_ALPN_01 : AcmeConfig.Challenge.HTTP_01));
        }
        boolean redirect = tls.bool("redirect_http", true);
        String min = tls.oneOf("min_version", "1.2", Set.of("1.2", "1.3"));
        tls.finish();
        return new TlsConfig(certs, acme, redirect, min == null ? "1.2" : min);
    }

    private void checkUnique(List<ProviderConfig> providers, Section top) {
        Set<String> seen = new HashSet<>();
        for (ProviderConfig p : providers) {
            if (!seen.add(p.kind() + "/" + p.name())) {
                top.problemAt("providers." + p.kind(), "duplicate provider name '" + p.name() + "'");
            }
        }
    }

    // ---------------------------------------------------------------- routes

    private RouteConfig route(Node node, String path, List<ProviderConfig> providers, Section defIdle, Section defHealth) {
        Section r = section(node, path);
        if (r == null) return null;
        String name = r.requiredString("name");
        if (name != null && !ROUTE_NAME.matcher(name).matches()) {
            r.problem("name", "must match [a-z0-9-] and not start or end with '-', got '" + name + "'");
            name = null;
        }
        List<String> hosts = new ArrayList<>();
        List<String> rawHosts = r.stringList("hosts");
        for (int i = 0; i < rawHosts.size(); i++) {
            String h = rawHosts.get(i).toLowerCase(Locale.ROOT);
            String err = hostError(h);
            if (err != null) r.problemItem("hosts", i, err + ", got '" + rawHosts.get(i) + "'");
            else hosts.add(h);
        }
        Optional<ContainerRef> container = Optional.empty();
        boolean hasContainer = r.has("container");
        if (hasContainer) {
            String c = r.string("container", "");
            try {
                container = Optional.of(parseContainer(c, providers));
            } catch (IllegalArgumentException e) {
                r.problem("container", e.getMessage());
            }
        }
        URI target = null;
        if (r.has("target")) {
            try {
                target = parseTarget(r.string("target", ""));
            } catch (IllegalArgumentException e) {
                r.problem("target", e.getMessage());
            }
        } else if (hasContainer) {
            target = URI.create("http://:80");
        } else {
            r.problemHere("target", "required for a route without a container");
        }
        if (target != null && target.getHost() == null && !hasContainer) {
            r.problem("target", "names no host, so it needs a container to take the address from");
            target = null;
        }
        Optional<URI> listen = Optional.empty();
        if (r.has("listen")) {
            String l = r.string("listen", "");
            if (!l.isEmpty()) {
                try {
                    listen = Optional.of(parseListen(l));
                } catch (IllegalArgumentException e) {
                    r.problem("listen", e.getMessage());
                }
            }
        }
        if (target != null) {
            boolean stream = target.getScheme().equals("tcp") || target.getScheme().equals("udp");
            if (stream) {
                if (listen.isEmpty() && !r.hasProblem("listen")) {
                    r.problemHere("listen", "required for a " + target.getScheme() + " target");
                } else if (listen.isPresent() && !listen.get().getScheme().equals(target.getScheme())) {
                    r.problem("listen", "scheme must match the target's (" + target.getScheme() + ")");
                }
                if (!hosts.isEmpty()) r.problem("hosts", "a " + target.getScheme() + " route is matched by listen, not by hosts");
            } else {
                if (rawHosts.isEmpty() && !r.hasProblem("hosts")) r.problemHere("hosts", "required for an HTTP route (at least one host)");
                if (listen.isPresent()) r.problem("listen", "only tcp and udp routes have a listener of their own");
            }
        }
        Section idle = r.section("idlewatcher").withFallback(defIdle);
        IdleConfig idleCfg = idle(idle);
        idle.finish();
        Section hc = r.section("healthcheck").withFallback(defHealth);
        HealthcheckConfig hcCfg = healthcheck(hc);
        hc.finish();
        Optional<Duration> retention = Optional.empty();
        if (r.has("retention")) {
            Duration d = r.duration("retention", Duration.ZERO);
            if (d.isPositive()) retention = Optional.of(d);
            if (!hasContainer) r.problem("retention", "needs a container");
        }
        if (!hasContainer && r.has("idlewatcher")) {
            r.problem("idlewatcher", "needs a container to put to sleep");
        }
        StreamConfig streamCfg = StreamConfig.DEFAULT;
        if (r.has("stream")) {
            streamCfg = stream(r.section("stream"));
            if (target != null && !(target.getScheme().equals("tcp") || target.getScheme().equals("udp"))) {
                r.problem("stream", "only tcp and udp routes have stream limits");
            }
        }
        r.finish();
        if (name == null || target == null) return null;
        if (hasContainer && container.isEmpty()) brokenContainers.add(name);
        return new RouteConfig(name, hosts, target, listen, container, idleCfg, hcCfg, retention, streamCfg);
    }

    private IdleConfig idle(Section s) {
        Duration idleTimeout = s.duration("idle_timeout", Duration.ZERO);
        String method = s.oneOf("stop_method", "stop", Set.of("pause", "stop", "kill"));
        StopMethod stopMethod = method == null ? StopMethod.STOP : StopMethod.valueOf(method.toUpperCase(Locale.ROOT));
        String signal = s.string("stop_signal", stopMethod == StopMethod.KILL ? "SIGKILL" : "SIGTERM");
        if (!SIGNAL.matcher(signal).matches()) s.problem("stop_signal", "not a signal name or number, got '" + signal + "'");
        Duration stopTimeout = s.duration("stop_timeout", Duration.ofSeconds(10));
        Duration wakeTimeout = s.positiveDuration("wake_timeout", Duration.ofSeconds(60));
        List<String> deps = s.stringList("depends_on");
        String startEndpoint = s.string("start_endpoint", "");
        if (!startEndpoint.isEmpty() && !startEndpoint.startsWith("/")) {
            s.problem("start_endpoint", "must be a path starting with '/', got '" + startEndpoint + "'");
        }
        boolean noLoadingPage = s.bool("no_loading_page", false);
        boolean keepAwake = s.bool("keep_awake_while_connected", true);
        List<String> ignore = new ArrayList<>();
        List<String> raw = s.stringList("ignore_user_agents");
        for (int i = 0; i < raw.size(); i++) {
            try {
                UserAgentFilter.check(raw.get(i));
                ignore.add(raw.get(i));
            } catch (IllegalArgumentException e) {
                s.problemItem("ignore_user_agents", i, e.getMessage());
            }
        }
        int maxHeld = s.integer("max_held_requests", IdleConfig.DEFAULT_MAX_HELD_REQUESTS);
        if (maxHeld < 1 || maxHeld > 1_000_000) {
            s.problem("max_held_requests", "must be 1 to 1000000, got " + maxHeld);
            maxHeld = IdleConfig.DEFAULT_MAX_HELD_REQUESTS;
        }
        return new IdleConfig(idleTimeout, stopMethod, signal, stopTimeout, wakeTimeout, deps,
                startEndpoint.isEmpty() ? Optional.empty() : Optional.of(startEndpoint), noLoadingPage, keepAwake,
                UserAgentFilter.of(ignore), maxHeld);
    }

    private HealthcheckConfig healthcheck(Section s) {
        HealthcheckConfig d = HealthcheckConfig.DEFAULT;
        String path = s.string("path", d.path());
        if (!path.startsWith("/")) s.problem("path", "must start with '/', got '" + path + "'");
        Duration interval = s.positiveDuration("interval", d.interval());
        Duration timeout = s.positiveDuration("timeout", d.timeout());
        int retries = s.integer("retries", d.retries());
        String method = s.oneOf("method", d.method(), Set.of("GET", "HEAD"));
        boolean insecure = s.bool("insecure_skip_verify", false);
        boolean disable = s.bool("disable", false);
        if (retries < 1) s.problem("retries", "must be at least 1, got " + retries);
        StatusRange expected = d.expectedStatus();
        String expectedText = s.string("expected_status", d.expectedStatus().text());
        try {
            expected = StatusRange.parse(expectedText);
        } catch (IllegalArgumentException e) {
            s.problem("expected_status", e.getMessage());
        }
        String send = s.string("send", "");
        String expect = s.string("expect", "");
        if (!expect.isEmpty() && send.isEmpty()) s.problem("expect", "needs send: only an answer to what was sent can be expected");
        return new HealthcheckConfig(path, interval, timeout, retries, method == null ? d.method() : method, insecure, disable, expected,
                send, expect);
    }

    /**
     * Cross-route checks with the rules label routes are merged by ({@link RouteRules}): unique names, hosts
     * and listeners (by protocol and port), known dependencies with containers, no cycles. Unlike a label
     * route, a file route may have an exact host inside another file route's wildcard: a deliberate override.
     */
    private void checkRoutes(List<RouteConfig> routes, List<Node> nodes, Section top) {
        Map<String, Integer> nameIndex = new HashMap<>();
        RouteRules.Claims claims = new RouteRules.Claims();
        for (int k = 0; k < routes.size(); k++) {
            RouteConfig r = routes.get(k);
            int i = indexOfRoute.get(k);
            nameIndex.putIfAbsent(r.name(), i);
            for (RouteRules.Clash c : claims.clashes(r, false)) {
                switch (c) {
                    case RouteRules.Clash.Name n -> top.problemAtNode(nodes.get(i), "routes[" + i + "].name",
                            "duplicate route name '" + n.name() + "' (also routes[" + nameIndex.get(n.name()) + "])");
                    case RouteRules.Clash.Host h -> top.problemAtNode(nodes.get(i), "routes[" + i + "].hosts",
                            "host '" + h.host() + "' is already used by route '" + h.owner() + "'");
                    case RouteRules.Clash.Listener l -> top.problemAtNode(nodes.get(i), "routes[" + i + "].listen",
                            "'" + l.listen() + "' is already used by route '" + l.owner() + "'");
                }
            }
            claims.add(r);
        }
        Map<String, RouteConfig> byName = new LinkedHashMap<>();
        routes.forEach(r -> byName.putIfAbsent(r.name(), r));
        for (int k = 0; k < routes.size(); k++) {
            RouteConfig r = routes.get(k);
            int i = indexOfRoute.get(k);
            for (String problem : RouteRules.dependencyProblems(r, n -> Optional.ofNullable(byName.get(n)),
                    d -> d.container().isPresent() || brokenContainers.contains(d.name()))) {
                top.problemAtNode(nodes.get(i), "routes[" + i + "].idlewatcher.depends_on", problem);
            }
        }
        Set<String> reported = new HashSet<>();
        for (int k = 0; k < routes.size(); k++) {
            RouteConfig r = routes.get(k);
            Optional<List<String>> cycle = RouteRules.findCycle(r.name(),
                    n -> byName.containsKey(n) ? byName.get(n).idle().dependsOn() : List.of());
            if (cycle.isPresent() && reported.add(String.join(",", cycle.get().subList(1, cycle.get().size()).stream().sorted().toList()))) {
                int i = indexOfRoute.get(k);
                top.problemAtNode(nodes.get(i), "routes[" + i + "].idlewatcher.depends_on",
                        "dependency cycle: " + String.join(" -> ", cycle.get()));
            }
        }
    }

    /**
     * Two listeners clash when they have the same protocol and port, whatever their addresses: {@code udp://:53}
     * and {@code udp://127.0.0.1:53} would both bind, and which one gets a datagram is up to the kernel.
     */
    public static String listenerKey(URI listen) {
        return listen.getScheme() + "/" + listen.getPort();
    }

    // ---------------------------------------------------------------- value parsers (also used for labels)

    /** Returns why {@code host} is not a valid Host pattern, or null. */
    public static String hostError(String host) {
        String h = host.startsWith("*.") ? host.substring(2) : host;
        if (h.isEmpty() || h.length() > 253) return "not a host name";
        if (h.contains("*")) return "a wildcard is allowed only as the first label ('*.example.com')";
        for (String label : h.split("\\.", -1)) {
            if (!HOST_LABEL.matcher(label).matches()) return "not a host name (letters, digits, '-' and '.')";
        }
        return null;
    }

    /** Parses a route target; http(s) targets get their default port. */
    public static URI parseTarget(String text) {
        URI u;
        try {
            u = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: '" + text + "'");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!TARGET_SCHEMES.contains(scheme)) {
            throw new IllegalArgumentException("scheme must be http, https, h2c, tcp or udp, got '" + text + "'");
        }
        String host = u.getHost();
        int port = u.getPort();
        if (host == null || host.isEmpty()) {
            // "http://:8080": the host is the container's address, found when it starts.
            String auth = u.getRawAuthority() == null ? "" : u.getRawAuthority();
            if (!auth.startsWith(":") || !auth.substring(1).matches("\\d{1,5}")) {
                throw new IllegalArgumentException("needs a host, or just :port to use the container's address, got '" + text + "'");
            }
            host = "";
            port = Integer.parseInt(auth.substring(1));
        }
        if (port < 0) {
            port = switch (scheme) {
                case "https" -> 443;
                case "http", "h2c" -> 80;
                default -> throw new IllegalArgumentException("needs a port, got '" + text + "'");
            };
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port out of range, got '" + text + "'");
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new IllegalArgumentException("must not have a query or fragment, got '" + text + "'");
        }
        String path = u.getRawPath() == null || u.getRawPath().isEmpty() || u.getRawPath().equals("/") ? "" : u.getRawPath();
        if (!path.isEmpty() && (scheme.equals("tcp") || scheme.equals("udp"))) {
            throw new IllegalArgumentException("a " + scheme + " target has no path, got '" + text + "'");
        }
        return URI.create(scheme + "://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port + path);
    }

    /** Parses a stream listener {@code tcp://[host]:port}. */
    public static URI parseListen(String text) {
        int sep = text.indexOf("://");
        String scheme = sep < 0 ? "" : text.substring(0, sep);
        if (!scheme.equals("tcp") && !scheme.equals("udp")) {
            throw new IllegalArgumentException("must be tcp://[host]:port or udp://[host]:port, got '" + text + "'");
        }
        String addr = text.substring(sep + 3);
        String host = "0.0.0.0";
        String port = addr;
        int colon = addr.lastIndexOf(':');
        if (colon >= 0) {
            host = colon == 0 ? "0.0.0.0" : addr.substring(0, colon);
            port = addr.substring(colon + 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("needs a numeric port, got '" + text + "'");
        }
        if (p < 1 || p > 65535) throw new IllegalArgumentException("port out of range, got '" + text + "'");
        return URI.create(scheme + "://" + host + ":" + p);
    }

    /** Parses a listener address {@code [host]:port} as used under {@code server:}. */
    public static void checkListen(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) throw new IllegalArgumentException("must be [host]:port, got '" + text + "'");
        try {
            int p = Integer.parseInt(text.substring(colon + 1));
            if (p < 0 || p > 65535) throw new IllegalArgumentException("port out of range, got '" + text + "'");
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be [host]:port with a numeric port, got '" + text + "'");
        }
    }

    /** Parses {@code docker:<provider>/<name>}, {@code proxmox:<provider>/<node>/<vmid>} or a bare Docker name. */
    public static ContainerRef parseContainer(String text, List<ProviderConfig> providers) {
        String kind;
        String rest;
        int colon = text.indexOf(':');
        if (colon < 0) {
            List<ProviderConfig> docker = providers.stream().filter(p -> p.kind().equals("docker")).toList();
            if (docker.size() != 1) {
                throw new IllegalArgumentException("'" + text + "' names no provider; write docker:<provider>/<name> ("
                        + docker.size() + " Docker providers are configured)");
            }
            if (text.isEmpty() || text.contains("/")) throw new IllegalArgumentException("not a container name: '" + text + "'");
            return new ContainerRef("docker", docker.get(0).name(), text);
        }
        kind = text.substring(0, colon);
        rest = text.substring(colon + 1);
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw new IllegalArgumentException("must be docker:<provider>/<name-or-id> or proxmox:<provider>/<node>/<vmid>, got '" + text + "'");
        }
        String provider = rest.substring(0, slash);
        String id = rest.substring(slash + 1);
        switch (kind) {
            case "docker" -> {
                if (id.contains("/")) throw new IllegalArgumentException("not a container name: '" + id + "' in '" + text + "'");
            }
            case "proxmox" -> {
                if (!id.matches("[A-Za-z0-9.-]+/\\d+")) throw new IllegalArgumentException("must be proxmox:<provider>/<node>/<vmid>, got '" + text + "'");
            }
            default -> throw new IllegalArgumentException("unknown provider kind '" + kind + "' in '" + text + "' (docker or proxmox)");
        }
        boolean known = providers.stream().anyMatch(p -> p.kind().equals(kind) && p.name().equals(provider));
        if (!known) throw new IllegalArgumentException("no " + kind + " provider named '" + provider + "' (in '" + text + "')");
        return new ContainerRef(kind, provider, id);
    }

    // ---------------------------------------------------------------- sections

    interface ItemParser<T> {
        T parse(Node node, String path);
    }

    private Section section(Node node, String path) {
        if (node instanceof MapNode m) return new Section(m, path);
        if (node instanceof Scalar s && s.value() == null) return new Section(new MapNode(new LinkedHashMap<>(), s.line(), s.column()), path);
        problems.add(new ConfigProblem(file, node.line(), node.column(), path, "must be a mapping, got " + node.kind()));
        return null;
    }

    /** A mapping being read: tracks which keys were used so that the rest can be reported as unknown. */
    private final class Section {
        private final MapNode node;
        private final String path;
        private final Set<String> used = new HashSet<>();
        private final Set<String> broken = new HashSet<>();
        private Section fallback;

        Section(MapNode node, String path) {
            this.node = node;
            this.path = path;
        }

        Section withFallback(Section f) {
            this.fallback = f;
            return this;
        }

        private String at(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        boolean has(String key) {
            return node.entries().containsKey(key) || (fallback != null && fallback.has(key));
        }

        boolean hasProblem(String key) {
            return broken.contains(key);
        }

        /** The entry for key, own first, then the fallback's; marks it used. */
        private Located get(String key) {
            used.add(key);
            Entry e = node.entries().get(key);
            if (e != null) return new Located(e.value(), at(key), this);
            if (fallback != null) return fallback.get(key);
            return null;
        }

        void problem(String key, String message) {
            broken.add(key);
            Located l = locate(key);
            problems.add(new ConfigProblem(file, l == null ? node.line() : l.node.line(), l == null ? node.column() : l.node.column(),
                    l == null ? at(key) : l.path, message));
        }

        private Located locate(String key) {
            Entry e = node.entries().get(key);
            if (e != null) return new Located(e.value(), at(key), this);
            return fallback == null ? null : fallback.locate(key);
        }

        void problemHere(String key, String message) {
            broken.add(key);
            problems.add(new ConfigProblem(file, node.line(), node.column(), at(key), message));
        }

        void problemItem(String key, int index, String message) {
            Located l = locate(key);
            Node n = l != null && l.node instanceof ListNode ln && index < ln.items().size() ? ln.items().get(index) : node;
            problems.add(new ConfigProblem(file, n.line(), n.column(), (l == null ? at(key) : l.path) + "[" + index + "]", message));
        }

        void problemAt(String keyPath, String message) {
            problems.add(new ConfigProblem(file, node.line(), node.column(), keyPath, message));
        }

        void problemAtNode(Node n, String keyPath, String message) {
            problems.add(new ConfigProblem(file, n.line(), n.column(), keyPath, message));
        }

        private void typeProblem(Located l, String expected) {
            l.owner.broken.add(l.path.substring(l.path.lastIndexOf('.') + 1));
            problems.add(new ConfigProblem(file, l.node.line(), l.node.column(), l.path,
                    "must be " + expected + ", got " + l.node.kind() + describe(l.node)));
        }

        private String describe(Node n) {
            return n instanceof Scalar s && s.value() != null ? " '" + s.text() + "'" : "";
        }

        Section section(String key) {
            Located l = get(key);
            if (l == null || (l.node instanceof Scalar s && s.value() == null)) {
                return new Section(new MapNode(new LinkedHashMap<>(), node.line(), node.column()), at(key));
            }
            if (l.node instanceof MapNode m) return new Section(m, l.path);
            typeProblem(l, "a mapping");
            return new Section(new MapNode(new LinkedHashMap<>(), node.line(), node.column()), at(key));
        }

        String string(String key, String def) {
            Located l = get(key);
            if (l == null || (l.node instanceof Scalar s0 && s0.value() == null)) return def;
            if (l.node instanceof Scalar s && !(s.value() instanceof Boolean)) return s.text();
            typeProblem(l, "a string");
            return def;
        }

        String requiredString(String key) {
            Located l = get(key);
            if (l == null) {
                problemHere(key, "required");
                return null;
            }
            String v = string(key, null);
            if (v != null && v.isBlank()) {
                problem(key, "must not be empty");
                return null;
            }
            if (v == null && !broken.contains(key)) problem(key, "required");
            return v;
        }

        String oneOf(String key, String def, Set<String> allowed) {
            Located l = get(key);
            if (l == null) {
                if (def == null) problemHere(key, "required, one of " + String.join(", ", allowed.stream().sorted().toList()));
                return def;
            }
            String v = string(key, def);
            if (v != null && !allowed.contains(v)) {
                List<String> sorted = allowed.stream().sorted().toList();
                String options = sorted.size() == 2 ? sorted.get(0) + " or " + sorted.get(1)
                        : String.join(", ", sorted.subList(0, sorted.size() - 1)) + " or " + sorted.get(sorted.size() - 1);
                problem(key, "must be " + options + ", got '" + v + "'");
                return def;
            }
            return v;
        }

        boolean bool(String key, boolean def) {
            Located l = get(key);
            if (l == null || (l.node instanceof Scalar s0 && s0.value() == null)) return def;
            if (l.node instanceof Scalar s && s.value() instanceof Boolean b) return b;
            typeProblem(l, "true or false");
            return def;
        }

        int integer(String key, int def) {
            Located l = get(key);
            if (l == null) return def;
            if (l.node instanceof Scalar s && s.value() instanceof Long n && n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE) {
                return n.intValue();
            }
            typeProblem(l, "a whole number");
            return def;
        }

        long size(String key, long def) {
            Located l = get(key);
            if (l == null || (l.node instanceof Scalar s0 && s0.value() == null)) return def;
            if (l.node instanceof Scalar s && (s.value() instanceof String || s.value() instanceof Long)) {
                try {
                    return ByteSizes.parse(s.text());
                } catch (IllegalArgumentException | ArithmeticException e) {
                    problem(key, e instanceof ArithmeticException ? "size out of range: '" + s.text() + "'" : e.getMessage());
                    return def;
                }
            }
            typeProblem(l, "a size like 65536, 64KiB or 1MiB");
            return def;
        }

        Duration duration(String key, Duration def) {
            Located l = get(key);
            if (l == null || (l.node instanceof Scalar s0 && s0.value() == null)) return def;
            if (l.node instanceof Scalar s && (s.value() instanceof String || (s.value() instanceof Long n && n == 0))) {
                try {
                    return Durations.parse(s.text());
                } catch (IllegalArgumentException e) {
                    problem(key, e.getMessage());
                    return def;
                }
            }
            typeProblem(l, "a duration like 30s, 15m or 1h30m");
            return def;
        }

        Duration positiveDuration(String key, Duration def) {
            Duration d = duration(key, def);
            if (!d.isPositive() && !broken.contains(key)) {
                problem(key, "must be longer than 0");
                return def;
            }
            return d;
        }

        String listen(String key, String def) {
            String v = string(key, def);
            if (v != null && !v.isEmpty()) {
                try {
                    checkListen(v);
                } catch (IllegalArgumentException e) {
                    problem(key, e.getMessage());
                }
            }
            return v == null ? "" : v;
        }

        Path path(String key, String def) {
            String v = string(key, def);
            if (v == null || v.isEmpty()) return null;
            Path p = Path.of(v);
            return p.isAbsolute() ? p : baseDir.resolve(p).normalize();
        }

        Path requiredPath(String key) {
            String v = requiredString(key);
            if (v == null) return null;
            Path p = Path.of(v);
            return p.isAbsolute() ? p : baseDir.resolve(p).normalize();
        }

        List<Node> nodes(String key) {
            Located l = get(key);
            if (l == null || (l.node instanceof Scalar s && s.value() == null)) return List.of();
            if (l.node instanceof ListNode ln) return ln.items();
            typeProblem(l, "a list");
            return List.of();
        }

        List<String> stringList(String key) {
            Located l = get(key);
            if (l == null || (l.node instanceof Scalar s0 && s0.value() == null)) return List.of();
            if (!(l.node instanceof ListNode ln)) {
                typeProblem(l, "a list of strings");
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < ln.items().size(); i++) {
                Node n = ln.items().get(i);
                if (n instanceof Scalar s && s.value() instanceof String str) out.add(str);
                else problems.add(new ConfigProblem(file, n.line(), n.column(), l.path + "[" + i + "]", "must be a string, got " + n.kind()));
            }
            return out;
        }

        Map<String, String> stringMap(String key) {
            Located l = get(key);
            if (l == null || (l.node instanceof Scalar s0 && s0.value() == null)) return Map.of();
            if (!(l.node instanceof MapNode m)) {
                typeProblem(l, "a mapping of names to strings");
                return Map.of();
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (Entry e : m.entries().values()) {
                if (e.value() instanceof Scalar s && s.value() != null && !(s.value() instanceof Boolean)) out.put(e.key(), s.text());
                else problems.add(new ConfigProblem(file, e.line(), e.column(), l.path + "." + e.key(), "must be a string, got " + e.value().kind()));
            }
            return out;
        }

        <T> List<T> list(String key, ItemParser<T> parser) {
            Located l = get(key);
            List<Node> items = nodes(key);
            List<T> out = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                T t = parser.parse(items.get(i), l.path + "[" + i + "]");
                if (t != null) out.add(t);
            }
            return out;
        }

        /** Reports every key that nothing read. */
        void finish() {
            for (Entry e : node.entries().values()) {
                if (!used.contains(e.key())) {
                    problems.add(new ConfigProblem(file, e.line(), e.column(), at(e.key()), "unknown key" + suggest(e.key())));
                }
            }
        }

        private String suggest(String key) {
            String best = null;
            int bestDist = 3;
            for (String k : used) {
                int d = distance(key, k);
                if (d < bestDist) {
                    bestDist = d;
                    best = k;
                }
            }
            return best == null ? "" : " (did you mean '" + best + "'?)";
        }
    }

    private record Located(Node node, String path, Section owner) {}

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
