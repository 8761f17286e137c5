package dev.dormouse.provider.docker;

import dev.dormouse.core.ConfigSection;
import dev.dormouse.core.ContainerRef;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderConfig;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.core.spi.ProviderFactory;
import java.util.Optional;

/**
 * The {@code docker} kind: reads {@code providers.docker:} entries ({@code name}, {@code host},
 * {@code labels}, {@code tls}) and builds {@link DockerProvider}s; found through
 * {@link java.util.ServiceLoader}. Podman is a Docker engine here, through its Docker-compatible socket.
 * A bare container name ({@code container: whoami}) is a Docker container when exactly one Docker
 * provider is configured.
 */
public final class DockerProviderFactory implements ProviderFactory {
    static final String KIND = "docker";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public String containerSyntax() {
        return "<name-or-id>";
    }

    @Override
    public boolean defaultForBareNames() {
        return true;
    }

    @Override
    public Optional<ProviderConfig> parse(ConfigSection d) {
        Engines.Entry e = Engines.parse(d);
        return e.name().<ProviderConfig>map(n -> new DockerProviderConfig(n, e.host(), e.labels(), e.tls()));
    }

    /** The TLS files are readable PEM and the key matches the certificate; the engine is not contacted. */
    @Override
    public void validate(ProviderConfig config, ConfigSection section) {
        Engines.validate(((DockerProviderConfig) config).tls(), section);
    }

    /** A container name or id: anything but a {@code /}, which would be read as a path. */
    @Override
    public void checkContainer(ContainerRef ref) {
        if (ref.id().contains("/")) throw new IllegalArgumentException("not a container name: '" + ref.id() + "' in '" + ref + "'");
    }

    @Override
    public Provider create(ProviderConfig config) {
        if (!(config instanceof DockerProviderConfig d)) {
            throw new ProviderException(ProviderException.Reason.FAILED, "docker provider: not a docker config: " + config.kind());
        }
        Engines.hostProblem(d.host()).ifPresent(p -> {
            throw new ProviderException(ProviderException.Reason.FAILED, "docker " + d.name() + ": host " + p);
        });
        return new DockerProvider(d);
    }
}
