package dev.dormouse.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogTextTest {
    @Test
    void outsideTextCannotBreakALineFakeAQuoteOrHide() {
        String[][] cases = {
            {"plain-name_1.2", "plain-name_1.2"},
            {"line\nbreak", "line\\nbreak"},
            {"cr\r\ttab", "cr\\r\\ttab"},
            {"it's", "it\\x27s"},
            {"say \"hi\"", "say \\x22hi\\x22"},
            {"back\\slash", "back\\x5cslash"},
            {"nul\0esc\u001b[31m", "nul\\x00esc\\x1b[31m"},
            {"del\u007f c1\u0085", "del\\x7f c1\\x85"},
            {"bidi\u202eevil", "bidi\\u202Eevil"},
            {"zero\u200bwidth", "zero\\u200Bwidth"},
            {"line\u2028sep", "line\\u2028sep"},
            {"nbsp\u00a0", "nbsp\\u00A0"},
            {"lone\ud800", "lone\\uD800"},
            {"private\udb80\udc00", "private\\U000F0000"},
            {"café 日本 \ud83d\ude00", "café 日本 \ud83d\ude00"},
            {"", ""},
        };
        for (String[] c : cases) assertEquals(c[1], LogText.escape(c[0]), "escape of " + c[1]);
    }

    @Test
    void aLongValueIsCutAndItsLengthShown() {
        String shown = LogText.escape("a".repeat(300_000));
        assertEquals("a".repeat(LogText.MAX_SHOWN) + "... (300000 chars)", shown);
        String escapes = LogText.escape("\n".repeat(1000));
        assertTrue(escapes.length() < LogText.MAX_SHOWN + 30, escapes);
        assertTrue(escapes.endsWith("... (1000 chars)"), escapes);
        assertEquals("a".repeat(LogText.MAX_SHOWN), LogText.escape("a".repeat(LogText.MAX_SHOWN)), "exactly the limit is not cut");
    }
}
