/** The Proxmox VE provider: LXC containers and QEMU VMs over the PVE HTTP API with API tokens. */
module dev.dormouse.provider.proxmox {
    requires dev.dormouse.core;
    requires com.fasterxml.jackson.databind;

    provides dev.dormouse.core.spi.ProviderFactory with dev.dormouse.provider.proxmox.ProxmoxProviderFactory;
}
