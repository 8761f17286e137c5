package dev.dormouse.core;

/**
 * The container behind a route: {@code docker:<provider>/<name-or-id>} or
 * {@code proxmox:<provider>/<node>/<vmid>}.
 *
 * @param kind provider kind, {@code docker} or {@code proxmox}
 * @param provider the configured provider's name
 * @param id the container's name or id (Docker) or {@code node/vmid} (Proxmox)
 */
public record ContainerRef(String kind, String provider, String id) {
    @Override
    public String toString() {
        return kind + ":" + provider + "/" + id;
    }
}
