package dev.dormouse.idlewatcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The one JSON writer of wake events, which the loading page and the admin API's event stream share. */
class WakeEventTest {
    @Test
    void jsonHasTheFiveFieldsAndAMillisecondTimestamp() {
        WakeEvent e = new WakeEvent(3, "whoami", WakeEvent.Type.WAITING_READY, "Waiting for whoami to answer", "",
                Instant.parse("2026-12-02T04:05:06.123456789Z"));
        assertEquals("{\"route\":\"whoami\",\"type\":\"waiting_ready\",\"message\":\"Waiting for whoami to answer\",\"error\":\"\","
                + "\"timestamp\":\"2026-12-02T04:05:06.123Z\"}", e.toJson());
    }

    @Test
    void aTimestampOnAWholeSecondStillHasItsMilliseconds() {
        WakeEvent e = new WakeEvent(1, "a", WakeEvent.Type.READY, "a is ready", "", Instant.parse("2026-12-02T04:05:06Z"));
        assertTrue(e.toJson().endsWith("\"timestamp\":\"2026-12-02T04:05:06.000Z\"}"), e.toJson());
    }

    @Test
    void textIsEscapedSoTheSseDataStaysOneLine() {
        WakeEvent e = new WakeEvent(7, "web", WakeEvent.Type.ERROR, "Wake failed", "exit \"1\"\nsee\tlog \\ \u0001",
                Instant.parse("2026-12-02T04:05:06.100Z"));
        assertEquals("{\"route\":\"web\",\"type\":\"error\",\"message\":\"Wake failed\",\"error\":\"exit \\\"1\\\"\\nsee\\tlog \\\\ \\u0001\","
                + "\"timestamp\":\"2026-12-02T04:05:06.100Z\"}", e.toJson());
        assertEquals("id: 7\nevent: error\ndata: " + e.toJson() + "\n\n", e.toSse());
        assertEquals(4, e.toSse().split("\n", -1).length - 1, "id, event, data and the blank line: " + e.toSse());
    }
}
