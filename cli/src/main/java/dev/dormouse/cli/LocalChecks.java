package dev.dormouse.cli;

import dev.dormouse.rtmanager.RuntimeManagerException;
import dev.dormouse.rtmanager.RuntimeStore;
import dev.dormouse.rtmanager.StoreCheck;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The doctor's checks of this machine's files: data_dir, the database, the admin token, a Docker socket. */
final class LocalChecks {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private LocalChecks() {}

    /** data_dir exists as a directory this user can write (a file is made and deleted), or can be created. */
    static DoctorCheck dataDir(Path dir, Identity who) {
        String name = "data_dir";
        if (Files.exists(dir) && !Files.isDirectory(dir)) return DoctorCheck.problem(name, dir + " exists but is not a directory");
        if (Files.isDirectory(dir)) {
            Optional<String> failed = tryWrite(dir);
            return failed.isEmpty() ? DoctorCheck.ok(name, dir + " is writable")
                    : DoctorCheck.problem(name, dir + " is not writable by " + who + ": " + failed.get());
        }
        Path parent = dir.toAbsolutePath().getParent();
        while (parent != null && !Files.exists(parent)) parent = parent.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return DoctorCheck.problem(name, dir + " does not exist and cannot be created (" + parent + " is not a directory)");
        }
        Optional<String> failed = tryWrite(parent);
        return failed.isEmpty() ? DoctorCheck.ok(name, dir + " does not exist yet; the daemon creates it at start (" + parent + " is writable)")
                : DoctorCheck.problem(name, dir + " does not exist and cannot be created by " + who + ": " + failed.get());
    }

    /** Empty when a file could be created and deleted in {@code dir}; else why not. */
    private static Optional<String> tryWrite(Path dir) {
        try {
            Path t = Files.createTempFile(dir, ".dormouse-doctor-", ".tmp");
            Files.delete(t);
            return Optional.empty();
        } catch (java.nio.file.AccessDeniedException e) {
            return Optional.of("permission denied");
        } catch (FileSystemException e) {
            return Optional.of(e.getReason() == null ? e.getClass().getSimpleName() : e.getReason());
        } catch (IOException e) {
            return Optional.of(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    /** {@code dormouse.db} opened read-only: none yet is fine, a newer schema or a failed integrity check is a problem. */
    static DoctorCheck database(Path dataDir) {
        String name = "database";
        Optional<StoreCheck> c;
        try {
            c = StoreCheck.of(dataDir);
        } catch (RuntimeManagerException e) {
            return DoctorCheck.problem(name, e.getMessage());
        }
        if (c.isEmpty()) return DoctorCheck.ok(name, dataDir.resolve("dormouse.db") + " does not exist yet; the daemon creates it at start");
        StoreCheck s = c.get();
        if (s.newerThanThisDormouse()) {
            return DoctorCheck.problem(name, s.file() + ": schema version " + s.schemaVersion() + " is newer than this dormouse (knows "
                    + RuntimeStore.SCHEMA_VERSION + "): upgrade dormouse or use another data_dir");
        }
        if (!s.integrity().equals("ok")) return DoctorCheck.problem(name, s.file() + ": integrity_check failed: " + s.integrity());
        String migrate = s.schemaVersion() < RuntimeStore.SCHEMA_VERSION
                ? "; migrated to " + RuntimeStore.SCHEMA_VERSION + " at the next start" : "";
        return DoctorCheck.ok(name, s.file() + ": integrity ok, schema version " + s.schemaVersion() + migrate);
    }

    /** {@code admin.token} is for its owner only: any group or others bit is a problem; none yet is fine. */
    static DoctorCheck adminToken(Path file) {
        String name = "admin token";
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return DoctorCheck.ok(name, file + " does not exist yet; the daemon writes it at start (mode 0600)");
        }
        Set<PosixFilePermission> mode;
        try {
            mode = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            return DoctorCheck.warning(name, file + ": mode not readable: " + e.getClass().getSimpleName());
        }
        String octal = octal(mode);
        for (PosixFilePermission p : mode) {
            if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
                return DoctorCheck.problem(name, file + " has mode " + octal + ": others may read the admin token; chmod 600 " + file);
            }
        }
        return DoctorCheck.ok(name, file + " has mode " + octal);
    }

    /**
     * A Docker unix socket this user can read and write. {@code self} says that {@code who} is this process,
     * so the kernel may be asked too (an ACL can grant what the mode bits do not).
     */
    static DoctorCheck socket(String check, Path socket, Identity who, boolean self) {
        if (!Files.exists(socket)) {
            return DoctorCheck.problem(check, "no socket at " + socket + " (is the engine running, and is this its address?)");
        }
        Map<String, Object> a;
        PosixFileAttributes posix;
        try {
            a = Files.readAttributes(socket, "unix:mode,uid,gid");
            posix = Files.readAttributes(socket, PosixFileAttributes.class);
        } catch (IOException | UnsupportedOperationException e) {
            return DoctorCheck.warning(check, socket + ": attributes not readable: " + e.getClass().getSimpleName());
        }
        int type = (Integer) a.get("mode") & S_IFMT;
        String described = "owner " + posix.owner().getName() + ", group " + posix.group().getName() + ", mode "
                + PosixFilePermissions.toString(posix.permissions());
        if (type != S_IFSOCK) return DoctorCheck.problem(check, socket + " is not a socket (" + described + ")");
        boolean allowed = who.mayReadWrite((Integer) a.get("uid"), (Integer) a.get("gid"), posix.permissions())
                || (self && Files.isReadable(socket) && Files.isWritable(socket));
        if (allowed) return DoctorCheck.ok(check, socket + " is readable and writable by " + who + ": " + described);
        Set<PosixFilePermission> m = posix.permissions();
        boolean groupMay = m.contains(PosixFilePermission.GROUP_READ) && m.contains(PosixFilePermission.GROUP_WRITE);
        String group = posix.group().getName();
        String fix = groupMay ? "add the user to group " + group + ": usermod -aG " + group + " " + who.user()
                + ", then log in again (the systemd unit has SupplementaryGroups=" + group + ")"
                : "the socket's group may not read and write it either; run as root or as its owner";
        return DoctorCheck.problem(check, who + " cannot read and write " + socket + " (" + described + "): " + fix);
    }

    static String octal(Set<PosixFilePermission> mode) {
        int bits = 0;
        for (PosixFilePermission p : mode) bits |= 1 << (8 - p.ordinal());
        return String.format("%04o", bits);
    }
}
