package dev.dormouse.core;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * What every JSON dormouse writes shares: its one timestamp format, and quoting a string safely (also for
 * embedding in HTML) for the little JSON still written by hand.
 */
public final class Json {
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private Json() {}

    /** ISO-8601 UTC with milliseconds, always three digits: {@code 2026-12-02T04:05:06.123Z}. */
    public static String timestamp(Instant t) {
        return TIMESTAMP.format(t);
    }

    /** Appends {@code s} as a JSON string; {@code <} is escaped so the result is safe inside HTML too. */
    public static StringBuilder quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '<' -> b.append("\\u003c");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"');
    }

    public static String quote(String s) {
        return quote(new StringBuilder(s.length() + 8), s).toString();
    }
}
