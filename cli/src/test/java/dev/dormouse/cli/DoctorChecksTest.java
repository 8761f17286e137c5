package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dormouse.cli.DoctorCheck.Status;
import dev.dormouse.core.ListenAddress;
import dev.dormouse.rtmanager.RuntimeStore;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each of the doctor's local checks with the failure made for real. */
class DoctorChecksTest {
    private static final Identity ROOT = new Identity("root", 0, Set.of(0));
    private static final Identity NOBODY = new Identity("nobody", 65534, Set.of(65534));
    /** A user in group 12345, the group the test socket gets. */
    private static final Identity MEMBER = new Identity("member", 65534, Set.of(65534, 12345));

    @TempDir
    Path dir;

    private static void assertCheck(Status status, String detailPart, DoctorCheck c) {
        assertEquals(status, c.status(), c.toString());
        assertTrue(c.detail().contains(detailPart), "'" + detailPart + "' in: " + c.detail());
    }

    // ---------------------------------------------------------------- data_dir

    @Test
    void dataDirWritableMissingOrAFile() throws Exception {
        assertCheck(Status.OK, dir + " is writable", LocalChecks.dataDir(dir, ROOT));
        assertCheck(Status.OK, "does not exist yet; the daemon creates it at start", LocalChecks.dataDir(dir.resolve("a/b"), ROOT));
        Path file = Files.writeString(dir.resolve("data"), "");
        assertCheck(Status.PROBLEM, file + " exists but is not a directory", LocalChecks.dataDir(file, ROOT));
        assertCheck(Status.PROBLEM, "cannot be created", LocalChecks.dataDir(file.resolve("sub"), ROOT));
        try (var left = Files.list(dir)) {
            assertEquals(List.of(file), left.toList(), "the check leaves no file behind");
        }
    }

    /** As root, chmod stops nothing: the directory is made read-only by a read-only bind mount of itself. */
    @Test
    void aReadOnlyDataDirIsAProblem() throws Exception {
        Path ro = Files.createDirectory(dir.resolve("ro"));
        ReadOnly.mount(ro);
        try {
            assertCheck(Status.PROBLEM, ro + " is not writable by user root (uid 0): Read-only file system", LocalChecks.dataDir(ro, ROOT));
            assertCheck(Status.PROBLEM, "cannot be created by user root (uid 0): Read-only file system", LocalChecks.dataDir(ro.resolve("data"), ROOT));
        } finally {
            ReadOnly.unmount(ro);
        }
    }

    // ---------------------------------------------------------------- database and token

