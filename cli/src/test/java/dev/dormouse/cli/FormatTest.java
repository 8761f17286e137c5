package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FormatTest {
    @Test
    void tableColumnsAreAsWideAsTheirWidestCell() {
        StringWriter s = new StringWriter();
        new Table("A", "LONG HEADER", "C").row("xxxxx", "", "last").row("y", "z", null).print(new PrintWriter(s));
        assertEquals(List.of(
                "A      LONG HEADER  C",
                "xxxxx  -            last",
                "y      z            -"), s.toString().lines().toList());
        assertThrows(IllegalArgumentException.class, () -> new Table("A", "B").row("only one"));
    }

    @Test
    void timesAreShortAndLocal() {
        Times utc = new Times(Fixtures.env(Map.of()));
        assertEquals("04:05:06", utc.at(Instant.parse("2026-12-02T04:05:06.900Z")));
        assertEquals("Dec 01 23:59", utc.at(Instant.parse("2026-12-01T23:59:58Z")));
        assertEquals("2025-12-31", utc.at(Instant.parse("2025-12-31T12:00:00Z")));
        Times berlin = new Times(new CliEnv(Map.of(), Fixtures.env(Map.of()).clock(), ZoneId.of("Europe/Berlin")));
        assertEquals("00:59:58", berlin.at(Instant.parse("2026-12-01T23:59:58Z")), "the next day there, so today");
    }

    @Test
    void relativeTimes() {
        Times t = new Times(Fixtures.env(Map.of()));
        Instant now = Fixtures.NOW;
        assertEquals("just now", t.ago(now));
        assertEquals("12s ago", t.ago(now.minusSeconds(12)));
        assertEquals("3m ago", t.ago(now.minusSeconds(200)));
        assertEquals("47h ago", t.ago(now.minusSeconds(47 * 3600)));
        assertEquals("3d ago", t.ago(now.minusSeconds(3 * 86400 + 5)));
        assertEquals("in 2m", t.ago(now.plusSeconds(150)));
    }

    @Test
    void measuredDurations() {
        assertEquals("112ms", Times.millis(112));
        assertEquals("1.4s", Times.millis(1400));
        assertEquals("2m05s", Times.millis(125_000));
    }
}
