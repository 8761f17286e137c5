package dev.dormouse.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * What a certificate and key file pair looked like: modification times and sizes (cheap, checked on every
 * poll) and a hash of both contents (checked when those changed, so a touched file is not reloaded).
 */
record FileStamp(long certModified, long certSize, long keyModified, long keySize, byte[] hash) {
    static final FileStamp NONE = new FileStamp(-1, -1, -1, -1, new byte[0]);

    /** The times and sizes of both files now ({@code -1} for a file that cannot be read), without a hash. */
    static FileStamp look(Path cert, Path key) {
        long[] c = attributes(cert);
        long[] k = attributes(key);
        return new FileStamp(c[0], c[1], k[0], k[1], new byte[0]);
    }

    FileStamp withHash(byte[] certBytes, byte[] keyBytes) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(certBytes);
            d.update((byte) 0);
            d.update(keyBytes);
            return new FileStamp(certModified, certSize, keyModified, keySize, d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    boolean sameTimesAndSizes(FileStamp o) {
        return certModified == o.certModified && certSize == o.certSize && keyModified == o.keyModified && keySize == o.keySize;
    }

    boolean sameContent(FileStamp o) {
        return hash.length > 0 && Arrays.equals(hash, o.hash);
    }

    private static long[] attributes(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return new long[] {a.lastModifiedTime().to(java.util.concurrent.TimeUnit.MICROSECONDS), a.size()};
        } catch (IOException e) {
            return new long[] {-1, -1};
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileStamp s && sameTimesAndSizes(s) && Arrays.equals(hash, s.hash);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(certModified) * 31 + Arrays.hashCode(hash);
    }

    @Override
    public String toString() {
        return "FileStamp[" + certModified + "/" + certSize + ", " + keyModified + "/" + keySize + "]";
    }
}
