package dev.dormouse.core.spi;

import dev.dormouse.core.ProviderConfig;

/** Found through {@link java.util.ServiceLoader}; one per provider kind. */
public interface ProviderFactory {
    /** The kind this factory builds, matching {@link ProviderConfig#kind()}. */
    String kind();

    /**
     * Validates {@code config} and builds an unstarted provider; nothing is contacted yet.
     *
     * @throws ProviderException naming what is wrong
     */
    Provider create(ProviderConfig config);
}
