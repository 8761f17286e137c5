package dev.dormouse.provider.docker;

import dev.dormouse.core.spi.ProviderConfig;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * An entry under {@code providers.docker:}: one Docker (or Podman) engine.
 *
 * @param name name used in {@code container: docker:<name>/...}; required
 * @param host the engine's API, {@code unix://} or {@code tcp://}; optional, default
 *     {@code unix:///var/run/docker.sock} (Podman: {@code unix:///run/podman/podman.sock})
 * @param labels discover routes from container labels; optional, default false
 * @param tls client certificate and CA for a {@code tcp://} engine run with {@code --tlsverify}; optional,
 *     only with a {@code tcp://} host
 */
public record DockerProviderConfig(String name, String host, boolean labels, Optional<DockerTls> tls) implements ProviderConfig {
    static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

    public DockerProviderConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(tls, "tls");
    }

    /** An engine without TLS. */
    public DockerProviderConfig(String name, String host, boolean labels) {
        this(name, host, labels, Optional.empty());
    }

    @Override
    public String kind() {
        return DockerProviderFactory.KIND;
    }

    @Override
    public String endpoint() {
        return host;
    }

    /** The engine's socket, for a {@code unix://} host. */
    @Override
    public Optional<Path> socket() {
        return Engines.socket(host);
    }
}
