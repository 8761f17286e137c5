package dev.dormouse.core;

import dev.dormouse.core.YamlTree.ListNode;
import dev.dormouse.core.YamlTree.MapNode;
import dev.dormouse.core.YamlTree.Node;
import dev.dormouse.core.YamlTree.Scalar;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A mapping of the config file being read, with where it is (line, column, key path): the read-only view
 * the loader and the provider factories read their sections through. Each getter marks its key as read,
 * reports a value of the wrong type or form as a problem at the value's line and column, and returns the
 * default instead; {@link #finish()} reports every key nothing read as unknown. Problems are collected for
 * the whole file and reported together.
 */
public final class ConfigSection {
    private final KeyTracker keys;

    private ConfigSection(MapNode node, String path, Reading reading) {
        this.keys = new KeyTracker(node, path, reading);
    }

    /** The mapping at {@code node}; null (a key with nothing after it) is an empty one; anything else is a problem. */
    static Optional<ConfigSection> of(Node node, String path, Reading reading) {
        if (node instanceof MapNode m) return Optional.of(new ConfigSection(m, path, reading));
        if (node instanceof Scalar s && s.value() == null) return Optional.of(empty(s, path, reading));
        reading.add(node, path, "must be a mapping, got " + node.kind());
        return Optional.empty();
    }

    private static ConfigSection empty(Node at, String path, Reading reading) {
        return new ConfigSection(new MapNode(new LinkedHashMap<>(), at.line(), at.column()), path, reading);
    }

    /** Keys missing here are read from {@code f} (a route's block over its {@code defaults:} block). */
    ConfigSection withFallback(ConfigSection f) {
        keys.fallback = f.keys;
        return this;
    }

    /** The key path of this mapping, e.g. {@code providers.docker[0]}; empty for the document. */
    public String keyPath() {
        return keys.path;
    }

    /** 1-based line of this mapping. */
    public int line() {
        return keys.node.line();
    }

    /** 1-based column of this mapping. */
    public int column() {
        return keys.node.column();
    }

    /** Whether {@code key} is written (here or in the fallback), whatever its value. */
    public boolean has(String key) {
        return keys.has(key);
    }

    /** Whether a problem was reported for {@code key} already. */
    public boolean hasProblem(String key) {
        return keys.broken(key);
    }

    /** Reports {@code message} at {@code key}'s value, or at this mapping when the key is not written. */
    public void problem(String key, String message) {
        keys.problem(key, message);
    }

    /** Reports {@code message} for {@code key} at this mapping: for a key that is missing. */
    public void problemHere(String key, String message) {
        keys.problemHere(key, message);
    }

    /** Reports {@code message} at item {@code index} of the list under {@code key}. */
    public void problemItem(String key, int index, String message) {
        keys.problemItem(key, index, message);
    }

    /** Reports at this mapping under a key path of the caller's choosing (cross-section rules). */
    void problemAt(String keyPath, String message) {
        keys.reading.add(keys.node, keyPath, message);
    }

    private static boolean isNull(KeyTracker.Located l) {
        return l == null || (l.node() instanceof Scalar s && s.value() == null);
    }

    /** The mapping under {@code key}; empty when it is not written (or not a mapping, which is reported). */
    public ConfigSection section(String key) {
        KeyTracker.Located l = keys.get(key);
        if (isNull(l)) return empty(keys.node, keys.at(key), keys.reading);
        if (l.node() instanceof MapNode m) return new ConfigSection(m, l.path(), keys.reading);
        keys.typeProblem(l, "a mapping");
        return empty(keys.node, keys.at(key), keys.reading);
    }

    /** Each item of the list under {@code key} as a mapping; an item that is not one is reported and left out. */
    public List<ConfigSection> sections(String key) {
        KeyTracker.Located l = keys.get(key);
        List<ConfigSection> out = new ArrayList<>();
        List<Node> items = nodes(key);
        for (int i = 0; i < items.size(); i++) of(items.get(i), l.path() + "[" + i + "]", keys.reading).ifPresent(out::add);
        return out;
    }

    /** The items of the list under {@code key}, none when it is not written (or not a list, which is reported). */
    List<Node> nodes(String key) {
        KeyTracker.Located l = keys.get(key);
        if (isNull(l)) return List.of();
        if (l.node() instanceof ListNode ln) return ln.items();
        keys.typeProblem(l, "a list");
        return List.of();
    }

    private String stringOr(String key, String def) {
        KeyTracker.Located l = keys.get(key);
        if (isNull(l)) return def;
        if (l.node() instanceof Scalar s && !(s.value() instanceof Boolean)) return s.text();
        keys.typeProblem(l, "a string");
        return def;
    }

    /** A string (a number is taken as written); {@code def} when not written. */
    public String string(String key, String def) {
        return stringOr(key, java.util.Objects.requireNonNull(def, "def"));
    }

    /** A string that must be written and not empty. */
    public Optional<String> requiredString(String key) {
        KeyTracker.Located l = keys.get(key);
        if (l == null) {
            problemHere(key, "required");
            return Optional.empty();
        }
        String v = stringOr(key, null);
        if (v != null && v.isBlank()) {
            problem(key, "must not be empty");
            return Optional.empty();
        }
        if (v == null && !hasProblem(key)) problem(key, "required");
        return Optional.ofNullable(v);
    }

    /** One of {@code allowed}, which must be written. */
    public Optional<String> oneOf(String key, Set<String> allowed) {
        return Optional.ofNullable(oneOfOr(key, null, allowed));
    }

    /** One of {@code allowed}; {@code def} when not written or not allowed (which is reported). */
    public String oneOf(String key, String def, Set<String> allowed) {
        return oneOfOr(key, java.util.Objects.requireNonNull(def, "def"), allowed);
    }

    private String oneOfOr(String key, String def, Set<String> allowed) {
        KeyTracker.Located l = keys.get(key);
        List<String> sorted = allowed.stream().sorted().toList();
        if (l == null) {
            if (def == null) problemHere(key, "required, one of " + String.join(", ", sorted));
            return def;
        }
        String v = stringOr(key, def);
        if (v != null && !allowed.contains(v)) {
            problem(key, "must be " + ProviderKinds.alternatives(sorted) + ", got '" + v + "'");
            return def;
        }
        return v;
    }

    /** {@code true} or {@code false}; {@code def} when not written. */
    public boolean bool(String key, boolean def) {
        KeyTracker.Located l = keys.get(key);
        if (isNull(l)) return def;
        if (l.node() instanceof Scalar s && s.value() instanceof Boolean b) return b;
        keys.typeProblem(l, "true or false");
        return def;
    }

    /** A whole number that fits an {@code int}; {@code def} when not written. */
    public int integer(String key, int def) {
        KeyTracker.Located l = keys.get(key);
        if (l == null) return def;
        if (l.node() instanceof Scalar s && s.value() instanceof Long n && n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE) {
            return n.intValue();
        }
        keys.typeProblem(l, "a whole number");
        return def;
    }

    /** A size in bytes: {@code 65536}, {@code 64KiB}, {@code 1MiB}. */
    public long size(String key, long def) {
        KeyTracker.Located l = keys.get(key);
        if (isNull(l)) return def;
        if (l.node() instanceof Scalar s && (s.value() instanceof String || s.value() instanceof Long)) {
            try {
                return ByteSizes.parse(s.text());
            } catch (IllegalArgumentException | ArithmeticException e) {
                problem(key, e instanceof ArithmeticException ? "size out of range: '" + s.text() + "'" : e.getMessage());
                return def;
            }
        }
        keys.typeProblem(l, "a size like 65536, 64KiB or 1MiB");
        return def;
    }

    /** A duration: {@code 30s}, {@code 15m}, {@code 1h30m}; {@code 0} is zero. */
    public Duration duration(String key, Duration def) {
        KeyTracker.Located l = keys.get(key);
        if (isNull(l)) return def;
        if (l.node() instanceof Scalar s && (s.value() instanceof String || (s.value() instanceof Long n && n == 0))) {
            try {
                return Durations.parse(s.text());
            } catch (IllegalArgumentException e) {
                problem(key, e.getMessage());
                return def;
            }
        }
        keys.typeProblem(l, "a duration like 30s, 15m or 1h30m");
        return def;
    }

    /** A duration longer than 0. */
    public Duration positiveDuration(String key, Duration def) {
        Duration d = duration(key, def);
        if (!d.isPositive() && !hasProblem(key)) {
            problem(key, "must be longer than 0");
            return def;
        }
        return d;
    }

    /**
     * A file path, relative ones resolved against the config file's directory; {@code def} (resolved the
     * same way) when not written; empty when written as {@code ""} (or when {@code def} is empty).
     */
    public Optional<Path> path(String key, String def) {
        String v = stringOr(key, def);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(keys.reading.resolve(v));
    }

    /** A file path that must be written, resolved like {@link #path}. */
    public Optional<Path> requiredPath(String key) {
        return requiredString(key).map(keys.reading::resolve);
    }

    /** A list of strings; an item that is not one is reported and left out; none when not written. */
    public List<String> stringList(String key) {
        KeyTracker.Located l = keys.get(key);
        if (isNull(l)) return List.of();
        if (!(l.node() instanceof ListNode ln)) {
            keys.typeProblem(l, "a list of strings");
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ln.items().size(); i++) {
            Node n = ln.items().get(i);
            if (n instanceof Scalar s && s.value() instanceof String str) out.add(str);
            else keys.reading.add(n, l.path() + "[" + i + "]", "must be a string, got " + n.kind());
        }
        return out;
    }

    /** A mapping of names to strings (numbers as written); an entry that is not one is reported and left out. */
    public Map<String, String> stringMap(String key) {
        KeyTracker.Located l = keys.get(key);
        if (isNull(l)) return Map.of();
        if (!(l.node() instanceof MapNode m)) {
            keys.typeProblem(l, "a mapping of names to strings");
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (YamlTree.Entry e : m.entries().values()) {
            if (e.value() instanceof Scalar s && s.value() != null && !(s.value() instanceof Boolean)) out.put(e.key(), s.text());
            else keys.reading.add(e.line(), e.column(), l.path() + "." + e.key(), "must be a string, got " + e.value().kind());
        }
        return out;
    }

    /** Marks {@code key} as read without reading it. */
    void skip(String key) {
        keys.use(key);
    }

    /** The keys written here, in order. */
    List<String> keys() {
        return List.copyOf(keys.node.entries().keySet());
    }

    /** Reports, once, every key that nothing read (with the read key it is closest to, if one is close). */
    public void finish() {
        keys.finish(k -> "unknown key");
    }

    /** Like {@link #finish()}, with {@code message} for a key that nothing read and that is not close to one. */
    void finish(java.util.function.Function<String, String> message) {
        keys.finish(message);
    }
}
