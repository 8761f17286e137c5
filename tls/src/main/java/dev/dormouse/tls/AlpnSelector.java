package dev.dormouse.tls;

import java.util.List;
import java.util.function.BiFunction;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/**
 * ALPN for every engine of {@link ServerTlsContext}: the server's own protocols in its order (what the JDK
 * does without a selector; Undertow sets {@code h2} and {@code http/1.1} through {@code SSLParameters}),
 * plus {@code acme-tls/1} for a TLS 1.3 handshake whose SNI host has a pending TLS-ALPN-01 challenge.
 *
 * <p>Only TLS 1.3: there JSSE picks the certificate after ALPN, so the key manager sees the choice; in
 * TLS 1.2 the certificate is picked first, so such a handshake is refused rather than answered with the
 * wrong certificate. ACME validators negotiate TLS 1.3 with a server that has it.
 */
final class AlpnSelector implements BiFunction<SSLEngine, List<String>, String> {
    private final AcmeChallenges challenges;

    AlpnSelector(AcmeChallenges challenges) {
        this.challenges = challenges;
    }

    @Override
    public String apply(SSLEngine engine, List<String> offered) {
        if (offered.contains(AcmeChallenges.ACME_TLS_1) && challenges.size() > 0) {
            SSLSession hs = engine.getHandshakeSession();
            String sni = SniKeyManager.sniName(hs);
            if (sni != null && challenges.tlsAlpnOrNull(sni) != null && hs != null && "TLSv1.3".equals(hs.getProtocol())) {
                return AcmeChallenges.ACME_TLS_1;
            }
        }
        String[] local = engine.getSSLParameters().getApplicationProtocols();
        if (local.length == 0) return "";
        for (String p : local) {
            if (offered.contains(p)) return p;
        }
        return null; // no protocol in common: the JDK's answer too, a no_application_protocol alert
    }
}
