package dev.dormouse.tls.acme;

import dev.dormouse.tls.TlsException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trust for the ACME directory's own HTTPS: the JVM's default trust, plus the certificates of
 * {@code tls.acme.ca_file} when given (extra trust, never instead). Host names are checked as usual.
 */
final class AcmeTrust {
    private AcmeTrust() {}

    static SSLContext context(Optional<Path> caFile) {
        try {
            if (caFile.isEmpty()) return SSLContext.getDefault();
            X509ExtendedTrustManager jvm = trustManager(null);
            List<X509Certificate> extra = certificates(caFile.get());
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            for (int i = 0; i < extra.size(); i++) ks.setCertificateEntry("ca-file-" + i, extra.get(i));
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new Either(jvm, trustManager(ks))}, null);
            return ctx;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new TlsException("tls acme: trust for the ACME directory: " + e.getMessage(), e);
        }
    }

    /** The certificates of a PEM (or DER) file, read by the JDK. */
    private static List<X509Certificate> certificates(Path file) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            List<X509Certificate> out = new java.util.ArrayList<>();
            for (java.security.cert.Certificate c : java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) throw new TlsException("tls acme: read ca_file " + file + ": no certificate found");
            return out;
        } catch (java.io.IOException | CertificateException e) {
            throw new TlsException("tls acme: read ca_file " + file + ": " + e.getMessage(), e);
        }
    }

    private static X509ExtendedTrustManager trustManager(KeyStore ks) throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) return x;
        }
        throw new GeneralSecurityException("no X509 trust manager");
    }

    /** Accepts a server chain that either trust manager accepts; the JVM's is asked first. */
    private static final class Either extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager first;
        private final X509ExtendedTrustManager second;

        Either(X509ExtendedTrustManager first, X509ExtendedTrustManager second) {
            this.first = first;
            this.second = second;
        }

        private interface Check {
            void run(X509ExtendedTrustManager tm) throws CertificateException;
        }

        private void either(Check c) throws CertificateException {
            try {
                c.run(first);
            } catch (CertificateException e) {
                try {
                    c.run(second);
                } catch (CertificateException e2) {
                    e2.addSuppressed(e);
                    throw e2;
                }
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            either(tm -> tm.checkServerTrusted(chain, authType, socket));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            either(tm -> tm.checkServerTrusted(chain, authType, engine));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            either(tm -> tm.checkServerTrusted(chain, authType));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("tls acme: client certificates are not accepted");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("tls acme: client certificates are not accepted");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("tls acme: client certificates are not accepted");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            X509Certificate[] a = first.getAcceptedIssuers();
            X509Certificate[] b = second.getAcceptedIssuers();
            X509Certificate[] all = java.util.Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, all, a.length, b.length);
            return all;
        }
    }
}
