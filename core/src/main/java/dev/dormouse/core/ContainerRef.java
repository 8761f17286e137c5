package dev.dormouse.core;

import java.util.Objects;

/**
 * The container behind a route: {@code <kind>:<provider>/<id>}, e.g. {@code docker:local/whoami} or
 * {@code proxmox:pve/pve1/101}. What an id looks like is up to its provider kind
 * ({@link dev.dormouse.core.spi.ProviderFactory#checkContainer}).
 *
 * @param kind provider kind, e.g. {@code docker}
 * @param provider the configured provider's name
 * @param id the container as its provider names it (Docker: name or id; Proxmox: {@code node/vmid})
 */
public record ContainerRef(String kind, String provider, String id) {
    public ContainerRef {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(id, "id");
    }

    /** The key the running providers are known by, {@code kind:name}: see {@link #providerKey(String, String)}. */
    public String providerKey() {
        return providerKey(kind, provider);
    }

    /**
     * The one spelling of a provider's key, {@code kind:name} ({@code docker:local}): the key of the
     * provider map every unit is given, of the runtime records, of metrics and of the admin API.
     */
    public static String providerKey(String kind, String name) {
        return kind + ":" + name;
    }

    @Override
    public String toString() {
        return providerKey() + "/" + id;
    }
}
