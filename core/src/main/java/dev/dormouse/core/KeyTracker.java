package dev.dormouse.core;

import dev.dormouse.core.YamlTree.Entry;
import dev.dormouse.core.YamlTree.ListNode;
import dev.dormouse.core.YamlTree.MapNode;
import dev.dormouse.core.YamlTree.Node;
import dev.dormouse.core.YamlTree.Scalar;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;

/**
 * The bookkeeping of one mapping being read, under {@link ConfigSection}: which keys were read and which
 * had problems, where a key's value is (here or in the fallback mapping), how a problem is reported there,
 * and which keys nothing read.
 */
final class KeyTracker {
    final MapNode node;
    final String path;
    final Reading reading;
    private final Set<String> used = new HashSet<>();
    private final Set<String> broken = new HashSet<>();
    KeyTracker fallback;
    private boolean finished;

    /** A key's value and its key path, in the mapping that has it. */
    record Located(Node node, String path, KeyTracker owner) {}

    KeyTracker(MapNode node, String path, Reading reading) {
        this.node = node;
        this.path = path;
        this.reading = reading;
    }

    String at(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    boolean has(String key) {
        return node.entries().containsKey(key) || (fallback != null && fallback.has(key));
    }

    boolean broken(String key) {
        return broken.contains(key);
    }

    void use(String key) {
        used.add(key);
    }

    /** The entry for key, own first, then the fallback's; marks it used. Null when neither has it. */
    Located get(String key) {
        used.add(key);
        Entry e = node.entries().get(key);
        if (e != null) return new Located(e.value(), at(key), this);
        if (fallback != null) return fallback.get(key);
        return null;
    }

    private Located locate(String key) {
        Entry e = node.entries().get(key);
        if (e != null) return new Located(e.value(), at(key), this);
        return fallback == null ? null : fallback.locate(key);
    }

    void problem(String key, String message) {
        broken.add(key);
        Located l = locate(key);
        if (l == null) reading.add(node, at(key), message);
        else reading.add(l.node, l.path, message);
    }

    void problemHere(String key, String message) {
        broken.add(key);
        reading.add(node, at(key), message);
    }

    void problemItem(String key, int index, String message) {
        Located l = locate(key);
        Node n = l != null && l.node instanceof ListNode ln && index < ln.items().size() ? ln.items().get(index) : node;
        reading.add(n, (l == null ? at(key) : l.path) + "[" + index + "]", message);
    }

    void typeProblem(Located l, String expected) {
        l.owner.broken.add(l.path.substring(l.path.lastIndexOf('.') + 1));
        reading.add(l.node, l.path, "must be " + expected + ", got " + l.node.kind()
                + (l.node instanceof Scalar s && s.value() != null ? " '" + s.text() + "'" : ""));
    }

    /**
     * Reports, once, every key that nothing read: {@code unknown key} with the read key it is closest to,
     * or {@code message} of the key when none is close.
     */
    void finish(Function<String, String> message) {
        if (finished) return;
        finished = true;
        for (Entry e : node.entries().values()) {
            if (used.contains(e.key())) continue;
            String s = suggest(e.key());
            reading.add(e.line(), e.column(), at(e.key()), s.isEmpty() ? message.apply(e.key()) : "unknown key" + s);
        }
    }

    private String suggest(String key) {
        String best = null;
        int bestDist = 3;
        for (String k : used) {
            int d = distance(key, k);
            if (d < bestDist) {
                bestDist = d;
                best = k;
            }
        }
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
