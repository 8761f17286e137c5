package dev.dormouse.proxy;

import dev.dormouse.core.Cidr;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * The forwarding headers an upstream sees: {@code X-Forwarded-For}, {@code -Host}, {@code -Proto}, {@code -Port},
 * {@code Forwarded} (RFC 7239) and {@code X-Real-IP} come from the connection (peer address, Host, scheme,
 * listener port), and a client's own values are dropped; unless the peer is a trusted proxy, whose values are
 * kept and appended to.
 *
 * <p>Undertow's {@code ProxyHandler} (run with {@code reuseXForwarded}) writes {@code X-Forwarded-For} last:
 * it appends {@code ,<peer>} to the value it finds, or sets {@code <peer>} when there is none; it keeps the
 * {@code -Proto}, {@code -Port}, {@code -Host} and {@code -Server} values it finds and sets those missing. So this
 * class leaves the request as that rule needs it: for an untrusted peer without any client value, for a trusted
 * one with its values joined into one field each.
 */
final class Forwarding {
    static final HttpString FORWARDED = HttpString.tryFromString("Forwarded");
    static final HttpString X_REAL_IP = HttpString.tryFromString("X-Real-IP");

    private final Cidr[] trusted;

    Forwarding(List<Cidr> trusted) {
        this.trusted = trusted.toArray(Cidr[]::new);
    }

    boolean trusts(InetAddress peer) {
        for (Cidr c : trusted) {
            if (c.contains(peer)) return true;
        }
        return false;
    }

    /** Rewrites the request's forwarding headers for the upstream. */
    void apply(HttpServerExchange ex) {
        HeaderMap h = ex.getRequestHeaders();
        Peer p = peer(ex);
        String host = h.getFirst(Headers.HOST);
        String proto = ex.getRequestScheme();
        String ours = p.forwarded(host, proto);
        if (trusted.length == 0 || !trusts(p.address)) {
            h.remove(Headers.X_FORWARDED_FOR);
            h.remove(Headers.X_FORWARDED_SERVER);
            if (host == null) h.remove(Headers.X_FORWARDED_HOST);
            else h.put(Headers.X_FORWARDED_HOST, host);
            h.put(Headers.X_FORWARDED_PROTO, proto);
            h.put(Headers.X_FORWARDED_PORT, p.port);
            h.put(X_REAL_IP, p.text);
            h.put(FORWARDED, ours);
            return;
        }
        joinInto(h, Headers.X_FORWARDED_FOR);
        if (host != null && !h.contains(Headers.X_FORWARDED_HOST)) h.put(Headers.X_FORWARDED_HOST, host);
        if (!h.contains(Headers.X_FORWARDED_PROTO)) h.put(Headers.X_FORWARDED_PROTO, proto);
        if (!h.contains(Headers.X_FORWARDED_PORT)) h.put(Headers.X_FORWARDED_PORT, p.port);
        if (!h.contains(X_REAL_IP)) h.put(X_REAL_IP, p.text);
        String theirs = joinInto(h, FORWARDED);
        h.put(FORWARDED, theirs == null || theirs.isBlank() ? ours : theirs + ", " + ours);
    }

    /** The connection's peer, formatted once per connection rather than once per request. */
    private static Peer peer(HttpServerExchange ex) {
        ServerConnection c = ex.getConnection();
        InetAddress address = ex.getSourceAddress().getAddress();
        Peer p = c.getAttachment(PEER);
        if (p == null || !p.address.equals(address)) {
            InetSocketAddress local = ex.getDestinationAddress();
            p = new Peer(address, local == null ? 0 : local.getPort());
            c.putAttachment(PEER, p);
        }
        return p;
    }

    private static final AttachmentKey<Peer> PEER = AttachmentKey.create(Peer.class);

    /** A connection's peer address as the forwarding headers write it, the listener's port, and the last own Forwarded element. */
    private static final class Peer {
        final InetAddress address;
        final String text;
        final String node;
        final String port;
        /** Requests on one connection mostly carry the same Host; an immutable triple, so a stale read is only a miss. */
        private volatile Element last;

        private record Element(String host, String proto, String value) {}

        Peer(InetAddress address, int port) {
            this.address = address;
            this.text = address(address);
            this.node = node(address, text);
            this.port = Integer.toString(port);
        }

        /** {@code for=<node>[;host=<host>];proto=<proto>}. */
        String forwarded(String host, String proto) {
            Element e = last;
            if (e != null && Objects.equals(e.host, host) && e.proto.equals(proto)) return e.value;
            String value = "for=" + node + (host == null ? "" : ";host=" + value(host)) + ";proto=" + proto;
            last = new Element(host, proto, value);
            return value;
        }
    }

    /** Joins a list field sent as several lines into one line, as RFC 9110 5.3 allows; returns it, or null. */
    private static String joinInto(HeaderMap h, HttpString name) {
        HeaderValues v = h.get(name);
        if (v == null || v.isEmpty()) return null;
        if (v.size() == 1) return v.getFirst();
        StringBuilder b = new StringBuilder();
        for (String s : v) {
            if (s.isBlank()) continue;
            if (!b.isEmpty()) b.append(", ");
            b.append(s.strip());
        }
        String joined = b.toString();
        h.put(name, joined);
        return joined;
    }

    /** The peer's address without an IPv6 scope. */
    static String address(InetAddress a) {
        String s = a.getHostAddress();
        int scope = s.indexOf('%');
        return scope < 0 ? s : s.substring(0, scope);
    }

    /** An RFC 7239 node: IPv6 in brackets, which makes it a quoted string. */
    private static String node(InetAddress a, String text) {
        return a instanceof Inet6Address ? "\"[" + text + "]\"" : text;
    }

    /** An RFC 7239 value: a token as it is, anything else (a host with a port, say) quoted. */
    static String value(String s) {
        boolean token = !s.isEmpty();
        for (int i = 0; i < s.length() && token; i++) token = isTokenChar(s.charAt(i));
        if (token) return s;
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') b.append('\\');
            b.append(c);
        }
        return b.append('"').toString();
    }

    private static boolean isTokenChar(char c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') return true;
        return "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
