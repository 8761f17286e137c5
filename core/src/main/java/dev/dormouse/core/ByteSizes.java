package dev.dormouse.core;

import java.util.Locale;

/** Parses the byte sizes of config files: {@code 65536}, {@code 64KiB}, {@code 1MiB} (K, KB, M and MB mean the same, 1024-based). */
public final class ByteSizes {
    private ByteSizes() {}

    /**
     * Parses a size such as {@code 64KiB}.
     *
     * @throws IllegalArgumentException naming the text when it is not a size
     */
    public static long parse(String text) {
        String s = text == null ? "" : text.strip();
        int end = 0;
        while (end < s.length() && Character.isDigit(s.charAt(end))) end++;
        if (end == 0 || end > 15) throw new IllegalArgumentException("not a size: '" + text + "' (use e.g. 65536, 64KiB or 1MiB)");
        long n = Long.parseLong(s.substring(0, end));
        long unit = switch (s.substring(end).strip().toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1;
            case "k", "kb", "kib" -> 1024;
            case "m", "mb", "mib" -> 1024 * 1024;
            case "g", "gb", "gib" -> 1024L * 1024 * 1024;
            default -> throw new IllegalArgumentException("not a size: '" + text + "' (use e.g. 65536, 64KiB or 1MiB)");
        };
        return Math.multiplyExact(n, unit);
    }

    /** The shortest exact spelling: {@code 64KiB}, {@code 1MiB}, {@code 1000}. */
    public static String format(long bytes) {
        if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) return bytes / (1024 * 1024) + "MiB";
        if (bytes >= 1024 && bytes % 1024 == 0) return bytes / 1024 + "KiB";
        return Long.toString(bytes);
    }
}
