package dev.dormouse.provider.docker;

import dev.dormouse.core.spi.ProviderConfig;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * An entry under {@code providers.swarm:}: a Swarm manager, reached like a Docker engine (usually the
 * same engine as a {@code providers.docker} entry, given the same name, so that its services read
 * {@code swarm:<docker-provider>/<service>}). Its "containers" are services, which sleep by scaling to
 * 0 replicas.
 *
 * @param name name used in {@code container: swarm:<name>/<service>}; required
 * @param host the manager's API, {@code unix://} or {@code tcp://}; optional, default
 *     {@code unix:///var/run/docker.sock}
 * @param labels discover routes from {@code dormouse.*} labels on services; optional, default false
 * @param tls client certificate and CA for a {@code tcp://} manager run with {@code --tlsverify}; optional
 */
public record SwarmProviderConfig(String name, String host, boolean labels, Optional<DockerTls> tls) implements ProviderConfig {
    public SwarmProviderConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(tls, "tls");
    }

    @Override
    public String kind() {
        return SwarmProviderFactory.KIND;
    }

    @Override
    public String endpoint() {
        return host;
    }

    @Override
    public Optional<Path> socket() {
        return Engines.socket(host);
    }
}
