package dev.dormouse.core;

/** One entry under {@code providers:}. */
public sealed interface ProviderConfig permits DockerProviderConfig, ProxmoxProviderConfig {
    /** The provider kind: {@code docker} or {@code proxmox}. */
    String kind();

    /** The name routes refer to, unique per kind. */
    String name();
}
