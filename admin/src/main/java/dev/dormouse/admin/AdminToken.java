package dev.dormouse.admin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

/**
 * The admin API's bearer token, kept in {@code <data_dir>/admin.token}. Its value never appears in
 * {@link #toString()}, messages or logs.
 */
public final class AdminToken {
    public static final String FILE = "admin.token";
    private static final int BYTES = 32;

    private final byte[] value;
    private final Path file;

    private AdminToken(String value, Path file) {
        this.value = value.getBytes(StandardCharsets.UTF_8);
        this.file = file;
    }

    /** A token held in memory only (tests). */
    public static AdminToken of(String value) {
        if (Objects.requireNonNull(value, "value").isBlank()) throw new AdminException("admin token: must not be empty");
        return new AdminToken(value.strip(), Path.of("(memory)"));
    }

    /**
     * Reads {@code <dataDir>/admin.token}, or, when there is none, creates it with a new random token:
     * 32 bytes from {@link SecureRandom}, base64url without padding, in a file created with mode 0600 that
     * appears under its name only once it is complete. A start racing another one reads the winner's token.
     *
     * @throws AdminException when the file is empty or cannot be read or written (never naming its content)
     */
    public static AdminToken loadOrCreate(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            return read(file);
        } catch (NoSuchFileException e) {
            // first start: create it below
        } catch (IOException e) {
            throw new AdminException("admin token " + file + ": cannot read it: " + e.getMessage(), e);
        }
        byte[] raw = new byte[BYTES];
        new SecureRandom().nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Path tmp = null;
        try {
            Files.createDirectories(dataDir);
            tmp = Files.createTempFile(dataDir, ".admin.token-", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap((token + "\n").getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            try {
                // A hard link never replaces an existing file: of two racing starts, one token wins.
                Files.createLink(file, tmp);
            } catch (FileAlreadyExistsException lost) {
                return read(file);
            }
            return new AdminToken(token, file);
        } catch (UnsupportedOperationException e) {
            throw new AdminException("admin token " + file + ": the file system does not support POSIX permissions", e);
        } catch (IOException e) {
            throw new AdminException("admin token " + file + ": cannot create it: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover temporary file holds a token nobody uses
                }
            }
        }
    }

    /** Reads an existing token file (the CLI's admin commands use this too). */
    public static AdminToken read(Path file) throws IOException {
        String s = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (s.isEmpty()) throw new AdminException("admin token " + file + ": the file is empty; delete it to have a new token generated");
        return new AdminToken(s, file);
    }

    /** Whether {@code presented} is this token, compared in constant time. */
    public boolean matches(String presented) {
        if (presented == null) return false;
        return MessageDigest.isEqual(value, presented.getBytes(StandardCharsets.UTF_8));
    }

    /** The token for an {@code Authorization: Bearer} header. */
    public String value() {
        return new String(value, StandardCharsets.UTF_8);
    }

    public Path file() {
        return file;
    }

    @Override
    public String toString() {
        return "AdminToken[" + file + "]";
    }
}
