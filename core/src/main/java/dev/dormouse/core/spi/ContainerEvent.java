package dev.dormouse.core.spi;

import java.time.Instant;
import java.util.Map;

/**
 * A change a provider saw happen to a container, whoever caused it.
 *
 * @param provider the provider's configured name
 * @param containerId the container's id
 * @param containerName the container's name (without a leading slash)
 * @param action what happened
 * @param time when the provider says it happened
 * @param attributes extra attributes (exit code, health status, labels ...)
 */
public record ContainerEvent(String provider, String containerId, String containerName, Action action, Instant time,
        Map<String, String> attributes) {

    public ContainerEvent {
        attributes = Map.copyOf(attributes);
    }

    /** Event kinds; {@code RESYNC} means events may have been missed and every container should be re-read. */
    public enum Action {
        CREATE, START, RESTART, STOP, DIE, KILL, OOM, PAUSE, UNPAUSE, DESTROY, RENAME, HEALTH_STATUS, RESYNC
    }
}
