package dev.dormouse.idlewatcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ExitsTest {
    @Test
    void aStopIsACrashUnlessDormouseAskedOrARouteThatSleepsWasStoppedCleanly() {
        record Case(boolean asked, boolean sleeps, int exit, boolean oom, String crash) {}
        List<Case> cases = List.of(
                new Case(true, true, 0, false, ""),
                new Case(true, true, 137, false, ""),        // dormouse's own stop, SIGKILL after stop_timeout
                new Case(true, false, 137, false, ""),       // an admin sleep of a route that never sleeps by itself
                new Case(true, false, 137, true, ""),
                new Case(false, true, 0, false, ""),         // docker stop of a route that naps anyway
                new Case(false, true, 143, false, "exited with code 143"),
                new Case(false, true, 137, false, "exited with code 137"),
                new Case(false, true, 1, false, "exited with code 1"),
                new Case(false, true, 137, true, "OOM killed"),
                new Case(false, true, 0, true, "OOM killed"),
                new Case(false, false, 0, false, "exited with code 0"),  // a route with no idle_timeout must not stop at all
                new Case(false, false, 137, false, "exited with code 137"),
                new Case(false, false, 137, true, "OOM killed"),
                new Case(false, false, -1, false, "exited with code -1"));
        List<String> wrong = new ArrayList<>();
        for (Case c : cases) {
            Optional<String> got = Exits.crash(c.asked(), c.sleeps(), c.exit(), c.oom());
            if (!got.orElse("").equals(c.crash())) wrong.add(c + " -> " + got);
        }
        assertEquals(List.of(), wrong);
    }
}
