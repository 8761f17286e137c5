package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of this build in a JVM that is another user (with {@code setpriv}, so the test must
 * run as root), on a class path of this build's own class directories, which that user can read.
 */
final class AsUser {
    private AsUser() {}

    static String run(int uid, int gid, String mainClass, String... args) throws Exception {
        assumeTrue(Identity.current().uid() == 0 && Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs root and setpriv");
        Set<String> cp = new LinkedHashSet<>();
        for (Class<?> c : List.of(AsUser.class, LocalChecks.class, dev.dormouse.rtmanager.RuntimeStore.class, dev.dormouse.core.DormouseException.class)) {
            cp.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xshare:auto", "-cp", String.join(":", cp), mainClass));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS), "the other user's JVM did not end");
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
