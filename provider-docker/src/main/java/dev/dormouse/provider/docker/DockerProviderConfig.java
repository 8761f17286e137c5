package dev.dormouse.provider.docker;

import dev.dormouse.core.spi.ProviderConfig;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * An entry under {@code providers.docker:}.
 *
 * @param name name used in {@code container: docker:<name>/...}; required
 * @param host Docker endpoint, {@code unix://} or {@code tcp://}; optional, default
 *     {@code unix:///var/run/docker.sock}
 * @param labels discover routes from container labels; optional, default false
 */
public record DockerProviderConfig(String name, String host, boolean labels) implements ProviderConfig {
    static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

    public DockerProviderConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
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
        return host.startsWith("unix://") ? Optional.of(Path.of(host.substring("unix://".length()))) : Optional.empty();
    }
}
