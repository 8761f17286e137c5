package dev.dormouse.core;

import java.nio.file.Path;

/**
 * The {@code server:} block.
 *
 * @param http HTTP listener {@code [host]:port}; optional, default {@code :8080}; empty disables it
 * @param https HTTPS listener; optional, default empty (disabled); needs {@code tls.certificates}
 * @param admin admin API listener; optional, default {@code 127.0.0.1:9180}; empty disables it
 * @param dataDir where {@code dormouse.db} and {@code admin.token} live; optional, default {@code ./data},
 *     relative paths resolve against the config file's directory
 */
public record ServerConfig(String http, String https, String admin, Path dataDir) {}
