package dev.dormouse.rtmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two real processes on one database: the lease keeps their actions on a runtime from ever overlapping. */
class CrossProcessTest {
    @TempDir
    Path dir;

    static Process child(Class<?> main, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    @Test
    void twoProcessesRacingOnOneRuntimeNeverBothAct() throws Exception {
        RuntimeStore store = RuntimeStore.open(dir.resolve("data"));
        Path journal = dir.resolve("journal");
        Process a = child(LeaseRacer.class, dir.resolve("data").toString(), journal.toString(), "300");
        Process b = child(LeaseRacer.class, dir.resolve("data").toString(), journal.toString(), "300");
        for (Process p : List.of(a, b)) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "racer finished");
            assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
        }
        List<String> lines = Files.readAllLines(journal);
        for (int i = 0; i < lines.size(); i += 2) {
            assertTrue(lines.get(i).startsWith("B ") && lines.get(i + 1).equals("E " + lines.get(i).substring(2)),
                    "actions overlapped at line " + i + ": " + lines.subList(i, Math.min(lines.size(), i + 4)));
        }
        List<Operation> ops = store.operations(Optional.of("app"), 10_000);
        assertEquals(600, ops.size(), "every attempt left exactly one row");
        long acted = ops.stream().filter(o -> o.outcome() == Outcome.SUCCESS).count();
        long conflicts = ops.stream().filter(o -> o.outcome() == Outcome.CONFLICT).count();
        System.out.println("lease race: " + acted + " actions, " + conflicts + " conflicts, "
                + ops.stream().filter(o -> o.outcome() == Outcome.REPLAY_NO_OP).count() + " replays");
        assertEquals(lines.size() / 2, acted, "each provider call is one success row");
        assertTrue(conflicts > 0, "the processes did race");
        assertEquals("ok", store.integrityCheck());
    }
}
