package dev.dormouse.core;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One entry under {@code notifications:}.
 *
 * @param name unique name; required
 * @param type {@code ntfy}, {@code gotify} or {@code webhook}; required
 * @param url where notifications are sent; required
 * @param tokenFile file holding the token; optional
 * @param events which events are sent; optional, default all
 */
public record NotificationConfig(String name, String type, String url, Optional<Path> tokenFile, List<String> events) {}
