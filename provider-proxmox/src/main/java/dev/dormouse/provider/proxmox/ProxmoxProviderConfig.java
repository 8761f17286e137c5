package dev.dormouse.provider.proxmox;

import dev.dormouse.core.spi.ProviderConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An entry under {@code providers.proxmox:}. The token secret is read from a file and never held in
 * this record, so it cannot leak through {@code toString()}.
 *
 * @param name name used in {@code container: proxmox:<name>/...}; required
 * @param url PVE API base URL; required
 * @param tokenId API token id {@code USER@REALM!TOKENID}; required
 * @param tokenSecretFile file holding the token secret; required, and {@code dormouse validate} checks that it
 *     can be read and is not empty
 * @param fingerprint SHA-256 certificate fingerprint to pin; optional
 * @param insecureSkipVerify accept any certificate; optional, default false
 * @param pollInterval how often guest states are read (one request per provider); optional, default {@code 5s}
 */
public record ProxmoxProviderConfig(String name, String url, String tokenId, Path tokenSecretFile,
        Optional<String> fingerprint, boolean insecureSkipVerify, Duration pollInterval) implements ProviderConfig {
    public ProxmoxProviderConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(tokenId, "tokenId");
        Objects.requireNonNull(tokenSecretFile, "tokenSecretFile");
        Objects.requireNonNull(fingerprint, "fingerprint");
        if (pollInterval == null || !pollInterval.isPositive()) throw new IllegalArgumentException("pollInterval must be > 0, got " + pollInterval);
    }

    @Override
    public String kind() {
        return ProxmoxProviderFactory.KIND;
    }

    @Override
    public String endpoint() {
        return url;
    }
}
