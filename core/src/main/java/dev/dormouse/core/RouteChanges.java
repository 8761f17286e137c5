package dev.dormouse.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What switching from one route set to another changes, by route name: a pure function, so a reload and a
 * batch of label events decide the same way which units to touch. A route equal to its running version is
 * left alone (its watcher keeps its state, timers and connections); a new or changed one is
 * {@linkplain #fresh() fresh} (registered as a runtime, given a new watcher and monitor); a removed or
 * changed one leaves its old version behind (unregistered, its monitor removed).
 *
 * @param added routes whose name was not in use, in the new set's order
 * @param changed routes whose name was in use with another definition, in the new set's order
 * @param removed names no longer in use, in the old set's order
 * @param fresh the added and changed routes, in the new set's order
 */
public record RouteChanges(List<String> added, List<String> changed, List<String> removed, List<RouteConfig> fresh) {
    public RouteChanges {
        added = List.copyOf(added);
        changed = List.copyOf(changed);
        removed = List.copyOf(removed);
        fresh = List.copyOf(fresh);
    }

    /** From {@code before} to {@code after}; route names are unique in each. */
    public static RouteChanges between(List<RouteConfig> before, List<RouteConfig> after) {
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(after, "after");
        Map<String, RouteConfig> old = new LinkedHashMap<>();
        before.forEach(r -> old.put(r.name(), r));
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<RouteConfig> fresh = new ArrayList<>();
        for (RouteConfig r : after) {
            RouteConfig o = old.remove(r.name());
            if (o == null) added.add(r.name());
            else if (!o.equals(r)) changed.add(r.name());
            else continue;
            fresh.add(r);
        }
        return new RouteChanges(added, changed, List.copyOf(old.keySet()), fresh);
    }

    /** Whether nothing changed. */
    public boolean none() {
        return added.isEmpty() && changed.isEmpty() && removed.isEmpty();
    }

    /** The names whose old version goes: the changed and the removed ones. */
    public List<String> replaced() {
        List<String> out = new ArrayList<>(changed);
        out.addAll(removed);
        return List.copyOf(out);
    }

    /** {@code added: a, b; changed: none; removed: c}, for the log line of a reload. */
    @Override
    public String toString() {
        return "added: " + names(added) + "; changed: " + names(changed) + "; removed: " + names(removed);
    }

    private static String names(List<String> names) {
        return names.isEmpty() ? "none" : String.join(", ", names);
    }
}
