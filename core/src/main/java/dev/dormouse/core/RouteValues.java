package dev.dormouse.core;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The values of one route parsed from text, for the config file and for container labels alike: host
 * patterns and targets. (Listeners are {@link ListenAddress}es, durations {@link Durations}.)
 */
public final class RouteValues {
    private static final Pattern HOST_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Set<String> TARGET_SCHEMES = Set.of("http", "https", "h2c", "tcp", "udp");

    private RouteValues() {}

    /** Why {@code host} (lower case) is not a valid Host pattern, or empty. */
    public static java.util.Optional<String> hostError(String host) {
        String h = host.startsWith("*.") ? host.substring(2) : host;
        if (h.isEmpty() || h.length() > 253) return java.util.Optional.of("not a host name");
        if (h.contains("*")) return java.util.Optional.of("a wildcard is allowed only as the first label ('*.example.com')");
        for (String label : h.split("\\.", -1)) {
            if (!HOST_LABEL.matcher(label).matches()) return java.util.Optional.of("not a host name (letters, digits, '-' and '.')");
        }
        return java.util.Optional.empty();
    }

    /**
     * Parses a route target {@code http|https|h2c|tcp|udp://host:port[/path]}; http(s) targets get their
     * default port; {@code scheme://:port} (no host) takes the container's address when it starts.
     *
     * @throws IllegalArgumentException naming the text
     */
    public static URI parseTarget(String text) {
        URI u;
        try {
            u = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: '" + text + "'");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!TARGET_SCHEMES.contains(scheme)) {
            throw new IllegalArgumentException("scheme must be http, https, h2c, tcp or udp, got '" + text + "'");
        }
        String host = u.getHost();
        int port = u.getPort();
        if (host == null || host.isEmpty()) {
            // "http://:8080": the host is the container's address, found when it starts.
            String auth = u.getRawAuthority() == null ? "" : u.getRawAuthority();
            if (!auth.startsWith(":") || !auth.substring(1).matches("\\d{1,5}")) {
                throw new IllegalArgumentException("needs a host, or just :port to use the container's address, got '" + text + "'");
            }
            host = "";
            port = Integer.parseInt(auth.substring(1));
        }
        if (port < 0) {
            port = switch (scheme) {
                case "https" -> 443;
                case "http", "h2c" -> 80;
                default -> throw new IllegalArgumentException("needs a port, got '" + text + "'");
            };
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port out of range, got '" + text + "'");
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new IllegalArgumentException("must not have a query or fragment, got '" + text + "'");
        }
        String path = u.getRawPath() == null || u.getRawPath().isEmpty() || u.getRawPath().equals("/") ? "" : u.getRawPath();
        if (!path.isEmpty() && (scheme.equals("tcp") || scheme.equals("udp"))) {
            throw new IllegalArgumentException("a " + scheme + " target has no path, got '" + text + "'");
        }
        return URI.create(scheme + "://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port + path);
    }
}
