package dev.dormouse.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Picks the server certificate at each handshake from the {@link CertificateStore} by SNI, or the
 * TLS-ALPN-01 challenge certificate when the handshake negotiated ALPN {@code acme-tls/1} (which
 * {@link AlpnSelector} allows only for a host with a pending challenge). Server side only.
 */
final class SniKeyManager extends X509ExtendedKeyManager {
    private final CertificateStore store;
    private final AcmeChallenges challenges;

    SniKeyManager(CertificateStore store, AcmeChallenges challenges) {
        this.store = store;
        this.challenges = challenges;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return engine == null ? choose(keyType, null, null) : choose(keyType, engine.getHandshakeSession(), engine.getHandshakeApplicationProtocol());
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        if (socket instanceof SSLSocket s) return choose(keyType, s.getHandshakeSession(), s.getHandshakeApplicationProtocol());
        return choose(keyType, null, null);
    }

    private String choose(String keyType, SSLSession session, String alpn) {
        String sni = sniName(session);
        if (AcmeChallenges.ACME_TLS_1.equals(alpn)) {
            AcmeChallenges.TlsAlpn c = sni == null ? null : challenges.tlsAlpnOrNull(sni);
            return c != null && c.key().getAlgorithm().equals(keyType) ? c.alias() : null;
        }
        CertificateEntry e = store.selectOrNull(sni);
        return e != null && e.keyType().equals(keyType) ? e.alias() : null;
    }

    /** The SNI host name of a handshake, lower case, or {@code null}. */
    static String sniName(SSLSession session) {
        if (!(session instanceof ExtendedSSLSession es)) return null;
        List<SNIServerName> names = es.getRequestedServerNames();
        for (int i = 0; i < names.size(); i++) {
            SNIServerName n = names.get(i);
            if (n.getType() == StandardConstants.SNI_HOST_NAME && n instanceof SNIHostName h) return h.getAsciiName().toLowerCase(Locale.ROOT);
        }
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        CertificateEntry e = store.byAlias(alias);
        if (e != null) return e.chainArray();
        AcmeChallenges.TlsAlpn c = challenges.tlsAlpnByAlias(alias);
        return c == null ? null : c.chain();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        CertificateEntry e = store.byAlias(alias);
        if (e != null) return e.key();
        AcmeChallenges.TlsAlpn c = challenges.tlsAlpnByAlias(alias);
        return c == null ? null : c.key();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return store.entries().stream().filter(e -> e.keyType().equals(keyType)).map(CertificateEntry::alias).toArray(String[]::new);
    }

    // Client side: this key manager never authenticates dormouse as a client.

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }
}
