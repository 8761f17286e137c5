package dev.dormouse.core;

import dev.dormouse.core.spi.ProviderConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One entry under {@code routes:}, with the rules that concern it alone (its name, hosts, target, listener,
 * container and blocks); the rules between routes are {@link FileRoutes}'. Its {@code idlewatcher} and
 * {@code healthcheck} blocks are read over the {@code defaults:} ones by {@link BlockReader}.
 */
final class RouteReader {
    private static final Pattern ROUTE_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");

    /**
     * A route as read.
     *
     * @param route the route, empty when its name or target is unusable (reported)
     * @param brokenContainer its container reference was reported as bad: the route counts as having one
     *     for the cross-route rules, which should not report it again
     */
    record Read(Optional<RouteConfig> route, boolean brokenContainer) {}

    private final ProviderSections providerSections;
    private final List<ProviderConfig> providers;
    private final ConfigSection defIdle;
    private final ConfigSection defHealth;

    RouteReader(ProviderSections providerSections, List<ProviderConfig> providers, ConfigSection defIdle, ConfigSection defHealth) {
        this.providerSections = providerSections;
        this.providers = providers;
        this.defIdle = defIdle;
        this.defHealth = defHealth;
    }

    Read read(ConfigSection r) {
        Optional<String> name = r.requiredString("name");
        if (name.isPresent() && !ROUTE_NAME.matcher(name.get()).matches()) {
            r.problem("name", "must match [a-z0-9-] and not start or end with '-', got '" + name.get() + "'");
            name = Optional.empty();
        }
        List<String> hosts = new ArrayList<>();
        List<String> rawHosts = r.stringList("hosts");
        for (int i = 0; i < rawHosts.size(); i++) {
            String h = rawHosts.get(i).toLowerCase(Locale.ROOT);
            Optional<String> err = RouteValues.hostError(h);
            if (err.isPresent()) r.problemItem("hosts", i, err.get() + ", got '" + rawHosts.get(i) + "'");
            else hosts.add(h);
        }
        Optional<ContainerRef> container = Optional.empty();
        boolean hasContainer = r.has("container");
        if (hasContainer) {
            String c = r.string("container", "");
            try {
                container = Optional.of(providerSections.container(c, providers));
            } catch (IllegalArgumentException e) {
                r.problem("container", e.getMessage());
            }
        }
        URI target = null;
        if (r.has("target")) {
            try {
                target = RouteValues.parseTarget(r.string("target", ""));
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
        Optional<ListenAddress> listen = Optional.empty();
        if (r.has("listen")) {
            String l = r.string("listen", "");
            if (!l.isEmpty()) {
                try {
                    listen = Optional.of(ListenAddress.parseStream(l));
                } catch (IllegalArgumentException e) {
                    r.problem("listen", e.getMessage());
                }
            }
        }
        boolean stream = target != null && (target.getScheme().equals("tcp") || target.getScheme().equals("udp"));
        if (stream) {
            if (listen.isEmpty() && !r.hasProblem("listen")) {
                r.problemHere("listen", "required for a " + target.getScheme() + " target");
            } else if (listen.isPresent() && !listen.get().transport().equals(target.getScheme())) {
                r.problem("listen", "scheme must match the target's (" + target.getScheme() + ")");
            }
            if (!hosts.isEmpty()) r.problem("hosts", "a " + target.getScheme() + " route is matched by listen, not by hosts");
        } else if (target != null) {
            if (rawHosts.isEmpty() && !r.hasProblem("hosts")) r.problemHere("hosts", "required for an HTTP route (at least one host)");
            if (listen.isPresent()) r.problem("listen", "only tcp and udp routes have a listener of their own");
        }
        ConfigSection idle = r.section("idlewatcher").withFallback(defIdle);
        IdleConfig idleCfg = BlockReader.idle(idle);
        idle.finish();
        ConfigSection hc = r.section("healthcheck").withFallback(defHealth);
        HealthcheckConfig hcCfg = BlockReader.healthcheck(hc);
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
            streamCfg = BlockReader.stream(r.section("stream"));
            if (target != null && !stream) r.problem("stream", "only tcp and udp routes have stream limits");
        }
        r.finish();
        if (name.isEmpty() || target == null) return new Read(Optional.empty(), false);
        return new Read(Optional.of(new RouteConfig(name.get(), hosts, target, listen, container, idleCfg, hcCfg, retention, streamCfg)),
                hasContainer && container.isEmpty());
    }
}
