package dev.dormouse.cli.testkit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, as Prometheus itself reads it: every
 * sample belongs to a family declared by {@code # TYPE} before it, names and label names are valid, label
 * values are quoted with only the three escapes, values are floats (or {@code +Inf}, {@code -Inf},
 * {@code NaN}), no series appears twice, and a histogram's buckets are cumulative, end with {@code +Inf}
 * and agree with its {@code _count}. Anything else is an {@link IllegalArgumentException} naming the line.
 */
public final class PromText {
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    /** A metric family: its {@code # TYPE}, {@code # HELP} and samples in order. */
    public record Family(String name, String type, String help, List<Sample> samples) {}

    private final Map<String, Family> families;

    private PromText(Map<String, Family> families) {
        this.families = families;
    }

    public static PromText parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) throw new IllegalArgumentException("the last line does not end with a newline");
        Map<String, String> types = new HashMap<>();
        Map<String, String> helps = new HashMap<>();
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        Set<String> series = new HashSet<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            int no = i + 1;
            if (line.isEmpty()) continue;
            if (line.startsWith("#")) {
                String[] parts = line.split(" ", 4);
                if (parts.length >= 3 && (parts[1].equals("TYPE") || parts[1].equals("HELP"))) {
                    String name = parts[2];
                    if (!METRIC_NAME.matcher(name).matches()) throw bad(no, "invalid metric name '" + name + "'");
                    if (samples.containsKey(name)) throw bad(no, parts[1] + " of " + name + " after its samples");
                    if (parts[1].equals("TYPE")) {
                        if (parts.length != 4 || !TYPES.contains(parts[3])) throw bad(no, "invalid TYPE line");
                        if (types.putIfAbsent(name, parts[3]) != null) throw bad(no, "second TYPE for " + name);
                    } else {
                        if (helps.putIfAbsent(name, parts.length == 4 ? unescapeHelp(parts[3], no) : "") != null) {
                            throw bad(no, "second HELP for " + name);
                        }
                    }
                }
                continue;
            }
            Sample s = sample(line, no);
            String family = familyOf(s.name, types);
            if (family == null) throw bad(no, "sample " + s.name + " has no TYPE before it");
            if (!series.add(s.name + new java.util.TreeMap<>(s.labels))) throw bad(no, "duplicate series " + s.name + s.labels);
            samples.computeIfAbsent(family, k -> new ArrayList<>()).add(s);
        }
        Map<String, Family> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> t : types.entrySet()) {
            Family f = new Family(t.getKey(), t.getValue(), helps.getOrDefault(t.getKey(), ""),
                    List.copyOf(samples.getOrDefault(t.getKey(), List.of())));
            if (f.type.equals("histogram")) checkHistogram(f);
            out.put(f.name, f);
        }
        return new PromText(Collections.unmodifiableMap(out));
    }

    private static String familyOf(String sample, Map<String, String> types) {
        if (types.containsKey(sample)) {
            String t = types.get(sample);
            return t.equals("histogram") || t.equals("summary") ? null : sample;
        }
        for (String suffix : List.of("_bucket", "_count", "_sum")) {
            if (!sample.endsWith(suffix)) continue;
            String base = sample.substring(0, sample.length() - suffix.length());
            String t = types.get(base);
            if ("histogram".equals(t) || ("summary".equals(t) && !suffix.equals("_bucket"))) return base;
        }
        return null;
    }

    private static Sample sample(String line, int no) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') i++;
        String name = line.substring(0, i);
        if (!METRIC_NAME.matcher(name).matches()) throw bad(no, "invalid metric name '" + name + "'");
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (true) {
                if (i < line.length() && line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int eq = line.indexOf('=', i);
                if (eq < 0) throw bad(no, "label without '='");
                String label = line.substring(i, eq);
                if (!LABEL_NAME.matcher(label).matches()) throw bad(no, "invalid label name '" + label + "'");
                if (eq + 1 >= line.length() || line.charAt(eq + 1) != '"') throw bad(no, "label value of " + label + " is not quoted");
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                for (; ; j++) {
                    if (j >= line.length()) throw bad(no, "unterminated label value of " + label);
                    char c = line.charAt(j);
                    if (c == '"') break;
                    if (c == '\\') {
                        if (++j >= line.length()) throw bad(no, "dangling escape");
                        char e = line.charAt(j);
                        switch (e) {
                            case '\\' -> v.append('\\');
                            case '"' -> v.append('"');
                            case 'n' -> v.append('\n');
                            default -> throw bad(no, "invalid escape \\" + e);
                        }
                    } else {
                        v.append(c);
                    }
                }
                if (labels.put(label, v.toString()) != null) throw bad(no, "label " + label + " twice");
                i = j + 1;
                if (i < line.length() && line.charAt(i) == ',') i++;
                else if (i >= line.length() || line.charAt(i) != '}') throw bad(no, "expected ',' or '}' after label " + label);
            }
        }
        if (i >= line.length() || line.charAt(i) != ' ') throw bad(no, "no space before the value");
        String[] rest = line.substring(i + 1).split(" ", -1);
        if (rest.length < 1 || rest.length > 2) throw bad(no, "expected a value and an optional timestamp");
        double value = number(rest[0], no);
        if (rest.length == 2) {
            try {
                Long.parseLong(rest[1]);
            } catch (NumberFormatException e) {
                throw bad(no, "invalid timestamp '" + rest[1] + "'");
            }
        }
        return new Sample(name, Collections.unmodifiableMap(labels), value);
    }

    private static double number(String s, int no) {
        switch (s) {
            case "+Inf" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-Inf" -> {
                return Double.NEGATIVE_INFINITY;
            }
            case "NaN" -> {
                return Double.NaN;
            }
            default -> {
                if (!s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) throw bad(no, "invalid value '" + s + "'");
                return Double.parseDouble(s);
            }
        }
    }

    private static String unescapeHelp(String s, int no) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (++i >= s.length()) throw bad(no, "dangling escape in HELP");
            switch (s.charAt(i)) {
                case '\\' -> b.append('\\');
                case 'n' -> b.append('\n');
                default -> throw bad(no, "invalid escape in HELP");
            }
        }
        return b.toString();
    }

    /** Buckets per label set: cumulative, ending in {@code le="+Inf"}, equal to {@code _count}. */
    private static void checkHistogram(Family f) {
        Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
        Map<Map<String, String>, Double> counts = new HashMap<>();
        for (Sample s : f.samples) {
            if (s.name.endsWith("_bucket")) {
                Map<String, String> rest = new LinkedHashMap<>(s.labels);
                if (rest.remove("le") == null) throw new IllegalArgumentException(f.name + ": bucket without le " + s.labels);
                buckets.computeIfAbsent(rest, k -> new ArrayList<>()).add(s);
            } else if (s.name.endsWith("_count")) {
                counts.put(s.labels, s.value);
            }
        }
        for (Map.Entry<Map<String, String>, List<Sample>> e : buckets.entrySet()) {
            double prevLe = Double.NEGATIVE_INFINITY;
            double prev = 0;
            for (Sample b : e.getValue()) {
                double le = number(b.labels.get("le"), 0);
                if (le <= prevLe) throw new IllegalArgumentException(f.name + e.getKey() + ": buckets out of order");
                if (b.value < prev) throw new IllegalArgumentException(f.name + e.getKey() + ": buckets are not cumulative");
                prevLe = le;
                prev = b.value;
            }
            if (prevLe != Double.POSITIVE_INFINITY) throw new IllegalArgumentException(f.name + e.getKey() + ": no +Inf bucket");
            Double count = counts.get(e.getKey());
            if (count == null || count != prev) throw new IllegalArgumentException(f.name + e.getKey() + ": _count " + count + " != +Inf bucket " + prev);
        }
    }

    private static IllegalArgumentException bad(int line, String what) {
        return new IllegalArgumentException("line " + line + ": " + what);
    }

    public Map<String, Family> families() {
        return families;
    }

    public Optional<Family> family(String name) {
        return Optional.ofNullable(families.get(name));
    }

    /** The sample named {@code name} whose labels are exactly {@code labelPairs} (name, value, name, value...). */
    public Optional<Double> find(String name, String... labelPairs) {
        Map<String, String> want = new LinkedHashMap<>();
        for (int i = 0; i < labelPairs.length; i += 2) want.put(labelPairs[i], labelPairs[i + 1]);
        for (Family f : families.values()) {
            for (Sample s : f.samples) {
                if (s.name.equals(name) && s.labels.equals(want)) return Optional.of(s.value);
            }
        }
        return Optional.empty();
    }

    /** Like {@link #find} but the sample must be there. */
    public double value(String name, String... labelPairs) {
        return find(name, labelPairs).orElseThrow(() -> new AssertionError("no sample " + name + " " + List.of(labelPairs)));
    }

    /** Every sample named {@code name}. */
    public List<Sample> samples(String name) {
        List<Sample> out = new ArrayList<>();
        for (Family f : families.values()) {
            for (Sample s : f.samples) if (s.name.equals(name)) out.add(s);
        }
        return out;
    }
}
