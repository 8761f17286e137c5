package dev.dormouse.watcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import dev.dormouse.core.testkit.ManualScheduler;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileWatcherTest {
    @TempDir
    Path dir;
    private final ManualScheduler time = new ManualScheduler();

    /**
     * The file system's events come when they come (a real event): moves time on by quiet periods until
     * {@code c} holds, with a deadline on real time.
     */
    private void quietUntil(String what, java.util.function.BooleanSupplier c) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            // Time of the test, not the code's: the deadline of a wait for a condition.
            if (System.nanoTime() > deadline) org.junit.jupiter.api.Assertions.fail("timed out waiting for " + what);
            time.advance(QUIET);
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
        }
    }

    private static final Duration QUIET = Duration.ofMillis(100);

    @Test
    void editsAndReplacementsAreSeenOnceEachAndSameContentIsIgnored() throws Exception {
        Path file = dir.resolve("dormouse.yml");
        Files.writeString(file, "routes: []\n");
        AtomicInteger changes = new AtomicInteger();
        try (ConfigFileWatcher w = new ConfigFileWatcher(new ConfigFileWatcher.Deps(file, QUIET, time, changes::incrementAndGet)).start()) {
            // An editor writing in several steps: one reload.
            Files.writeString(file, "routes:\n");
            Files.writeString(file, "routes:\n  - name: a\n");
            quietUntil("edit seen", () -> changes.get() == 1);
            // Replaced by rename, as many editors and config tools do: seen too.
            Path tmp = dir.resolve(".dormouse.yml.swp");
            Files.writeString(tmp, "routes: [] # v3\n");
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            quietUntil("replacement seen", () -> changes.get() == 2);
            // Rewriting identical content, and touching another file, reload nothing; a later real edit still does.
            Files.writeString(file, "routes: [] # v3\n");
            Files.writeString(dir.resolve("other.yml"), "x\n");
            Files.writeString(file, "routes: [] # v4\n");
            quietUntil("last edit seen", () -> changes.get() >= 3);
            assertEquals(3, changes.get());
        }
    }

    @Test
    void aContentAlreadyLoadedIsNotReloaded() throws Exception {
        Path file = dir.resolve("dormouse.yml");
        Files.writeString(file, "a: 1\n");
        AtomicInteger changes = new AtomicInteger();
        try (ConfigFileWatcher w = new ConfigFileWatcher(new ConfigFileWatcher.Deps(file, QUIET, time, changes::incrementAndGet)).start()) {
            Files.writeString(file, "a: 2\n");
            w.loaded(); // e.g. SIGHUP reloaded it first
            Files.writeString(file, "a: 3\n");
            quietUntil("the new content", () -> changes.get() == 1);
        }
    }
}
