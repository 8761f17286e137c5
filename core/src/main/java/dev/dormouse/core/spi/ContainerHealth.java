package dev.dormouse.core.spi;

/** The container's own health check (Docker HEALTHCHECK); {@code NONE} when it has none. */
public enum ContainerHealth {
    NONE, STARTING, HEALTHY, UNHEALTHY
}
