package dev.dormouse.core;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a listener binds: {@code [host]:port} under {@code server:} ({@link #parse}), or
 * {@code tcp://[host]:port} / {@code udp://[host]:port} for a stream route ({@link #parseStream}). The one
 * parser and formatter of listen addresses: the config loader, the label routes, the proxies and the doctor
 * all read them through this type.
 *
 * @param protocol {@code tcp} or {@code udp} for a stream listener; empty for a server listener (HTTP, over TCP)
 * @param host a host name or IP address literal (IPv6 without brackets); empty or {@code *} for every
 *     address. A stream listener written without a host has {@code 0.0.0.0}, as it is shown.
 * @param port 0 to 65535; 0 (server listeners only) picks a free port
 */
public record ListenAddress(Optional<Protocol> protocol, String host, int port) {
    private static final Pattern HEX_GROUP = Pattern.compile("[0-9A-Fa-f]{1,4}");
    private static final Pattern IPV4 = Pattern.compile("((25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1?\\d?\\d)");
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");

    /** The transport of a stream listener. */
    public enum Protocol {
        TCP, UDP;

        /** {@code tcp} or {@code udp}, as written in the URL. */
        public String scheme() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public ListenAddress {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range, got " + port);
        if (!validHost(host)) throw new IllegalArgumentException("not a host name or IP address, got '" + host + "'");
    }

    /**
     * Parses a server listener {@code [host]:port}: {@code :8080}, {@code 127.0.0.1:9180}, {@code [::1]:8080};
     * port 0 picks a free port.
     *
     * @throws IllegalArgumentException naming the text
     */
    public static ListenAddress parse(String text) {
        String host;
        String port;
        if (text.startsWith("[")) {
            int end = text.indexOf(']');
            if (end < 0 || !text.startsWith(":", end + 1)) throw new IllegalArgumentException("must be [host]:port, got '" + text + "'");
            host = text.substring(1, end);
            port = text.substring(end + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0) throw new IllegalArgumentException("must be [host]:port, got '" + text + "'");
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be [host]:port with a numeric port, got '" + text + "'");
        }
        if (p < 0 || p > 65535) throw new IllegalArgumentException("port out of range, got '" + text + "'");
        if (!validHost(host)) throw new IllegalArgumentException("must be [host]:port with a host name or IP address, got '" + text + "'");
        return new ListenAddress(Optional.empty(), host, p);
    }

    /**
     * Parses a stream listener {@code tcp://[host]:port} or {@code udp://[host]:port}; without a host it
     * listens on {@code 0.0.0.0}.
     *
     * @throws IllegalArgumentException naming the text
     */
    public static ListenAddress parseStream(String text) {
        int sep = text.indexOf("://");
        String scheme = sep < 0 ? "" : text.substring(0, sep);
        if (!scheme.equals("tcp") && !scheme.equals("udp")) {
            throw new IllegalArgumentException("must be tcp://[host]:port or udp://[host]:port, got '" + text + "'");
        }
        String addr = text.substring(sep + 3);
        String host = "";
        String port = addr;
        if (addr.startsWith("[")) {
            int end = addr.indexOf(']');
            host = end < 0 ? addr : addr.substring(1, end);
            port = end < 0 || !addr.startsWith(":", end + 1) ? "" : addr.substring(end + 2);
        } else {
            int colon = addr.lastIndexOf(':');
            if (colon >= 0) {
                host = addr.substring(0, colon);
                port = addr.substring(colon + 1);
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("needs a numeric port, got '" + text + "'");
        }
        if (p < 1 || p > 65535) throw new IllegalArgumentException("port out of range, got '" + text + "'");
        if (!validHost(host)) throw new IllegalArgumentException("needs a host name or IP address, got '" + text + "'");
        return new ListenAddress(Optional.of(scheme.equals("tcp") ? Protocol.TCP : Protocol.UDP), host.isEmpty() ? "0.0.0.0" : host, p);
    }

    private static boolean validHost(String host) {
        if (host.isEmpty() || host.equals("*")) return true;
        if (host.contains(":")) return ipv6(host);
        return host.length() <= 253 && HOST_NAME.matcher(host).matches();
    }

    /** An IPv6 address literal (no brackets), with an optional zone; checked as text, never looked up. */
    private static boolean ipv6(String text) {
        int zone = text.indexOf('%');
        if (zone == text.length() - 1) return false;
        String h = zone < 0 ? text : text.substring(0, zone);
        int gap = h.indexOf("::");
        if (gap >= 0 && h.indexOf("::", gap + 1) >= 0) return false;
        if ((h.startsWith(":") && gap != 0) || (h.endsWith(":") && gap != h.length() - 2)) return false;
        String[] parts = h.split(":", -1);
        int groups = 0;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.isEmpty()) continue;
            if (i == parts.length - 1 && IPV4.matcher(p).matches()) {
                groups += 2;
            } else if (HEX_GROUP.matcher(p).matches()) {
                groups++;
            } else {
                return false;
            }
        }
        return gap >= 0 ? groups < 8 : groups == 8;
    }

    /** {@code tcp} or {@code udp}; a server listener's is {@code tcp}. */
    public String transport() {
        return protocol.orElse(Protocol.TCP).scheme();
    }

    /** True when it listens on every address: no host, {@code *}, {@code 0.0.0.0} or {@code ::}. */
    public boolean wildcard() {
        return host.isEmpty() || host.equals("*") || host.equals("0.0.0.0") || host.equals("::");
    }

    /** The socket address to bind; no host (or {@code *}) is every IPv4 address, as {@code 0.0.0.0}. A host name is resolved now. */
    public InetSocketAddress bindAddress() {
        return new InetSocketAddress(host.isEmpty() || host.equals("*") ? "0.0.0.0" : host, port);
    }

    /**
     * Two listeners clash when they have the same protocol and port, whatever their addresses: {@code udp://:53}
     * and {@code udp://127.0.0.1:53} would both bind, and which one gets a datagram is up to the kernel.
     */
    public String clashKey() {
        return transport() + "/" + port;
    }

    /** The same address on another port (the one a {@code :0} listener was given). */
    public ListenAddress withPort(int p) {
        return new ListenAddress(protocol, host, p);
    }

    /**
     * Where a client on this machine connects to reach this listener, {@code host:port} for a URL: a
     * wildcard means the loopback address of its family ({@code [::]:9180} means {@code [::1]:9180}).
     */
    public String connectAuthority() {
        String h = host.equals("::") ? "::1" : wildcard() ? "127.0.0.1" : host;
        return bracketed(h) + ":" + port;
    }

    /** {@code host:port}, an IPv6 host in brackets; an empty host stays empty ({@code :8080}). */
    public String hostPort() {
        return bracketed(host) + ":" + port;
    }

    private static String bracketed(String h) {
        return h.contains(":") ? "[" + h + "]" : h;
    }

    /** As written in the config: {@code :8080}, {@code tcp://0.0.0.0:22}, {@code udp://[::1]:53}. */
    @Override
    public String toString() {
        return protocol.map(p -> p.scheme() + "://").orElse("") + hostPort();
    }
}
