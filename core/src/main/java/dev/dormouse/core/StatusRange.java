package dev.dormouse.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Which HTTP statuses count as healthy: {@code <500} (the default), a range {@code 200-399}, a list
 * {@code 200,204}, or a mix {@code 200-299,304}.
 */
public record StatusRange(List<int[]> ranges, String text) {
    @Override
    public boolean equals(Object o) {
        return o instanceof StatusRange r && r.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    public static final StatusRange BELOW_500 = parse("<500");

    /** @throws IllegalArgumentException naming the text when it is not a status set */
    public static StatusRange parse(String text) {
        String t = text.strip();
        List<int[]> ranges = new ArrayList<>();
        if (t.startsWith("<")) {
            ranges.add(new int[] {100, number(t.substring(1), text) - 1});
            return new StatusRange(List.copyOf(ranges), t);
        }
        for (String part : t.split(",")) {
            String p = part.strip();
            int dash = p.indexOf('-');
            int lo = number(dash < 0 ? p : p.substring(0, dash), text);
            int hi = dash < 0 ? lo : number(p.substring(dash + 1), text);
            if (lo > hi) throw new IllegalArgumentException("status range " + p + " is backwards in '" + text + "'");
            ranges.add(new int[] {lo, hi});
        }
        return new StatusRange(List.copyOf(ranges), t);
    }

    private static int number(String s, String text) {
        try {
            int n = Integer.parseInt(s.strip());
            if (n < 100 || n > 599) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an HTTP status set: '" + text + "' (use e.g. <500, 200-399 or 200,204)");
        }
    }

    public boolean matches(int status) {
        for (int[] r : ranges) {
            if (status >= r[0] && status <= r[1]) return true;
        }
        return false;
    }
}
