package dev.dormouse.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads PEM certificate chains and private keys with the JDK alone: PKCS#8 {@code PRIVATE KEY}, PKCS#1
 * {@code RSA PRIVATE KEY} and SEC1 {@code EC PRIVATE KEY}; RSA and EC keys. Errors name the file and what is
 * wrong; no message ever contains key material.
 */
final class PemFiles {
    /** Certificate and key files are small; a bigger one is a mistake (or an attack on memory). */
    static final int MAX_BYTES = 1 << 20;
    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final java.util.regex.Pattern WHITESPACE = java.util.regex.Pattern.compile("\\s+");

    private PemFiles() {}

    /** One PEM block: its label ({@code CERTIFICATE}, {@code PRIVATE KEY} ...) and its DER bytes. */
    private record Block(String label, String base64) {}

    /** Reads a whole file, at most {@link #MAX_BYTES}. */
    static byte[] read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] data = in.readNBytes(MAX_BYTES + 1);
            if (data.length > MAX_BYTES) throw new TlsException("tls: read " + file + ": larger than " + (MAX_BYTES >> 10) + " KiB, not a PEM file");
            return data;
        } catch (NoSuchFileException e) {
            throw new TlsException("tls: read " + file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new TlsException("tls: read " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new TlsException("tls: read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a certificate chain (leaf first) and its key from two files (or one file given twice). */
    static CertifiedKey load(Path certFile, Path keyFile) {
        return parse(certFile, read(certFile), keyFile, read(keyFile));
    }

    /** Parses what {@link #read} returned, checking that the key belongs to the leaf certificate. */
    static CertifiedKey parse(Path certFile, byte[] certPem, Path keyFile, byte[] keyPem) {
        List<X509Certificate> chain = certificates(certFile, certPem);
        PrivateKey key = privateKey(keyFile, keyPem);
        checkMatch(chain.get(0), certFile, key, keyFile);
        return new CertifiedKey(chain, key);
    }

    /** Every {@code CERTIFICATE} block of the file, in order; other blocks are skipped. */
    static List<X509Certificate> certificates(Path file, byte[] pem) {
        List<X509Certificate> out = new ArrayList<>();
        CertificateFactory cf = x509();
        for (Block b : blocks(file, pem)) {
            if (!b.label.equals("CERTIFICATE")) continue;
            byte[] der = decode(file, b, out.size() + 1);
            try {
                out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
            } catch (CertificateException e) {
                throw new TlsException("tls: read " + file + ": certificate " + (out.size() + 1) + " is not a valid X.509 certificate", e);
            }
        }
        if (out.isEmpty()) throw new TlsException("tls: read " + file + ": no certificate found");
        return List.copyOf(out);
    }

    /** The one private key of the file; certificates and EC parameters beside it are skipped. */
    static PrivateKey privateKey(Path file, byte[] pem) {
        PrivateKey key = null;
        List<String> seen = new ArrayList<>();
        for (Block b : blocks(file, pem)) {
            seen.add(b.label);
            PrivateKey k = switch (b.label) {
                case "PRIVATE KEY" -> pkcs8(file, b.label, decode(file, b, 1));
                case "RSA PRIVATE KEY" -> rsaPkcs1(file, decode(file, b, 1));
                case "EC PRIVATE KEY" -> sec1(file, decode(file, b, 1));
                case "ENCRYPTED PRIVATE KEY" -> throw new TlsException("tls: read " + file
                        + ": the key is encrypted; store it unencrypted (readable only by dormouse)");
                default -> null;
            };
            if (k == null) continue;
            if (key != null) throw new TlsException("tls: read " + file + ": more than one private key");
            key = k;
        }
        if (key == null) {
            throw new TlsException("tls: read " + file + ": no private key found" + (seen.isEmpty() ? "" : " (found " + String.join(", ", seen) + ")"));
        }
        return key;
    }

    /** The {@code PUBLIC KEY} block (X.509 SubjectPublicKeyInfo) of an EC key file, as the ACME account key is stored. */
    static PublicKey ecPublicKey(Path file, byte[] pem) {
        for (Block b : blocks(file, pem)) {
            if (!b.label.equals("PUBLIC KEY")) continue;
            try {
                return keyFactory("EC").generatePublic(new java.security.spec.X509EncodedKeySpec(decode(file, b, 1)));
            } catch (GeneralSecurityException e) {
                throw new TlsException("tls: read " + file + ": PUBLIC KEY is not a valid EC public key", e);
            }
        }
        throw new TlsException("tls: read " + file + ": no public key found");
    }

    /** Whether the key belongs to the certificate: same algorithm, and the same RSA modulus or a signature the certificate verifies. */
    static void checkMatch(X509Certificate cert, Path certFile, PrivateKey key, Path keyFile) {
        PublicKey pub = cert.getPublicKey();
        String mismatch = "tls: read " + keyFile + ": key does not match the certificate in " + certFile;
        if (!pub.getAlgorithm().equals(key.getAlgorithm())) {
            throw new TlsException(mismatch + " (" + key.getAlgorithm() + " key, " + pub.getAlgorithm() + " certificate)");
        }
        if (pub instanceof RSAPublicKey rp && key instanceof RSAPrivateKey rk) {
            if (!rp.getModulus().equals(rk.getModulus())) throw new TlsException(mismatch);
            return;
        }
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            s.initVerify(pub);
            s.update(probe);
            if (!s.verify(sig)) throw new TlsException(mismatch);
        } catch (GeneralSecurityException e) {
            throw new TlsException(mismatch, e);
        }
    }

    /** PEM text of a chain followed by a PKCS#8 key, as the ACME store writes it. */
    static byte[] encode(List<X509Certificate> chain, PrivateKey key) {
        StringBuilder out = new StringBuilder();
        try {
            for (X509Certificate c : chain) block(out, "CERTIFICATE", c.getEncoded());
        } catch (CertificateException e) {
            throw new TlsException("tls: encode certificate: " + e.getMessage(), e);
        }
        block(out, "PRIVATE KEY", key.getEncoded());
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static void block(StringBuilder out, String label, byte[] der) {
        out.append(BEGIN).append(label).append("-----\n");
        out.append(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)).append('\n');
        out.append(END).append(label).append("-----\n");
    }

    private static List<Block> blocks(Path file, byte[] pem) {
        String text = new String(pem, StandardCharsets.ISO_8859_1);
        List<Block> out = new ArrayList<>();
        int pos = 0;
        while (true) {
            int begin = text.indexOf(BEGIN, pos);
            if (begin < 0) break;
            int labelEnd = text.indexOf("-----", begin + BEGIN.length());
            if (labelEnd < 0) throw new TlsException("tls: read " + file + ": not PEM (a broken -----BEGIN line)");
            String label = text.substring(begin + BEGIN.length(), labelEnd);
            String endLine = END + label + "-----";
            int end = text.indexOf(endLine, labelEnd);
            if (end < 0) throw new TlsException("tls: read " + file + ": not PEM (" + label + " has no " + endLine + " line; half written?)");
            out.add(new Block(label, text.substring(labelEnd + 5, end)));
            pos = end + endLine.length();
        }
        if (out.isEmpty()) throw new TlsException("tls: read " + file + ": not PEM (no -----BEGIN line)");
        return out;
    }

    private static byte[] decode(Path file, Block b, int index) {
        try {
            return Base64.getDecoder().decode(WHITESPACE.matcher(b.base64).replaceAll(""));
        } catch (IllegalArgumentException e) {
            throw new TlsException("tls: read " + file + ": " + b.label + " block " + index + " is not valid base64");
        }
    }

    /**
     * The key's algorithm comes from its PKCS#8 algorithm identifier and is parsed by the JDK's own
     * provider for it: a failed parse must not make JCA try every provider, which would load (and
     * instantiate) any Provider on the module path, Bouncy Castle's among them.
     */
    private static PrivateKey pkcs8(Path file, String label, byte[] der) {
        String alg;
        try {
            Der.Element[] info = Der.parse(der).children();
            byte[] oid = info[1].children()[0].content();
            alg = java.util.Arrays.equals(oid, Der.RSA_ENCRYPTION) ? "RSA" : java.util.Arrays.equals(oid, Der.EC_PUBLIC_KEY) ? "EC" : null;
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            alg = null;
        }
        if (alg != null) {
            try {
                return keyFactory(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // reported below
            }
        }
        throw new TlsException("tls: read " + file + ": " + label + " is not a valid RSA or EC private key (only RSA and EC keys are supported)");
    }

    private static KeyFactory keyFactory(String alg) throws GeneralSecurityException {
        try {
            return KeyFactory.getInstance(alg, alg.equals("RSA") ? "SunRsaSign" : "SunEC");
        } catch (java.security.NoSuchProviderException e) {
            return KeyFactory.getInstance(alg);
        }
    }

    private static PrivateKey rsaPkcs1(Path file, byte[] der) {
        return pkcs8(file, "RSA PRIVATE KEY", Der.pkcs8(Der.RSA_ENCRYPTION, Der.tlv(Der.NULL), der));
    }

    /** SEC1: {@code SEQUENCE {version 1, privateKey OCTET STRING, [0] curve OID, [1] publicKey}}; the curve is needed for PKCS#8. */
    private static PrivateKey sec1(Path file, byte[] der) {
        byte[] curve = null;
        try {
            Der.Element seq = Der.parse(der);
            for (Der.Element e : seq.children()) {
                if (e.tag() == Der.CONTEXT_0) {
                    Der.Element oid = Der.parse(e.content());
                    if (oid.tag() == Der.OID) curve = oid.content();
                }
            }
        } catch (IllegalArgumentException e) {
            throw new TlsException("tls: read " + file + ": EC PRIVATE KEY is not valid DER");
        }
        if (curve == null) throw new TlsException("tls: read " + file + ": EC PRIVATE KEY names no curve (write it with the curve, e.g. openssl ec -param_enc named_curve)");
        return pkcs8(file, "EC PRIVATE KEY", Der.pkcs8(Der.EC_PUBLIC_KEY, Der.tlv(Der.OID, curve), der));
    }

    private static CertificateFactory x509() {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new TlsException("tls: no X.509 support in this JVM", e);
        }
    }
}
