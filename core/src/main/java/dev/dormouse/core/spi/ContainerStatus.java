package dev.dormouse.core.spi;

/** What a provider reports of a container. */
public enum ContainerStatus {
    RUNNING, PAUSED, STOPPED, MISSING
}
