package dev.dormouse.tls;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the ACME worker keeps on disk, per CA directory (switching from a staging to a production CA must
 * not serve the staging certificates): {@code <data_dir>/acme/<ca>/account.key} (EC P-256, private and
 * public key) and {@code <data_dir>/acme/<ca>/certs/<host>.pem} (chain, then the host's private key). One
 * file per host, so chain and key are replaced together. Directories are mode 0700, files 0600, written
 * to a temporary file, synced and renamed over the old one.
 */
final class AcmeStorage {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.tls.acme");
    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private final Path root;
    private final Path caDir;

    AcmeStorage(Path dataDir, URI directory) {
        this.root = dataDir.resolve("acme");
        this.caDir = root.resolve(caName(directory));
    }

    /** A directory name for a CA: host, port and path of its directory URL. */
    static String caName(URI directory) {
        String s = (directory.getHost() == null ? "ca" : directory.getHost()) + (directory.getPort() > 0 ? "-" + directory.getPort() : "")
                + (directory.getPath() == null ? "" : directory.getPath());
        String name = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("^-+|-+$", "");
        return name.isEmpty() || name.startsWith(".") ? "ca-" + name : name;
    }

    Path caDir() {
        return caDir;
    }

    Path certFile(String host) {
        return caDir.resolve("certs").resolve(host + ".pem");
    }

    /** The account key, made (and stored) on first use. */
    KeyPair accountKey() {
        Path file = caDir.resolve("account.key");
        if (Files.exists(file)) {
            byte[] pem = PemFiles.read(file);
            return new KeyPair(PemFiles.ecPublicKey(file, pem), PemFiles.privateKey(file, pem));
        }
        KeyPair kp = newEcKey();
        StringBuilder text = new StringBuilder();
        PemFiles.block(text, "PRIVATE KEY", kp.getPrivate().getEncoded());
        PemFiles.block(text, "PUBLIC KEY", kp.getPublic().getEncoded());
        write(file, text.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        LOG.log(Level.INFO, "tls acme: new account key " + file);
        return kp;
    }

    /** Stores a host's chain and key, replacing what was there in one rename. */
    Path save(String host, List<X509Certificate> chain, java.security.PrivateKey key) {
        Path file = certFile(host);
        write(file, PemFiles.encode(chain, key));
        return file;
    }

    /** Every stored certificate by host; unreadable files are logged and skipped (the host is simply ordered again). */
    Map<String, CertifiedKey> loadAll() {
        Map<String, CertifiedKey> out = new TreeMap<>();
        Path certs = caDir.resolve("certs");
        if (!Files.isDirectory(certs)) return out;
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(certs, "*.pem")) {
            ds.forEach(files::add);
        } catch (IOException e) {
            throw new TlsException("tls acme: list " + certs + ": " + e.getMessage(), e);
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            String host = name.substring(0, name.length() - 4);
            load(host, f).ifPresent(ck -> out.put(host, ck));
        }
        return out;
    }

    /** The stored certificate of one host, if there is a usable one (a host that comes back is not ordered again). */
    Optional<CertifiedKey> load(String host) {
        Path f = certFile(host);
        return Files.exists(f) ? load(host, f) : Optional.empty();
    }

    private Optional<CertifiedKey> load(String host, Path f) {
        try {
            if (!HostNames.isIssuable(host)) throw new TlsException("tls acme: load " + f + ": '" + host + "' is not a host name");
            byte[] pem = PemFiles.read(f);
            CertifiedKey ck = PemFiles.parse(f, pem, f, pem);
            if (HostNames.of(ck.leaf()).stream().noneMatch(n -> HostNames.covers(n, host))) {
                throw new TlsException("tls acme: load " + f + ": the certificate is not for " + host);
            }
            return Optional.of(ck);
        } catch (TlsException e) {
            LOG.log(Level.WARNING, e.getMessage() + "; host " + host + " gets a new certificate");
            return Optional.empty();
        }
    }

    static KeyPair newEcKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new TlsException("tls acme: make an EC P-256 key: " + e.getMessage(), e);
        }
    }

    private void write(Path file, byte[] data) {
        Path dir = file.getParent();
        try {
            ensureDir(root);
            ensureDir(caDir);
            ensureDir(dir);
            Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp", PosixFilePermissions.asFileAttribute(FILE));
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ByteBuffer b = ByteBuffer.wrap(data);
                    while (b.hasRemaining()) ch.write(b);
                    ch.force(true);
                }
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException e) {
                // not every file system syncs directories; the rename is done either way
            }
        } catch (IOException e) {
            throw new TlsException("tls acme: write " + file + ": " + reason(e), e);
        }
    }

    private static void ensureDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR));
        if (!Files.getPosixFilePermissions(dir).equals(DIR)) Files.setPosixFilePermissions(dir, DIR);
    }

    private static String reason(IOException e) {
        return e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : Optional.ofNullable(e.getMessage()).orElse(e.toString());
    }
}
