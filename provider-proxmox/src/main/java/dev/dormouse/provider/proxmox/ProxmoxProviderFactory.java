package dev.dormouse.provider.proxmox;

import dev.dormouse.core.Scheduler;
import dev.dormouse.core.ConfigSection;
import dev.dormouse.core.ContainerRef;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderConfig;
import dev.dormouse.core.spi.ProviderException;
import dev.dormouse.core.spi.ProviderException.Reason;
import dev.dormouse.core.spi.ProviderFactory;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code proxmox} kind: reads {@code providers.proxmox:} entries, checks that the token secret file
 * can be read, and builds {@link ProxmoxProvider}s; found through {@link java.util.ServiceLoader}. Guests
 * are {@code proxmox:<provider>/<node>/<vmid>}.
 */
public final class ProxmoxProviderFactory implements ProviderFactory {
    static final String KIND = "proxmox";
    private static final Pattern GUEST = Pattern.compile("[A-Za-z0-9.-]+/\\d+");
    private static final Pattern FINGERPRINT = Pattern.compile("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){31}");
    private static final Pattern TOKEN_ID = Pattern.compile("[^@!\\s]+@[^@!\\s]+![^@!\\s]+");

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public String containerSyntax() {
        return "<node>/<vmid>";
    }

    /**
     * Reads an entry. One with problems still has its name (so that routes naming it are not reported
     * too) and empty values where it has none; it is never used, since the config has problems.
     */
    @Override
    public Optional<ProviderConfig> parse(ConfigSection x) {
        Optional<String> name = x.requiredString("name");
        Optional<String> url = x.requiredString("url");
        url.ifPresent(u -> urlProblem(u).ifPresent(p -> x.problem("url", p)));
        Optional<String> tokenId = x.requiredString("token_id");
        Optional<Path> secret = x.requiredPath("token_secret_file");
        String fp = x.string("fingerprint", "");
        boolean insecure = x.bool("insecure_skip_verify", false);
        if (!fp.isEmpty() && !FINGERPRINT.matcher(fp).matches()) {
            x.problem("fingerprint", "must be a SHA-256 fingerprint like AB:CD:...(32 bytes), got '" + fp + "'");
        }
        if (tokenId.isPresent() && !TOKEN_ID.matcher(tokenId.get()).matches()) {
            x.problem("token_id", "must be USER@REALM!TOKENID, got '" + tokenId.get() + "'");
        }
        Duration poll = x.positiveDuration("poll_interval", Duration.ofSeconds(5));
        return name.<ProviderConfig>map(n -> new ProxmoxProviderConfig(n, url.orElse(""), tokenId.orElse(""), secret.orElse(Path.of("")),
                fp.isEmpty() ? Optional.empty() : Optional.of(fp), insecure, poll));
    }

    private static Optional<String> urlProblem(String url) {
        if (!url.startsWith("https://") && !url.startsWith("http://")) return Optional.of("must be an http(s) URL, got '" + url + "'");
        try {
            if (new URI(url).getHost() == null) return Optional.of("names no host, got '" + url + "'");
        } catch (URISyntaxException e) {
            return Optional.of("not a URL: '" + url + "' (" + e.getReason() + ")");
        }
        return Optional.empty();
    }

    /** The token secret file exists, can be read and is not empty (what it holds is never shown). */
    @Override
    public void validate(ProviderConfig config, ConfigSection section) {
        Path f = ((ProxmoxProviderConfig) config).tokenSecretFile();
        if (Files.isDirectory(f)) {
            section.problem("token_secret_file", f + " is a directory, not a file");
            return;
        }
        try {
            if (readSecret(f).isEmpty()) section.problem("token_secret_file", f + " is empty");
        } catch (java.nio.file.NoSuchFileException e) {
            section.problem("token_secret_file", f + " does not exist");
        } catch (java.nio.file.AccessDeniedException e) {
            section.problem("token_secret_file", f + " is not readable by user " + System.getProperty("user.name"));
        } catch (IOException e) {
            section.problem("token_secret_file", "cannot read " + f + ": " + e.getMessage());
        }
    }

    private static String readSecret(Path f) throws IOException {
        return Files.readString(f, StandardCharsets.UTF_8).strip();
    }

    @Override
    public void checkContainer(ContainerRef ref) {
        if (!GUEST.matcher(ref.id()).matches()) throw new IllegalArgumentException("must be proxmox:<provider>/<node>/<vmid>, got '" + ref + "'");
    }

    /** Reads the token secret (never shown in any message) and builds an unstarted provider; nothing is contacted. */
    @Override
    public Provider create(ProviderConfig config) {
        return create(config, Scheduler.system());
    }

    /** {@link #create(ProviderConfig)}, with the polls' interval on {@code scheduler}. */
    Provider create(ProviderConfig config, Scheduler scheduler) {
        if (!(config instanceof ProxmoxProviderConfig c)) {
            throw new ProviderException(Reason.FAILED, "proxmox provider: not a proxmox config: " + config.kind());
        }
        String secret;
        try {
            secret = readSecret(c.tokenSecretFile());
        } catch (IOException e) {
            throw new ProviderException(Reason.UNAUTHORIZED, "proxmox " + c.name() + ": read token_secret_file " + c.tokenSecretFile()
                    + ": " + e.getClass().getSimpleName());
        }
        if (secret.isEmpty()) {
            throw new ProviderException(Reason.UNAUTHORIZED, "proxmox " + c.name() + ": token_secret_file " + c.tokenSecretFile() + " is empty");
        }
        return new ProxmoxProvider(c, new PveClient(c, secret), scheduler);
    }
}
