package dev.dormouse.tls.testkit;

import dev.dormouse.core.TlsCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made at test time (nothing is committed): a CA certificate and leaf certificates
 * for given names, key types and validity, written as PEM files in any of the key formats dormouse reads.
 * Bouncy Castle's certificate builder is used (acme4j brings it anyway); no JCA provider is registered.
 * A module that uses this test kit (dormouse-tls test-jar) adds {@code org.bouncycastle:bcpkix-jdk18on} in
 * test scope itself: a test-jar does not bring its module's test dependencies.
 */
public final class TestCa {
    public enum KeyType { RSA, EC }

    /** How a key file is written: PKCS#8 {@code PRIVATE KEY}, or the traditional {@code RSA PRIVATE KEY} (PKCS#1) / {@code EC PRIVATE KEY} (SEC1). */
    public enum KeyFormat { PKCS8, TRADITIONAL }

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final KeyPair keys;
    private final X509Certificate certificate;
    private final X500Name subject;

    private TestCa(String name, KeyType type) {
        this.keys = keyPair(type);
        this.subject = new X500Name("CN=" + name);
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(Duration.ofDays(3650))), subject, keys.getPublic());
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.certificate = sign(b, keys.getPrivate());
    }

    /** A new CA with an EC P-256 key. */
    public static TestCa create() {
        return new TestCa("dormouse test CA " + SERIAL.incrementAndGet(), KeyType.EC);
    }

    public static TestCa create(String name, KeyType type) {
        return new TestCa(name, type);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** Writes the CA certificate as PEM (for {@code curl --cacert}, a trust store, or {@code ca_file}). */
    public Path writeCertificate(Path file) {
        return write(file, pem("CERTIFICATE", encoded(certificate)));
    }

    /** An EC leaf for the names (DNS names, or IP literals), valid from an hour ago for 30 days. */
    public Leaf issue(String... names) {
        Instant now = Instant.now();
        return issue(KeyType.EC, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(30)), names);
    }

    /** A leaf with SAN entries for the names; an empty list gives a certificate with only a subject CN of {@code cn}. */
    public Leaf issue(KeyType type, Instant notBefore, Instant notAfter, String... names) {
        return issue(type, notBefore, notAfter, names.length > 0 ? names[0] : "unnamed", List.of(names));
    }

    /** A leaf whose subject CN is {@code cn} and whose SAN holds {@code sans} (none: no SAN extension). */
    public Leaf issue(KeyType type, Instant notBefore, Instant notAfter, String cn, List<String> sans) {
        return issue(keyPair(type), notBefore, notAfter, cn, sans);
    }

    /** A leaf for a key pair made elsewhere (as a CA signs a CSR). */
    public Leaf issue(KeyPair leafKeys, Instant notBefore, Instant notAfter, String cn, List<String> sans) {
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(notBefore), Date.from(notAfter),
                new X500Name("CN=" + cn), leafKeys.getPublic());
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            if (!sans.isEmpty()) {
                List<GeneralName> gns = new ArrayList<>();
                for (String n : sans) gns.add(isIp(n) ? new GeneralName(GeneralName.iPAddress, n) : new GeneralName(GeneralName.dNSName, n));
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(gns.toArray(GeneralName[]::new)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Leaf(sign(b, keys.getPrivate()), certificate, leafKeys);
    }

    /** A leaf certificate, its issuer and its key pair. */
    public record Leaf(X509Certificate certificate, X509Certificate issuer, KeyPair keyPair) {
        /** Leaf then CA. */
        public List<X509Certificate> chain() {
            return List.of(certificate, issuer);
        }

        /** Writes the chain (leaf, then CA). */
        public Path writeChain(Path file) {
            return TestCa.write(file, pem("CERTIFICATE", encoded(certificate)) + pem("CERTIFICATE", encoded(issuer)));
        }

        public Path writeKey(Path file, KeyFormat format) {
            return TestCa.write(file, keyPem(keyPair.getPrivate(), format));
        }

        /** Writes chain and PKCS#8 key as {@code <dir>/<name>.pem} and {@code <dir>/<name>.key}. */
        public TlsCertificate write(Path dir, String name) {
            return write(dir.resolve(name + ".pem"), dir.resolve(name + ".key"), KeyFormat.PKCS8);
        }

        public TlsCertificate write(Path certFile, Path keyFile, KeyFormat format) {
            writeChain(certFile);
            writeKey(keyFile, format);
            return new TlsCertificate(certFile, keyFile);
        }

        @Override
        public String toString() {
            return "Leaf[" + certificate.getSubjectX500Principal() + "]";
        }
    }

    /** PEM text of a private key in the given format. */
    public static String keyPem(PrivateKey key, KeyFormat format) {
        if (format == KeyFormat.PKCS8) return pem("PRIVATE KEY", key.getEncoded());
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
            if (key.getAlgorithm().equals("RSA")) return pem("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded());
            ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
            ASN1Encodable curve = info.getPrivateKeyAlgorithm().getParameters();
            return pem("EC PRIVATE KEY", new ECPrivateKey(256, inner.getKey(), curve).getEncoded());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END " + label + "-----\n";
    }

    public static KeyPair keyPair(KeyType type) {
        try {
            if (type == KeyType.RSA) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
                return g.generateKeyPair();
            }
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer) {
        try {
            String alg = signer.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).build(signer)));
        } catch (OperatorCreationException | java.security.cert.CertificateException e) {
            throw new IllegalStateException("sign test certificate", e);
        }
    }

    private static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isIp(String name) {
        if (!name.matches("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*")) return false;
        try {
            InetAddress.getByName(name);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static Path write(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, text, StandardCharsets.US_ASCII);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
