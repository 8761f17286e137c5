package dev.dormouse.core;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One entry under {@code routes:}, with defaults applied.
 *
 * @param name unique route name, {@code [a-z0-9-]}; required
 * @param hosts Host values matched exactly or as {@code *.domain}; required for HTTP routes
 * @param target upstream URL, {@code http|https|h2c|tcp|udp://host:port}; required unless a container is given.
 *        With a container the host may be left out ({@code http://:8080}): the container's address is used,
 *        found each time it starts (Docker: its IP on a network, 127.0.0.1 with host networking; Proxmox:
 *        the guest's first non-loopback IPv4 address). Omitted entirely, it is {@code http://:80}.
 * @param listen stream listener {@code tcp://[host]:port} or {@code udp://[host]:port}; stream routes only
 * @param container the container that sleeps and wakes; optional (a route without one is a plain proxy)
 * @param idle the idle watcher settings; meaningful only with a container
 * @param healthcheck health check and readiness probe settings
 * @param retention opt-in TTL removal of the stopped container; optional
 * @param stream bounds on connections and sessions of a tcp or udp route; optional, see {@link StreamConfig}
 */
public record RouteConfig(String name, List<String> hosts, URI target, Optional<ListenAddress> listen,
        Optional<ContainerRef> container, IdleConfig idle, HealthcheckConfig healthcheck, Optional<Duration> retention,
        StreamConfig stream) {

    public RouteConfig {
        hosts = List.copyOf(hosts);
    }

    /** True for tcp and udp routes. */
    public boolean isStream() {
        String s = target.getScheme();
        return "tcp".equals(s) || "udp".equals(s);
    }

    /** True when the target names no host: the container's address is used, found when it starts. */
    public boolean targetFromContainer() {
        return target.getHost() == null;
    }

    /** The target with {@code host} (an IP address or name) in place of its own host. */
    public URI targetAt(String host) {
        return targetAt(host, targetPort());
    }

    /** The port of the target, also of one that names no host ({@code http://:8080}). */
    public int targetPort() {
        String auth = target.getRawAuthority();
        return Integer.parseInt(auth.substring(auth.lastIndexOf(':') + 1));
    }

    /**
     * The target with {@code host} and {@code port} in place of its own: where a container's port is
     * reached (a remote engine publishes it on another port of its host).
     */
    public URI targetAt(String host, int port) {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return URI.create(target.getScheme() + "://" + h + ":" + port + (target.getRawPath() == null ? "" : target.getRawPath()));
    }
}
