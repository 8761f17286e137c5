package dev.dormouse.core.spi;

import dev.dormouse.core.ContainerRef;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One entry under {@code providers.<kind>:}, parsed and validated by its kind's {@link ProviderFactory}.
 * Core and the composition root know a provider's settings only through this interface; each provider
 * module has its own record. Implementations are values (records): a reload compares them with
 * {@code equals}, and they hold no secret, so that none leaks through {@code toString()}.
 */
public interface ProviderConfig {
    /** The provider kind, the key under {@code providers:}; {@link ProviderFactory#kind()}. */
    String kind();

    /** The name routes refer to ({@code container: <kind>:<name>/...}), unique per kind. */
    String name();

    /** {@code kind:name}, the key of the running provider ({@link ContainerRef#providerKey(String, String)}). */
    default String key() {
        return ContainerRef.providerKey(kind(), name());
    }

    /**
     * Whether this provider's containers declare routes with {@code dormouse.*} labels: its
     * {@link Provider#list()} is read for them and its events are followed to keep them current.
     */
    default boolean labels() {
        return false;
    }

    /** Where the backend is, as messages and {@code dormouse doctor} show it (a socket URL, an API URL); never a secret. */
    String endpoint();

    /** A Unix socket on this machine that the provider talks through, which {@code dormouse doctor} checks the permissions of. */
    default Optional<Path> socket() {
        return Optional.empty();
    }
}