    @Test
    void databaseMissingSoundOrNewer() throws Exception {
        assertCheck(Status.OK, "does not exist yet", LocalChecks.database(dir));
        RuntimeStore.open(dir);
        assertCheck(Status.OK, "integrity ok, schema version " + RuntimeStore.SCHEMA_VERSION, LocalChecks.database(dir));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("dormouse.db"))) {
            c.createStatement().execute("PRAGMA user_version = " + (RuntimeStore.SCHEMA_VERSION + 5));
        }
        assertCheck(Status.PROBLEM, "schema version " + (RuntimeStore.SCHEMA_VERSION + 5) + " is newer than this dormouse",
                LocalChecks.database(dir));
        Files.deleteIfExists(dir.resolve("dormouse.db-wal"));
        Files.deleteIfExists(dir.resolve("dormouse.db-shm"));
        Files.writeString(dir.resolve("dormouse.db"), "garbage ".repeat(200));
        assertCheck(Status.PROBLEM, "dormouse.db: read-only check: ", LocalChecks.database(dir));
    }

    @Test
    void theAdminTokenIsForItsOwnerOnly() throws Exception {
        Path token = dir.resolve("admin.token");
        assertCheck(Status.OK, "does not exist yet", LocalChecks.adminToken(token));
        Files.writeString(token, "secret-token-value");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        assertCheck(Status.OK, "has mode 0600", LocalChecks.adminToken(token));
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
        DoctorCheck open = LocalChecks.adminToken(token);
        assertCheck(Status.PROBLEM, "has mode 0644: others may read the admin token; chmod 600 " + token, open);
        assertTrue(!open.detail().contains("secret-token-value"), "never the token itself");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r-----"));
        assertCheck(Status.PROBLEM, "has mode 0640", LocalChecks.adminToken(token));
    }

    // ---------------------------------------------------------------- the Docker socket

    /** A real unix socket, owned by root and group 12345 with {@code mode}. */
    private Path socket(String mode) throws Exception {
        Path s = dir.resolve("docker-" + mode + ".sock");
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(s));
        ch.close(); // the file stays, as a socket
        Files.setAttribute(s, "unix:uid", 0);
        Files.setAttribute(s, "unix:gid", 12345);
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString(mode));
        return s;
    }

    @Test
    void aSocketThisUserMayNotUseNamesUserOwnerModeAndTheFix() throws Exception {
        Path s = socket("rw-rw----");
        assertCheck(Status.OK, "is readable and writable by user root (uid 0)", LocalChecks.socket("docker local socket", s, ROOT, false));
        assertCheck(Status.OK, "readable and writable by user member", LocalChecks.socket("docker local socket", s, MEMBER, false));
        DoctorCheck denied = LocalChecks.socket("docker local socket", s, NOBODY, false);
        assertCheck(Status.PROBLEM, "user nobody (uid 65534) cannot read and write " + s + " (owner root, group 12345, mode rw-rw----): "
                + "add the user to group 12345: usermod -aG 12345 nobody, then log in again", denied);
        assertCheck(Status.PROBLEM, "its owner", LocalChecks.socket("docker local socket", socket("rw-------"), MEMBER, false));
        assertCheck(Status.PROBLEM, "is not a socket", LocalChecks.socket("x", Files.writeString(dir.resolve("plain"), ""), ROOT, false));
        assertCheck(Status.PROBLEM, "no socket at " + dir.resolve("none.sock"), LocalChecks.socket("x", dir.resolve("none.sock"), ROOT, false));
    }

    /** The same check in a process that really is another user, with no groups: the kernel's answer and ours agree. */
    @Test
    void aSocketCheckedByAnotherUserForReal() throws Exception {
        Path s = socket("rw-rw----");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        String out = AsUser.run(65534, 65534, "dev.dormouse.cli.DoctorChecksTest$SocketProbe", s.toString());
        assertTrue(out.contains("PROBLEM user ") && out.contains("(uid 65534) cannot read and write " + s), out);
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rw-rw-rw-"));
        String open = AsUser.run(65534, 65534, "dev.dormouse.cli.DoctorChecksTest$SocketProbe", s.toString());
        assertTrue(open.contains("OK "), open);
    }

    /** Run by {@link AsUser}: the socket check as this process is. */
    static final class SocketProbe {
        public static void main(String[] args) {
            DoctorCheck c = LocalChecks.socket("socket", Path.of(args[0]), Identity.current(), true);
            System.out.println(c.status() + " " + c.detail());
        }
    }

    @Test
    void modeBitsDecideAsTheKernelDoes() {
        var rw = PosixFilePermissions.fromString("rw-rw----");
        assertTrue(ROOT.mayReadWrite(1, 1, PosixFilePermissions.fromString("---------")));
        assertTrue(new Identity("o", 7, Set.of()).mayReadWrite(7, 1, PosixFilePermissions.fromString("rw-------")));
        assertTrue(!new Identity("o", 7, Set.of(1)).mayReadWrite(7, 1, PosixFilePermissions.fromString("---rw----")), "owner bits win");
        assertTrue(MEMBER.mayReadWrite(0, 12345, rw));
        assertTrue(!NOBODY.mayReadWrite(0, 12345, rw));
        assertTrue(NOBODY.mayReadWrite(0, 12345, PosixFilePermissions.fromString("rw-rw-rw-")));
        assertTrue(!MEMBER.mayReadWrite(0, 12345, PosixFilePermissions.fromString("rw-r-----")), "read alone is not enough");
    }

    // ---------------------------------------------------------------- clock and ports

    @Test
    void clockSkewBounds() {
        assertCheck(Status.OK, "0.4s ahead of", ProviderChecks.clock("c", Duration.ofMillis(400)));
        assertCheck(Status.OK, "2.0s behind", ProviderChecks.clock("c", Duration.ofSeconds(-2)));
        assertCheck(Status.WARNING, "2.5s ahead of this machine's (more than 2s)", ProviderChecks.clock("c", Duration.ofMillis(2500)));
        assertCheck(Status.WARNING, "30.0s behind", ProviderChecks.clock("c", Duration.ofSeconds(-30)));
        assertCheck(Status.PROBLEM, "31.0s behind this machine's (more than 30s", ProviderChecks.clock("c", Duration.ofSeconds(-31)));
    }

    @Test
    void aPortInUseIsAProblemUnlessTheDaemonHoldsIt() throws Exception {
        try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = held.getLocalPort();
            List<PortChecks.Listener> ls = List.of(new PortChecks.Listener("server.http", ListenAddress.parse("127.0.0.1:" + port)));
            assertCheck(Status.PROBLEM, "127.0.0.1:" + port + " is in use by another process", PortChecks.check(ls, () -> false).get(0));
            assertCheck(Status.OK, "127.0.0.1:" + port + " is in use by the running daemon", PortChecks.check(ls, () -> true).get(0));
        }
        int free;
        try (ServerSocket s = new ServerSocket(0)) {
            free = s.getLocalPort();
        }
        assertCheck(Status.OK, "*:" + free + " is free", PortChecks.check(List.of(new PortChecks.Listener("server.admin", ListenAddress.parse(":" + free))),
                () -> { throw new AssertionError("not asked for a free port"); }).get(0));
    }

    /** Read-only bind mounts for tests that run as root. */
    static final class ReadOnly {
        static void mount(Path p) throws Exception {
            assumeTrue(new Identity("", 0, Set.of()).uid() == Identity.current().uid(), "needs root for a bind mount");
            exec("mount", "--bind", p.toString(), p.toString());
            exec("mount", "-o", "remount,bind,ro", p.toString());
        }

        static void unmount(Path p) throws Exception {
            exec("umount", p.toString());
        }

        private static void exec(String... cmd) throws Exception {
            Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(pr.getInputStream().readAllBytes());
            assertEquals(0, pr.waitFor(), String.join(" ", cmd) + ": " + out);
        }
    }
}
