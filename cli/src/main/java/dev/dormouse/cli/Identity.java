package dev.dormouse.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Who this process is to the kernel's file permission checks: its effective user and groups.
 *
 * @param groups the effective group and the supplementary groups
 */
record Identity(String user, int uid, Set<Integer> groups) {
    Identity {
        Objects.requireNonNull(user, "user");
        groups = Set.copyOf(groups);
    }

    /** This process, from {@code /proc/self/status} (Linux). */
    static Identity current() {
        String user = System.getProperty("user.name", "?");
        try {
            int uid = -1;
            Set<Integer> groups = new HashSet<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                String[] f = line.split("\\s+");
                if (line.startsWith("Uid:") && f.length > 2) uid = Integer.parseInt(f[2]);
                if (line.startsWith("Gid:") && f.length > 2) groups.add(Integer.parseInt(f[2]));
                if (line.startsWith("Groups:")) {
                    for (int i = 1; i < f.length; i++) if (!f[i].isEmpty()) groups.add(Integer.parseInt(f[i]));
                }
            }
            return new Identity(user, uid, groups);
        } catch (IOException | RuntimeException e) {
            return new Identity(user, -1, Set.of());
        }
    }

    /**
     * Whether the mode bits let this identity read and write a file of {@code ownerUid}:{@code groupGid},
     * as the kernel decides without ACLs: root may always, the owner by the owner bits, a member of the
     * group by the group bits, anybody else by the others bits.
     */
    boolean mayReadWrite(int ownerUid, int groupGid, Set<PosixFilePermission> mode) {
        if (uid == 0) return true;
        if (uid == ownerUid) return mode.contains(PosixFilePermission.OWNER_READ) && mode.contains(PosixFilePermission.OWNER_WRITE);
        if (groups.contains(groupGid)) return mode.contains(PosixFilePermission.GROUP_READ) && mode.contains(PosixFilePermission.GROUP_WRITE);
        return mode.contains(PosixFilePermission.OTHERS_READ) && mode.contains(PosixFilePermission.OTHERS_WRITE);
    }

    @Override
    public String toString() {
        return "user " + user + " (uid " + uid + ")";
    }
}
