package dev.dormouse.provider.docker;

import dev.dormouse.core.DockerProviderConfig;
import dev.dormouse.core.ProviderConfig;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.core.spi.ProviderFactory;

/** Builds {@link DockerProvider}s; found through {@link java.util.ServiceLoader}. */
public final class DockerProviderFactory implements ProviderFactory {
    @Override
    public String kind() {
        return "docker";
    }

    @Override
    public Provider create(ProviderConfig config) {
        if (!(config instanceof DockerProviderConfig d)) {
            throw new ProviderException(ProviderException.Reason.FAILED, "docker provider: not a docker config: " + config.kind());
        }
        if (!d.host().startsWith("unix://") && !d.host().startsWith("tcp://")) {
            throw new ProviderException(ProviderException.Reason.FAILED,
                    "docker " + d.name() + ": host must start with unix:// or tcp://, got '" + d.host() + "'");
        }
        return new DockerProvider(d);
    }
}
