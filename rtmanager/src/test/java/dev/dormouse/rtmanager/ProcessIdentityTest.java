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
    void aHolderOfAnotherHostOrNamespaceOrNamedByNoProcessCannotBeJudged() {
        ProcessIdentity me = ProcessIdentity.current();
        for (ProcessIdentity other : new ProcessIdentity[] {
            new ProcessIdentity("00000000-0000-0000-0000-000000000000", me.pidNamespace(), 1, 1),
            new ProcessIdentity("0123456789abcdef0123456789abcdef", "00000000-0000-0000-0000-000000000000", me.pidNamespace(), 1, 1),
            new ProcessIdentity(me.machineId(), me.bootId(), "pid:[1]", 999_999_999, 1),
            new ProcessIdentity("", "", 0, 0),
        }) {
            assertEquals(ProcessIdentity.Liveness.UNKNOWN, me.judge(other), other.toString());
        }
    }

    @Test
    void aHolderOfAnEarlierBootOfThisMachineIsDead() {
        ProcessIdentity me = new ProcessIdentity("0123456789abcdef0123456789abcdef", "11111111-1111-1111-1111-111111111111", "pid:[4026531836]", 100, 5000);
        ProcessIdentity beforePowerLoss = new ProcessIdentity(me.machineId(), "22222222-2222-2222-2222-222222222222", "pid:[4026531836]", 100, 5000);
        assertEquals(ProcessIdentity.Liveness.DEAD, me.judge(beforePowerLoss), "same machine, another boot: that boot is over");
        assertEquals(ProcessIdentity.Liveness.UNKNOWN, new ProcessIdentity("", me.bootId(), me.pidNamespace(), 100, 5000).judge(beforePowerLoss),
                "without a machine id, another boot may be another host");
        if (!ProcessIdentity.current().machineId().isEmpty()) {
            assertTrue(ProcessIdentity.current().machineId().matches("[0-9a-f]{32}"));
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
