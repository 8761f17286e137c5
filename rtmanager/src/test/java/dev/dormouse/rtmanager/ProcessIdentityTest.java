package dev.dormouse.rtmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lease holders judged against the real {@code /proc} of this host. */
class ProcessIdentityTest {
    @TempDir
    Path dir;

    @Test
    void thisProcessIsKnownAndAlive() {
        ProcessIdentity me = ProcessIdentity.current();
        assertTrue(me.known(), me.toString());
        assertTrue(me.bootId().matches("[0-9a-f-]{36}"), me.bootId());
        assertTrue(me.pidNamespace().startsWith("pid:["), me.pidNamespace());
        assertEquals(ProcessHandle.current().pid(), me.pid());
        assertEquals(ProcessIdentity.Liveness.ALIVE, me.judge(me));
        assertEquals(ProcessIdentity.Liveness.ALIVE, me.judge(ProcessIdentity.current()), "read again, the same");
    }

    @Test
    void aProcessThatEndedIsDeadAtOnceAndAReusedPidIsAnotherProcess() throws Exception {
        Process p = new ProcessBuilder("sleep", "30").start();
        long pid = p.pid();
        OptionalLong start = ProcessIdentity.startTicksOf(pid);
        assertTrue(start.isPresent());
        ProcessIdentity me = ProcessIdentity.current();
        ProcessIdentity child = new ProcessIdentity(me.bootId(), me.pidNamespace(), pid, start.getAsLong());
        assertEquals(ProcessIdentity.Liveness.ALIVE, me.judge(child));
        p.destroyForcibly();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(ProcessIdentity.Liveness.DEAD, me.judge(child), "its pid is gone");
        assertEquals(ProcessIdentity.Liveness.DEAD, me.judge(new ProcessIdentity(me.bootId(), me.pidNamespace(), me.pid(), me.startTicks() + 7)),
                "this pid, started at another time: the holder it named is gone");
    }

    @Test
    void aHolderOfAnotherBootOrNamespaceOrNamedByNoProcessCannotBeJudged() {
        ProcessIdentity me = ProcessIdentity.current();
        for (ProcessIdentity other : new ProcessIdentity[] {
            new ProcessIdentity("00000000-0000-0000-0000-000000000000", me.pidNamespace(), 1, 1),
            new ProcessIdentity(me.bootId(), "pid:[1]", 999_999_999, 1),
            new ProcessIdentity("", "", 0, 0),
        }) {
            assertEquals(ProcessIdentity.Liveness.UNKNOWN, me.judge(other), other.toString());
        }
    }

    @Test
    void theStartTimeIsField22CountedFromTheLastParenthesis() throws Exception {
        Path stat = dir.resolve("stat");
        StringBuilder fields = new StringBuilder("4242 (a (weird) name) S");
        for (int f = 4; f <= 52; f++) fields.append(' ').append(f == 22 ? "123456789" : Integer.toString(f));
        Files.writeString(stat, fields + "\n");
        assertEquals(OptionalLong.of(123456789), ProcessIdentity.startTicks(stat));
        Files.writeString(stat, "4242 (short) S 1 2 3");
        assertEquals(OptionalLong.empty(), ProcessIdentity.startTicks(stat));
        assertEquals(OptionalLong.empty(), ProcessIdentity.startTicks(dir.resolve("missing")));
    }
}
