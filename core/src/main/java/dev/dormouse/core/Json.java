package dev.dormouse.core;

/** The little JSON the modules write by hand: quoting a string safely (also for embedding in HTML). */
public final class Json {
    private Json() {}

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
