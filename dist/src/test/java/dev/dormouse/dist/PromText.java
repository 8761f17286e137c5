package dev.dormouse.dist;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: every line must be a valid
 * HELP, TYPE, comment or sample line; a TYPE comes before its family's samples and only once; no series
 * repeats; histogram buckets are cumulative and the {@code +Inf} bucket equals {@code _count}. Any
 * violation is an {@link AssertionError} naming the line.
 */
final class PromText {
    private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final List<String> TYPES = List.of("counter", "gauge", "histogram", "summary", "untyped");

    private PromText() {}

    /** Series (name and sorted labels, e.g. {@code x_total{route="a"}}) to value. */
    static Map<String, Double> parse(String text) {
        Map<String, String> types = new HashMap<>();
        java.util.Set<String> sampled = new java.util.HashSet<>();
        Map<String, Double> out = new LinkedHashMap<>();
        Map<String, List<double[]>> buckets = new HashMap<>();
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty()) continue;
            String where = "line " + n + ": '" + line + "'";
            try {
                if (line.startsWith("#")) {
                    String[] f = line.split(" ", 4);
                    if (f.length >= 3 && (f[1].equals("HELP") || f[1].equals("TYPE"))) {
                        check(METRIC.matcher(f[2]).matches(), where, "bad metric name");
                        if (f[1].equals("TYPE")) {
                            check(f.length == 4 && TYPES.contains(f[3]), where, "bad type");
                            check(!types.containsKey(f[2]), where, "second TYPE of " + f[2]);
                            check(!sampled.contains(f[2]), where, "TYPE after samples of " + f[2]);
                            types.put(f[2], f[3]);
                        }
                    }
                    continue;
                }
                int i = 0;
                while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') i++;
                String name = line.substring(0, i);
                check(METRIC.matcher(name).matches(), where, "bad metric name");
                TreeMap<String, String> labels = new TreeMap<>();
                if (i < line.length() && line.charAt(i) == '{') {
                    i++;
                    while (line.charAt(i) != '}') {
                        int eq = line.indexOf('=', i);
                        check(eq > i, where, "label without '='");
                        String ln = line.substring(i, eq);
                        check(LABEL.matcher(ln).matches(), where, "bad label name '" + ln + "'");
                        check(line.charAt(eq + 1) == '"', where, "label value not quoted");
                        StringBuilder v = new StringBuilder();
                        int j = eq + 2;
                        for (; ; j++) {
                            check(j < line.length(), where, "unterminated label value");
                            char c = line.charAt(j);
                            if (c == '"') break;
                            if (c == '\\') {
                                char e = line.charAt(++j);
                                check(e == '\\' || e == '"' || e == 'n', where, "bad escape \\" + e);
                                v.append(e == 'n' ? '\n' : e);
                            } else {
                                v.append(c);
                            }
                        }
                        check(labels.put(ln, v.toString()) == null, where, "label " + ln + " twice");
                        i = j + 1;
                        if (line.charAt(i) == ',') i++;
                        else check(line.charAt(i) == '}', where, "expected ',' or '}'");
                    }
                    i++;
                }
                check(i < line.length() && line.charAt(i) == ' ', where, "no value");
                String[] rest = line.substring(i + 1).strip().split(" ");
                check(rest.length == 1 || rest.length == 2, where, "value [timestamp] expected");
                double value = number(rest[0], where);
                if (rest.length == 2) {
                    try {
                        Long.parseLong(rest[1]);
                    } catch (NumberFormatException e) {
                        throw new AssertionError(where + ": bad timestamp");
                    }
                }
                String family = family(name, types);
                sampled.add(family);
                String key = key(name, labels);
                check(out.put(key, value) == null, where, "series repeated");
                if ("histogram".equals(types.get(family)) && name.equals(family + "_bucket")) {
                    check(labels.containsKey("le"), where, "bucket without le");
                    TreeMap<String, String> series = new TreeMap<>(labels);
                    series.remove("le");
                    buckets.computeIfAbsent(key(family, series), k -> new ArrayList<>()).add(new double[] {number(labels.get("le"), where), value});
                }
            } catch (IndexOutOfBoundsException e) {
                throw new AssertionError(where + ": truncated");
            }
        }
        buckets.forEach((series, bs) -> {
            for (int k = 1; k < bs.size(); k++) {
                check(bs.get(k)[0] > bs.get(k - 1)[0], series, "bucket bounds not increasing");
                check(bs.get(k)[1] >= bs.get(k - 1)[1], series, "buckets not cumulative");
            }
            double[] last = bs.get(bs.size() - 1);
            check(last[0] == Double.POSITIVE_INFINITY, series, "no +Inf bucket");
            String count = series.replaceFirst("^([^{]*)", "$1_count");
            check(out.containsKey(count) && out.get(count) == last[1], series, "+Inf bucket differs from _count");
        });
        return out;
    }

    /** The sum of every series of {@code name} whose labels include {@code subset}. */
    static double sum(Map<String, Double> parsed, String name, Map<String, String> subset) {
        double total = 0;
        for (Map.Entry<String, Double> e : parsed.entrySet()) {
            String k = e.getKey();
            if (!(k.equals(name) || k.startsWith(name + "{"))) continue;
            boolean all = subset.entrySet().stream().allMatch(l -> k.contains(l.getKey() + "=\"" + l.getValue() + "\""));
            if (all) total += e.getValue();
        }
        return total;
    }

    private static String family(String name, Map<String, String> types) {
        for (String suffix : List.of("_bucket", "_sum", "_count", "_total", "_created", "_info")) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                if (types.containsKey(base)) return base;
            }
        }
        return name;
    }

    private static String key(String name, TreeMap<String, String> labels) {
        if (labels.isEmpty()) return name;
        StringBuilder b = new StringBuilder(name).append('{');
        labels.forEach((k, v) -> b.append(k).append("=\"").append(v).append("\","));
        b.setLength(b.length() - 1);
        return b.append('}').toString();
    }

    private static double number(String s, String where) {
        switch (s) {
            case "+Inf", "Inf": return Double.POSITIVE_INFINITY;
            case "-Inf": return Double.NEGATIVE_INFINITY;
            case "NaN": return Double.NaN;
            default:
                try {
                    return Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new AssertionError(where + ": not a number: '" + s + "'");
                }
        }
    }

    private static void check(boolean ok, String where, String what) {
        if (!ok) throw new AssertionError(where + ": " + what);
    }
}
