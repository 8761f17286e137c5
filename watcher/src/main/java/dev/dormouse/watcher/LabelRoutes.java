package dev.dormouse.watcher;

import dev.dormouse.core.ContainerRef;
import dev.dormouse.core.Durations;
import dev.dormouse.core.HealthcheckConfig;
import dev.dormouse.core.IdleConfig;
import dev.dormouse.core.ListenAddress;
import dev.dormouse.core.LogText;
import dev.dormouse.core.RouteConfig;
import dev.dormouse.core.RouteSet;
import dev.dormouse.core.RouteValues;
import dev.dormouse.core.StopMethod;
import dev.dormouse.core.StreamConfig;
import dev.dormouse.core.spi.ContainerState;
import dev.dormouse.core.spi.ContainerStatus;
import dev.dormouse.core.spi.ProviderConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The pure translation of containers and their {@code dormouse.*} labels into routes, without I/O. A
 * container with a bad label is skipped with a problem naming it and the label; it never affects another.
 * Stopped containers keep their routes (they are the ones to wake); removed ones are not listed. Whether a
 * route may have what it claims (name, hosts, listener, dependencies) is decided with the other routes, by
 * {@link RouteSet#merge}. Container names, label keys and values are outside text: problems show them
 * escaped ({@link LogText#escape}).
 */
public final class LabelRoutes {
    static final String PREFIX = "dormouse.";
    private static final Set<String> KNOWN = Set.of("enable", "name", "hosts", "port", "scheme", "listen", "idle_timeout", "stop_method",
            "stop_signal", "stop_timeout", "wake_timeout", "depends_on", "start_endpoint", "no_loading_page", "healthcheck.path", "retention");

    /** What a build produced: routes by container, with their provenance, and one problem per skipped container. */
    public record Result(List<RouteSet.Label> routes, List<String> problems) {
        public Result {
            routes = List.copyOf(routes);
            problems = List.copyOf(problems);
        }
    }

    private LabelRoutes() {}

    /**
     * Builds a route for every container with {@code dormouse.enable=true}, listed by {@code provider} (one
     * with {@link ProviderConfig#labels()}, of any kind).
     *
     * @param idleDefaults the config's {@code defaults.idlewatcher}, which labels override key by key
     * @param healthDefaults the config's {@code defaults.healthcheck}
     */
    public static Result build(List<ContainerState> containers, ProviderConfig provider, IdleConfig idleDefaults,
            HealthcheckConfig healthDefaults) {
        return build(containers, provider, true, idleDefaults, healthDefaults);
    }

    /**
     * Like {@link #build(List, ProviderConfig, IdleConfig, HealthcheckConfig)}, naming the routes for one of
     * several providers with labels: a route is named by its container's {@code dormouse.name} label, else
     * after the container, and, when {@code primary} is false, with {@code -<provider>} after that
     * ({@code web-far}), so the same container name on two engines gives two routes. The composition root
     * makes the first provider with labels the primary one.
     */
    public static Result build(List<ContainerState> containers, ProviderConfig provider, boolean primary, IdleConfig idleDefaults,
            HealthcheckConfig healthDefaults) {
        List<RouteSet.Label> routes = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (ContainerState c : containers) {
            if (c.status() == ContainerStatus.MISSING || !"true".equalsIgnoreCase(c.labels().getOrDefault(PREFIX + "enable", ""))) continue;
            try {
                routes.add(new RouteSet.Label(route(c, provider, primary, idleDefaults, healthDefaults), provider.key(), c.name(), c.createdAt()));
            } catch (IllegalArgumentException e) {
                problems.add(provider.kind() + " " + provider.name() + ": container '" + LogText.escape(c.name()) + "' skipped: " + e.getMessage());
            }
        }
        return new Result(routes, problems);
    }

    static RouteConfig route(ContainerState c, ProviderConfig provider, IdleConfig d, HealthcheckConfig hd) {
        return route(c, provider, true, d, hd);
    }

    static RouteConfig route(ContainerState c, ProviderConfig provider, boolean primary, IdleConfig d, HealthcheckConfig hd) {
        Map<String, String> l = new TreeMap<>();
        c.labels().forEach((k, v) -> {
            if (k.startsWith(PREFIX)) l.put(k.substring(PREFIX.length()), v.strip());
        });
        for (String k : l.keySet()) {
            if (!KNOWN.contains(k)) throw new IllegalArgumentException("unknown label " + LogText.escape(PREFIX + k));
        }
        String name;
        if (l.containsKey("name")) {
            name = l.get("name");
            if (!name.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?")) {
                throw new IllegalArgumentException("label " + PREFIX + "name: must be [a-z0-9-], got '" + LogText.escape(name) + "'");
            }
        } else {
            name = primary ? routeName(c.name()) : routeName(c.name()) + "-" + routeName(provider.name());
        }
        Optional<ListenAddress> listen = Optional.empty();
        if (l.containsKey("listen")) listen = Optional.of(value(l, "listen", ListenAddress::parseStream));
        String scheme = l.getOrDefault("scheme", listen.map(ListenAddress::transport).orElse("http")).toLowerCase(Locale.ROOT);
        String port = l.get("port");
        if (port == null || port.isEmpty()) throw new IllegalArgumentException("label " + PREFIX + "port: required");
        // No host: the container's address is looked up each time it starts (a stopped one has no IP yet).
        URI target = value(Map.of("port", scheme + "://:" + port), "port", RouteValues::parseTarget);
        List<String> hosts = list(l.get("hosts"));
        for (String h : hosts) {
            Optional<String> err = RouteValues.hostError(h);
            if (err.isPresent()) throw new IllegalArgumentException("label " + PREFIX + "hosts: " + err.get() + ", got '" + LogText.escape(h) + "'");
        }
        boolean stream = scheme.equals("tcp") || scheme.equals("udp");
        if (stream && listen.isEmpty()) throw new IllegalArgumentException("label " + PREFIX + "listen: required for a " + scheme + " route");
        if (!stream && hosts.isEmpty()) throw new IllegalArgumentException("label " + PREFIX + "hosts: required for an HTTP route");
        StopMethod method = d.stopMethod();
        if (l.containsKey("stop_method")) {
            String m = l.get("stop_method").toLowerCase(Locale.ROOT);
            if (!Set.of("pause", "stop", "kill").contains(m)) {
                throw new IllegalArgumentException("label " + PREFIX + "stop_method: must be pause, stop or kill, got '" + LogText.escape(l.get("stop_method")) + "'");
            }
            method = StopMethod.valueOf(m.toUpperCase(Locale.ROOT));
        }
        IdleConfig idle = new IdleConfig(duration(l, "idle_timeout", d.idleTimeout()), method, l.getOrDefault("stop_signal", d.stopSignal()),
                duration(l, "stop_timeout", d.stopTimeout()), duration(l, "wake_timeout", d.wakeTimeout()),
                l.containsKey("depends_on") ? list(l.get("depends_on")) : d.dependsOn(),
                l.containsKey("start_endpoint") && !l.get("start_endpoint").isEmpty() ? Optional.of(l.get("start_endpoint")) : d.startEndpoint(),
                bool(l, "no_loading_page", d.noLoadingPage()), d.keepAwakeWhileConnected(), d.ignoreUserAgents(), d.maxHeldRequests());
        if (idle.startEndpoint().isPresent() && !idle.startEndpoint().get().startsWith("/")) {
            throw new IllegalArgumentException("label " + PREFIX + "start_endpoint: must start with '/', got '" + LogText.escape(idle.startEndpoint().get()) + "'");
        }
        String hcPath = l.getOrDefault("healthcheck.path", hd.path());
        if (!hcPath.startsWith("/")) throw new IllegalArgumentException("label " + PREFIX + "healthcheck.path: must start with '/', got '" + LogText.escape(hcPath) + "'");
        HealthcheckConfig hc = new HealthcheckConfig(hcPath, hd.interval(), hd.timeout(), hd.retries(), hd.method(), hd.insecureSkipVerify(),
                hd.disable(), hd.expectedStatus(), hd.send(), hd.expect());
        Optional<Duration> retention = l.containsKey("retention") ? Optional.of(duration(l, "retention", Duration.ZERO)).filter(Duration::isPositive)
                : Optional.empty();
        return new RouteConfig(name, hosts, target, listen, Optional.of(new ContainerRef(provider.kind(), provider.name(), c.name())), idle, hc, retention,
                StreamConfig.DEFAULT);
    }

    /** A container name as a route name: lower case, anything outside {@code [a-z0-9-]} becomes '-'. */
    static String routeName(String container) {
        String n = container.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("^-+|-+$", "");
        if (n.isEmpty()) throw new IllegalArgumentException("its name gives no route name");
        return n;
    }

    /** Parses a label with a config parser; its message quotes the raw value, which is shown escaped instead. */
    private static <T> T value(Map<String, String> l, String key, java.util.function.Function<String, T> parse) {
        String raw = l.get(key);
        try {
            return parse.apply(raw);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            throw new IllegalArgumentException("label " + PREFIX + key + ": " + (raw.isEmpty() ? m : m.replace(raw, LogText.escape(raw))));
        }
    }

    private static Duration duration(Map<String, String> l, String key, Duration def) {
        return l.containsKey(key) ? value(l, key, Durations::parse) : def;
    }

    private static boolean bool(Map<String, String> l, String key, boolean def) {
        if (!l.containsKey(key)) return def;
        String v = l.get(key).toLowerCase(Locale.ROOT);
        if (v.equals("true") || v.equals("false")) return Boolean.parseBoolean(v);
        throw new IllegalArgumentException("label " + PREFIX + key + ": must be true or false, got '" + LogText.escape(l.get(key)) + "'");
    }

    private static List<String> list(String csv) {
        if (csv == null || csv.isBlank()) return List.of();
        return Arrays.stream(csv.split(",")).map(s -> s.strip().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty()).toList();
    }
}
