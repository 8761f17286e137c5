package dev.dormouse.core;

import dev.dormouse.core.spi.ProviderConfig;
import dev.dormouse.core.spi.ProviderFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code providers:} section, each entry read and checked by its kind's factory, and the container
 * references of routes, whose id part each kind checks. Core knows no kind by name: a kind is what a
 * {@link ProviderFactory} of this build says it is.
 */
final class ProviderSections {
    private final ProviderKinds kinds;

    ProviderSections(ProviderKinds kinds) {
        this.kinds = kinds;
    }

    /**
     * Reads {@code providers.<kind>: [...]} for every kind of this build, in the order of their names; a
     * key that is no kind of this build is reported, as is a name used twice within a kind.
     */
    List<ProviderConfig> read(ConfigSection providers, Reading reading) {
        kinds.problems().forEach(p -> reading.add(0, 0, "providers", p));
        List<ProviderConfig> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String kind : providers.keys()) {
            if (kinds.duplicated(kind)) providers.skip(kind); // reported above, not as unknown too
        }
        kinds.factories().forEach((kind, factory) -> {
            for (ConfigSection s : providers.sections(kind)) {
                int before = reading.count();
                factory.parse(s).ifPresent(c -> {
                    // The files of an entry with problems are not looked at: its values may not be the ones meant.
                    if (reading.count() == before) factory.validate(c, s);
                    if (!seen.add(c.key())) s.problem("name", "duplicate provider name '" + c.name() + "'");
                    out.add(c);
                });
                s.finish();
            }
        });
        providers.finish(key -> "this build of dormouse has no " + key + " provider (available: " + String.join(", ", kinds.kinds()) + ")");
        return out;
    }

    /**
     * Parses a route's {@code container}: {@code <kind>:<provider>/<id>}, or a bare id when exactly one
     * provider of a kind that is the default for bare names ({@link ProviderFactory#defaultForBareNames()})
     * is configured.
     *
     * @throws IllegalArgumentException saying what is wrong with {@code text}
     */
    ContainerRef container(String text, List<ProviderConfig> providers) {
        int colon = text.indexOf(':');
        if (colon < 0) return bare(text, providers);
        String kind = text.substring(0, colon);
        String rest = text.substring(colon + 1);
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw new IllegalArgumentException("must be " + syntax(List.copyOf(kinds.kinds())) + ", got '" + text + "'");
        }
        ProviderFactory f = kinds.factory(kind).orElseThrow(() -> new IllegalArgumentException("unknown provider kind '" + kind + "' in '"
                + text + "' (" + (kinds.kinds().isEmpty() ? "this build has none" : ProviderKinds.alternatives(List.copyOf(kinds.kinds()))) + ")"));
        ContainerRef ref = new ContainerRef(kind, rest.substring(0, slash), rest.substring(slash + 1));
        f.checkContainer(ref);
        if (providers.stream().noneMatch(p -> p.kind().equals(kind) && p.name().equals(ref.provider()))) {
            throw new IllegalArgumentException("no " + kind + " provider named '" + ref.provider() + "' (in '" + text + "')");
        }
        return ref;
    }

    private ContainerRef bare(String text, List<ProviderConfig> providers) {
        List<String> bareKinds = kinds.factories().entrySet().stream().filter(e -> e.getValue().defaultForBareNames()).map(e -> e.getKey()).toList();
        List<ProviderConfig> candidates = providers.stream().filter(p -> bareKinds.contains(p.kind())).toList();
        if (candidates.size() != 1) {
            throw new IllegalArgumentException("'" + text + "' names no provider; write " + syntax(bareKinds.isEmpty() ? List.copyOf(kinds.kinds()) : bareKinds)
                    + (bareKinds.isEmpty() ? "" : " (" + candidates.size() + " " + ProviderKinds.alternatives(bareKinds) + " providers are configured)"));
        }
        if (text.isEmpty()) throw new IllegalArgumentException("not a container name: ''");
        ProviderConfig p = candidates.get(0);
        ContainerRef ref = new ContainerRef(p.kind(), p.name(), text);
        kinds.factory(p.kind()).orElseThrow().checkContainer(ref);
        return ref;
    }

    /** How references of {@code kinds} are written: {@code docker:<provider>/<name-or-id> or proxmox:<provider>/<node>/<vmid>}. */
    private String syntax(List<String> of) {
        if (of.isEmpty()) return "<kind>:<provider>/<id>";
        return ProviderKinds.alternatives(of.stream().map(k -> k + ":<provider>/" + kinds.factory(k).orElseThrow().containerSyntax()).toList());
    }
}
