package dev.dormouse.core;

import java.nio.file.Path;
import java.util.Optional;

/**
 * An entry under {@code providers.proxmox:}. The token secret is read from a file and never held in
 * this record, so it cannot leak through {@code toString()}.
 *
 * @param name name used in {@code container: proxmox:<name>/...}; required
 * @param url PVE API base URL; required
 * @param tokenId API token id {@code USER@REALM!TOKENID}; required
 * @param tokenSecretFile file holding the token secret; required
 * @param fingerprint SHA-256 certificate fingerprint to pin; optional
 * @param insecureSkipVerify accept any certificate; optional, default false
 * @param pollInterval how often guest states are read (one request per provider); optional, default {@code 5s}
 */
public record ProxmoxProviderConfig(String name, String url, String tokenId, Path tokenSecretFile,
        Optional<String> fingerprint, boolean insecureSkipVerify, java.time.Duration pollInterval) implements ProviderConfig {
    public String kind() {
        return "proxmox";
    }
}
