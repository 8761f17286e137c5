package dev.dormouse.core;

import java.util.Objects;

/**
 * Makes outside text (container names, label values) safe to put in a log line or an error message: it
 * can neither break the line, nor fake a quote, nor hide behind invisible characters, nor flood the log.
 */
public final class LogText {
    /** At most this many characters of a value are shown; the rest is replaced by its length. */
    public static final int MAX_SHOWN = 100;

    private LogText() {}

    /**
     * {@code value} with control characters, quotes and the backslash as {@code \xNN} ({@code \n},
     * {@code \r}, {@code \t} as such), other invisible or unassigned code points (format characters such
     * as bidi overrides, separators, private use, lone surrogates) as {@code \}{@code uNNNN}, printable
     * text as it is. A value longer than {@link #MAX_SHOWN} characters shown is cut there and followed by
     * {@code ... (N chars)}, N being its whole length.
     */
    public static String escape(String value) {
        Objects.requireNonNull(value, "value");
        StringBuilder b = new StringBuilder(Math.min(value.length(), MAX_SHOWN) + 8);
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            if (b.length() >= MAX_SHOWN) {
                return b.append("... (").append(value.codePointCount(0, value.length())).append(" chars)").toString();
            }
            switch (cp) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\'', '"', '\\' -> hex(b, cp);
                default -> {
                    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) hex(b, cp);
                    else if (cp > 0x7f && invisible(cp)) b.append(cp > 0xffff ? String.format("\\U%08X", cp) : String.format("\\u%04X", cp));
                    else b.appendCodePoint(cp);
                }
            }
            i += Character.charCount(cp);
        }
        return b.toString();
    }

    private static void hex(StringBuilder b, int cp) {
        b.append("\\x").append(Character.forDigit(cp >> 4, 16)).append(Character.forDigit(cp & 0xf, 16));
    }

    private static boolean invisible(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                    Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> true;
            default -> false;
        };
    }
}
