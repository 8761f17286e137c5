package dev.dormouse.experiment;

import dev.dormouse.core.spi.ProviderConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * An entry under {@code providers.memory:}.
 *
 * @param name required
 * @param inventoryFile the containers, one a line; required
 * @param labels discover routes from the containers' labels; optional, default false
 * @param startDelay how long a start takes; optional, default 0
 */
public record MemoryConfig(String name, Path inventoryFile, boolean labels, Duration startDelay) implements ProviderConfig {
    @Override
    public String kind() {
        return MemoryProviderFactory.KIND;
    }

    @Override
    public String endpoint() {
        return "inventory " + inventoryFile;
    }
}
