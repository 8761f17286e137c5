package dev.dormouse.core;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** TLS client contexts for talking to upstreams: verified by default, or trusting anything when a route says so. */
public final class Tls {
    private static final SSLContext TRUST_ALL = trustAll();

    private Tls() {}

    /** The JVM's default (verifying) context, or one that accepts any certificate for {@code insecure_skip_verify}. */
    public static SSLContext client(boolean insecureSkipVerify) {
        if (insecureSkipVerify) return TRUST_ALL;
        try {
            return SSLContext.getDefault();
        } catch (GeneralSecurityException e) {
            throw new DormouseException("TLS: no default context: " + e.getMessage(), e);
        }
    }

    private static SSLContext trustAll() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new DormouseException("TLS: cannot build a context: " + e.getMessage(), e);
        }
    }
}
