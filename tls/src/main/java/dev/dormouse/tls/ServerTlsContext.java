package dev.dormouse.tls;

import dev.dormouse.core.TlsConfig;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The HTTPS listener's {@link SSLContext}: certificates from a {@link CertificateStore} picked by SNI at each
 * handshake, TLS-ALPN-01 challenges from {@link AcmeChallenges}, and hardened defaults.
 *
 * <p>Defaults of the context (what {@code getDefaultSSLParameters()}, every {@code createSSLEngine} and every
 * server socket start with), so Undertow's {@code addHttpsListener(port, host, sslContext)} needs nothing else:
 * <ul>
 *   <li>protocols TLSv1.3 and TLSv1.2, or TLSv1.3 alone with {@code min_version: "1.3"}; TLS 1.0 and 1.1
 *       hellos are refused;
 *   <li>the JDK's modern suites only: TLS 1.3's, and for TLS 1.2 ECDHE with AES-GCM or ChaCha20-Poly1305 (no
 *       CBC, no RSA key exchange, no DHE), in the server's order. The TLS 1.2 suites stay listed with
 *       TLSv1.3 alone (unused there) because Undertow offers HTTP/2 only when
 *       {@code TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256} is enabled;
 *   <li>no client certificates; ALPN left to the server (Undertow's HTTP/2 listener sets {@code h2} and
 *       {@code http/1.1}), plus {@code acme-tls/1} for pending challenges.
 * </ul>
 *
 * <p>Renegotiation: TLS 1.3 has none; for TLS 1.2 the JDK refuses client-initiated renegotiation only with
 * the system property {@code jdk.tls.rejectClientInitiatedRenegotiation=true}, which it reads once, when the
 * first server handshake runs. The launcher's {@code main} must call {@link #rejectClientRenegotiation()}
 * first thing; {@link #create} calls it too, which is early enough when no other server TLS ran before.
 */
public final class ServerTlsContext {
    /** The JDK's switch for refusing client-initiated renegotiation (read once per JVM). */
    public static final String REJECT_RENEGOTIATION = "jdk.tls.rejectClientInitiatedRenegotiation";
    private static final Pattern MODERN = Pattern.compile(
            "TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256|ECDHE_(ECDSA|RSA)_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256))");

    private ServerTlsContext() {}

    /** Sets {@code jdk.tls.rejectClientInitiatedRenegotiation=true} unless the operator set it; call it first in {@code main}. */
    public static void rejectClientRenegotiation() {
        if (System.getProperty(REJECT_RENEGOTIATION) == null) System.setProperty(REJECT_RENEGOTIATION, "true");
    }

    /**
     * The server context over the store. Certificate changes in the store reach new handshakes at once;
     * the context itself never needs rebuilding (a {@code min_version} change does).
     *
     * @param tls the {@code tls:} block; only {@code min_version} is read here
     */
    public static SSLContext create(CertificateStore store, AcmeChallenges challenges, TlsConfig tls) {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(challenges, "challenges");
        rejectClientRenegotiation();
        try {
            SSLContext base = SSLContext.getInstance("TLS");
            base.init(new KeyManager[] {new SniKeyManager(store, challenges)}, null, new SecureRandom());
            SSLParameters params = parameters(base, tls.minVersion());
            HardenedContextSpi spi = new HardenedContextSpi(base, params, new AlpnSelector(challenges));
            return new SSLContext(spi, base.getProvider(), base.getProtocol()) {};
        } catch (GeneralSecurityException e) {
            throw new TlsException("tls: build the server context: " + e.getMessage(), e);
        }
    }

    /** {@code ["TLSv1.3", "TLSv1.2"]}, or {@code ["TLSv1.3"]} for {@code min_version "1.3"}. */
    public static List<String> protocols(String minVersion) {
        return switch (minVersion) {
            case "1.2" -> List.of("TLSv1.3", "TLSv1.2");
            case "1.3" -> List.of("TLSv1.3");
            default -> throw new IllegalArgumentException("minVersion must be 1.2 or 1.3, got " + minVersion);
        };
    }

    /** The modern suites of the JDK's default list, in its order (its best first). */
    public static List<String> cipherSuites() {
        try {
            return modern(SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites());
        } catch (GeneralSecurityException e) {
            throw new TlsException("tls: no default TLS context: " + e.getMessage(), e);
        }
    }

    private static SSLParameters parameters(SSLContext base, String minVersion) {
        SSLParameters p = new SSLParameters();
        p.setProtocols(protocols(minVersion).toArray(String[]::new));
        p.setCipherSuites(modern(base.getDefaultSSLParameters().getCipherSuites()).toArray(String[]::new));
        p.setUseCipherSuitesOrder(true);
        p.setNeedClientAuth(false);
        p.setWantClientAuth(false);
        return p;
    }

    private static List<String> modern(String[] suites) {
        List<String> out = new ArrayList<>();
        for (String s : suites) if (MODERN.matcher(s).matches()) out.add(s);
        if (out.isEmpty()) throw new TlsException("tls: the JVM enables none of the modern cipher suites (check jdk.tls.disabledAlgorithms)");
        return List.copyOf(out);
    }

    static SSLParameters copy(SSLParameters p) {
        SSLParameters c = new SSLParameters(p.getCipherSuites(), p.getProtocols());
        c.setUseCipherSuitesOrder(p.getUseCipherSuitesOrder());
        c.setNeedClientAuth(p.getNeedClientAuth());
        c.setApplicationProtocols(p.getApplicationProtocols());
        return c;
    }
}
