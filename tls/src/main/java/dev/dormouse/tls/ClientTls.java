package dev.dormouse.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A TLS client identity from PEM files, with the JDK alone (no Bouncy Castle): the engines dormouse drives
 * over TCP (Docker's {@code --tlsverify} setup) are trusted through their own CA file only, never the
 * system's, and dormouse presents its client certificate. Hostnames are checked by the HTTP client that
 * uses the context. Messages name the file and what is wrong; none ever contains key material.
 */
public final class ClientTls {
    private ClientTls() {}

    /** Which of the three files a problem is about, so that a config loader can point at its key. */
    public enum File {
        CA, CERT, KEY
    }

    /** A problem with one file: {@code read /etc/dormouse/docker/key.pem: no private key found}. */
    public record Problem(File file, String message) {
        public Problem {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * Reads the three files as {@link #context} will, building nothing: each readable, PEM, the CA file
     * holding at least one certificate, the key unencrypted and belonging to the first certificate of
     * {@code certFile}.
     *
     * @return every problem found, none when the files are fine
     */
    public static List<Problem> check(Path caFile, Path certFile, Path keyFile) {
        List<Problem> out = new ArrayList<>();
        try {
            PemFiles.certificates(caFile, PemFiles.read(caFile));
        } catch (TlsException e) {
            out.add(new Problem(File.CA, text(e)));
        }
        Optional<List<X509Certificate>> chain = Optional.empty();
        try {
            chain = Optional.of(PemFiles.certificates(certFile, PemFiles.read(certFile)));
        } catch (TlsException e) {
            out.add(new Problem(File.CERT, text(e)));
        }
        try {
            var key = PemFiles.privateKey(keyFile, PemFiles.read(keyFile));
            if (chain.isPresent()) PemFiles.checkMatch(chain.get().get(0), certFile, key, keyFile);
        } catch (TlsException e) {
            out.add(new Problem(File.KEY, text(e)));
        }
        return out;
    }

    /**
     * An {@code SSLContext} (TLS 1.2 and 1.3) that trusts exactly the certificates of {@code caFile} and
     * presents the chain of {@code certFile} with the key of {@code keyFile}.
     *
     * @throws TlsException naming the file that cannot be used and why
     */
    public static SSLContext context(Path caFile, Path certFile, Path keyFile) {
        List<X509Certificate> cas = PemFiles.certificates(caFile, PemFiles.read(caFile));
        CertifiedKey identity = PemFiles.load(certFile, keyFile);
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int i = 0; i < cas.size(); i++) trust.setCertificateEntry("ca-" + i, cas.get(i));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            // The in-memory store needs a password; it never leaves this method.
            char[] pass = "dormouse".toCharArray();
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", identity.key(), pass, identity.chain().toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, pass);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsException("tls: client context from " + certFile + ": " + e.getMessage(), e);
        }
    }

    /** PemFiles' messages begin {@code tls: }; a config problem is already about TLS. */
    private static String text(TlsException e) {
        String m = e.getMessage();
        return m.startsWith("tls: ") ? m.substring(5) : m;
    }
}
