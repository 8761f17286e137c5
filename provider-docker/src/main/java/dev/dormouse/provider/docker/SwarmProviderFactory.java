package dev.dormouse.provider.docker;

import dev.dormouse.core.ConfigSection;
import dev.dormouse.core.ContainerRef;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderConfig;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.core.spi.ProviderFactory;
import java.util.Optional;

/**
 * The {@code swarm} kind: reads {@code providers.swarm:} entries (the keys of a Docker provider:
 * {@code name}, {@code host}, {@code labels}, {@code tls}, for a Swarm manager) and builds
 * {@link SwarmProvider}s, whose services sleep by scaling to 0. Routes name a service
 * {@code swarm:<provider>/<service>}; a bare name never means a service.
 */
public final class SwarmProviderFactory implements ProviderFactory {
    static final String KIND = "swarm";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public String containerSyntax() {
        return "<service>";
    }

    @Override
    public Optional<ProviderConfig> parse(ConfigSection d) {
        Engines.Entry e = Engines.parse(d);
        return e.name().<ProviderConfig>map(n -> new SwarmProviderConfig(n, e.host(), e.labels(), e.tls()));
    }

    @Override
    public void validate(ProviderConfig config, ConfigSection section) {
        Engines.validate(((SwarmProviderConfig) config).tls(), section);
    }

    /** A service name or id: anything but a {@code /}. */
    @Override
    public void checkContainer(ContainerRef ref) {
        if (ref.id().contains("/")) throw new IllegalArgumentException("not a service name: '" + ref.id() + "' in '" + ref + "'");
    }

    @Override
    public Provider create(ProviderConfig config) {
        if (!(config instanceof SwarmProviderConfig s)) {
            throw new ProviderException(ProviderException.Reason.FAILED, "swarm provider: not a swarm config: " + config.kind());
        }
        Engines.hostProblem(s.host()).ifPresent(p -> {
            throw new ProviderException(ProviderException.Reason.FAILED, "swarm " + s.name() + ": host " + p);
        });
        return new SwarmProvider(s);
    }
}
