package dev.dormouse.provider.proxmox;

import dev.dormouse.core.ProviderConfig;
import dev.dormouse.core.ProxmoxProviderConfig;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.core.spi.ProviderException.Reason;
import dev.dormouse.core.spi.ProviderFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/** Builds {@link ProxmoxProvider}s; found through {@link java.util.ServiceLoader}. */
public final class ProxmoxProviderFactory implements ProviderFactory {
    @Override
    public String kind() {
        return "proxmox";
    }

    /** Reads the token secret (never shown in any message) and builds an unstarted provider; nothing is contacted. */
    @Override
    public Provider create(ProviderConfig config) {
        if (!(config instanceof ProxmoxProviderConfig c)) {
            throw new ProviderException(Reason.FAILED, "proxmox provider: not a proxmox config: " + config.kind());
        }
        String secret;
        try {
            secret = Files.readString(c.tokenSecretFile(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ProviderException(Reason.UNAUTHORIZED, "proxmox " + c.name() + ": read token_secret_file " + c.tokenSecretFile()
                    + ": " + e.getClass().getSimpleName());
        }
        if (secret.isEmpty()) {
            throw new ProviderException(Reason.UNAUTHORIZED, "proxmox " + c.name() + ": token_secret_file " + c.tokenSecretFile() + " is empty");
        }
        return new ProxmoxProvider(c, new PveClient(c, secret));
    }
}
