package dev.dormouse.core;

/**
 * An entry under {@code providers.docker:}.
 *
 * @param name name used in {@code container: docker:<name>/...}; required
 * @param host Docker endpoint, {@code unix://} or {@code tcp://}; optional, default
 *     {@code unix:///var/run/docker.sock}
 * @param labels discover routes from container labels; optional, default false
 */
public record DockerProviderConfig(String name, String host, boolean labels) implements ProviderConfig {
    public String kind() {
        return "docker";
    }
}
