package dev.dormouse.core;

import dev.dormouse.core.spi.ProviderFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The provider kinds a build of dormouse has: one {@link ProviderFactory} per kind. Two factories of one
 * kind are not a choice to make silently: {@link #problems()} names both classes, and the config loader
 * reports that as a problem of every config, so neither {@code validate} nor {@code serve} goes on.
 */
public final class ProviderKinds {
    private final Map<String, ProviderFactory> byKind;
    /** Each kind offered by more than one factory, and the problem naming them. */
    private final Map<String, String> duplicates;

    private ProviderKinds(Map<String, ProviderFactory> byKind, Map<String, String> duplicates) {
        this.byKind = Collections.unmodifiableMap(byKind);
        this.duplicates = Collections.unmodifiableMap(duplicates);
    }

    /** The kinds of {@code factories}; a kind offered twice is a {@link #problems() problem}, and neither factory is used. */
    public static ProviderKinds of(Iterable<? extends ProviderFactory> factories) {
        Map<String, List<ProviderFactory>> found = new TreeMap<>();
        for (ProviderFactory f : factories) found.computeIfAbsent(f.kind(), k -> new ArrayList<>()).add(f);
        Map<String, ProviderFactory> byKind = new LinkedHashMap<>();
        Map<String, String> duplicates = new LinkedHashMap<>();
        found.forEach((kind, fs) -> {
            if (fs.size() == 1) {
                byKind.put(kind, fs.get(0));
            } else {
                List<String> names = fs.stream().map(f -> f.getClass().getName()).sorted().toList();
                duplicates.put(kind, "provider kind '" + kind + "' is offered by " + fs.size() + " factories: " + String.join(" and ", names)
                        + "; remove all but one from the module path");
            }
        });
        return new ProviderKinds(byKind, duplicates);
    }

    /** The factories on the module path (or class path) of this process, found through {@link ServiceLoader}. */
    public static ProviderKinds installed() {
        return of(ServiceLoader.load(ProviderFactory.class));
    }

    /** The factory of {@code kind}, empty when this build has none (or has two). */
    public Optional<ProviderFactory> factory(String kind) {
        return Optional.ofNullable(byKind.get(kind));
    }

    /** The kinds with one factory, sorted. */
    public SortedSet<String> kinds() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(byKind.keySet()));
    }

    /** The kinds offered by more than one factory, each naming the factories' classes. */
    public List<String> problems() {
        return List.copyOf(duplicates.values());
    }

    /** Whether {@code kind} is offered by more than one factory. */
    boolean duplicated(String kind) {
        return duplicates.containsKey(kind);
    }

    /** The factories, by kind, sorted by kind. */
    Map<String, ProviderFactory> factories() {
        return byKind;
    }

    /** {@code a}, {@code a or b}, {@code a, b or c}: how messages list alternatives. */
    static String alternatives(List<String> items) {
        if (items.size() <= 1) return String.join("", items);
        return String.join(", ", items.subList(0, items.size() - 1)) + " or " + items.get(items.size() - 1);
    }
}
