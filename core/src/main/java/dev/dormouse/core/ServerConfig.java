package dev.dormouse.core;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The {@code server:} block. The listeners are kept as written (validated as {@link ListenAddress}es);
 * {@link #httpAddress()} and its siblings give them parsed.
 *
 * @param http HTTP listener {@code [host]:port}; optional, default {@code :8080}; empty disables it
 * @param https HTTPS listener; optional, default empty (disabled); needs {@code tls.certificates} or {@code tls.acme}
 * @param admin admin API listener; optional, default {@code 127.0.0.1:9180}; empty disables it
 * @param dataDir where {@code dormouse.db} and {@code admin.token} live; optional, default {@code ./data},
 *     relative paths resolve against the config file's directory
 * @param limits bounds on what HTTP clients can make the listeners hold; optional, see {@link HttpLimits}
 * @param trustedProxies address blocks whose {@code X-Forwarded-*}, {@code Forwarded} and {@code X-Real-IP}
 *     headers are kept and appended to; from every other client they are replaced; optional, default none
 */
public record ServerConfig(String http, String https, String admin, Path dataDir, HttpLimits limits, List<Cidr> trustedProxies) {
    public ServerConfig {
        trustedProxies = List.copyOf(trustedProxies);
    }

    /** {@link #http()} parsed; empty when disabled. */
    public Optional<ListenAddress> httpAddress() {
        return address(http);
    }

    /** {@link #https()} parsed; empty when disabled. */
    public Optional<ListenAddress> httpsAddress() {
        return address(https);
    }

    /** {@link #admin()} parsed; empty when disabled. */
    public Optional<ListenAddress> adminAddress() {
        return address(admin);
    }

    private static Optional<ListenAddress> address(String listen) {
        return listen.isEmpty() ? Optional.empty() : Optional.of(ListenAddress.parse(listen));
    }
}
