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
 * {@code labels}) and builds {@link DockerProvider}s; found through {@link java.util.ServiceLoader}. A
 * bare container name ({@code container: whoami}) is a Docker container when exactly one Docker provider
 * is configured.
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
        Optional<String> name = d.requiredString("name");
        String host = d.string("host", DockerProviderConfig.DEFAULT_HOST);
        if (!validHost(host)) d.problem("host", "must start with unix:// or tcp://, got '" + host + "'");
        boolean labels = d.bool("labels", false);
        return name.<ProviderConfig>map(n -> new DockerProviderConfig(n, host, labels));
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
        if (!validHost(d.host())) {
            throw new ProviderException(ProviderException.Reason.FAILED,
                    "docker " + d.name() + ": host must start with unix:// or tcp://, got '" + d.host() + "'");
        }
        return new DockerProvider(d);
    }

    private static boolean validHost(String host) {
        return host.startsWith("unix://") || host.startsWith("tcp://");
    }
}
