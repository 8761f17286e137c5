package dev.dormouse.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ACME challenges in flight, for the listeners to answer.
 *
 * <ul>
 *   <li>HTTP-01: the HTTP listener answers {@code GET /.well-known/acme-challenge/<token>} for any host with
 *       {@link #http01(String)} as {@code text/plain} (200), or 404 when empty. It must do so before any
 *       routing, redirect or wake: serving a challenge never wakes a route.
 *   <li>TLS-ALPN-01: nothing to wire; the key manager of {@link ServerTlsContext} serves the challenge
 *       certificate to a TLS 1.3 handshake that offers ALPN {@code acme-tls/1} for a host with a pending
 *       challenge.
 * </ul>
 *
 * <p>Entries exist only while an authorization is pending (the ACME worker removes them when it completes
 * or fails) and the table holds at most {@code capacity} of each kind; lookups never add anything.
 */
public final class AcmeChallenges {
    /** Default capacity: the worker runs one order at a time, so a handful is plenty. */
    public static final int DEFAULT_CAPACITY = 16;
    static final String ACME_TLS_1 = "acme-tls/1";

    private final int capacity;
    private final Map<String, String> http01 = new ConcurrentHashMap<>();
    private final Map<String, TlsAlpn> tlsAlpn = new ConcurrentHashMap<>();

    /** A TLS-ALPN-01 challenge certificate for one host. */
    record TlsAlpn(String alias, X509Certificate[] chain, PrivateKey key) {
        @Override
        public String toString() {
            return "TlsAlpn[" + alias + "]";
        }
    }

    public AcmeChallenges() {
        this(DEFAULT_CAPACITY);
    }

    public AcmeChallenges(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        this.capacity = capacity;
    }

    /** The key authorization to answer for an HTTP-01 token, while its authorization is pending. */
    public Optional<String> http01(String token) {
        return Optional.ofNullable(http01.get(token));
    }

    /** Whether a TLS-ALPN-01 challenge is pending for the host. */
    public boolean tlsAlpnPending(String host) {
        return tlsAlpn.containsKey(host.toLowerCase(Locale.ROOT));
    }

    /** How many challenges are pending, of both kinds. */
    public int size() {
        return http01.size() + tlsAlpn.size();
    }

    /** For the ACME issuer: answer {@code keyAuthorization} for {@code token} until removed; refused when the table is full. */
    public void putHttp01(String token, String keyAuthorization) {
        Objects.requireNonNull(keyAuthorization, "keyAuthorization");
        synchronized (http01) {
            if (!http01.containsKey(token) && http01.size() >= capacity) {
                throw new TlsException("tls acme: challenge table full (" + capacity + " HTTP-01 challenges pending)");
            }
            http01.put(token, keyAuthorization);
        }
    }

    /** For the ACME issuer, once the authorization completed or failed. */
    public void removeHttp01(String token) {
        http01.remove(token);
    }

    /** For the ACME issuer: serve this challenge certificate to {@code acme-tls/1} handshakes for the host until removed. */
    public void putTlsAlpn(String host, X509Certificate certificate, PrivateKey key) {
        String h = host.toLowerCase(Locale.ROOT);
        synchronized (tlsAlpn) {
            if (!tlsAlpn.containsKey(h) && tlsAlpn.size() >= capacity) {
                throw new TlsException("tls acme: challenge table full (" + capacity + " TLS-ALPN-01 challenges pending)");
            }
            tlsAlpn.put(h, new TlsAlpn("acme-tls-alpn:" + h, new X509Certificate[] {certificate}, key));
        }
    }

    /** For the ACME issuer, once the authorization completed or failed. */
    public void removeTlsAlpn(String host) {
        tlsAlpn.remove(host.toLowerCase(Locale.ROOT));
    }

    /** The challenge certificate for a host, {@code null} when none is pending (key manager hot path). */
    TlsAlpn tlsAlpnOrNull(String host) {
        return tlsAlpn.get(host);
    }

    TlsAlpn tlsAlpnByAlias(String alias) {
        if (!alias.startsWith("acme-tls-alpn:")) return null;
        return tlsAlpn.get(alias.substring("acme-tls-alpn:".length()));
    }
}
