package dev.dormouse.core.spi;

import dev.dormouse.core.ConfigSection;
import dev.dormouse.core.ContainerRef;
import java.util.Optional;

/**
 * A provider kind, found through {@link java.util.ServiceLoader}: one per kind. It owns everything about
 * its kind: the syntax of its config section, the checks of that section, the syntax of its container ids,
 * and the providers it builds. Adding a kind touches nothing but its own module.
 *
 * <p>Its life: {@link #parse} reads one entry under {@code providers.<kind>:} and {@link #validate} checks
 * it, both for {@code dormouse validate} and before {@code serve} starts (the same code), without
 * contacting the backend; then {@link #create} builds an unstarted provider.
 */
public interface ProviderFactory {
    /** The kind this factory builds, the key under {@code providers:} and the first part of container references. */
    String kind();

    /**
     * The id part of this kind's container references, as messages show the syntax: {@code <name-or-id>}
     * makes {@code docker:<provider>/<name-or-id>}.
     */
    String containerSyntax();

    /**
     * Whether a bare container name ({@code container: whoami}) means a container of this kind's provider,
     * when exactly one provider of such a kind is configured; default false.
     */
    default boolean defaultForBareNames() {
        return false;
    }

    /**
     * Parses one entry under {@code providers.<kind>:}, {@code name} included; every problem is reported
     * through {@code section} with its line and column. The loader reports the keys nothing read as
     * unknown afterwards (keys of sub-sections opened with {@link ConfigSection#section} are reported by
     * their {@link ConfigSection#finish()}).
     *
     * @return the config, or empty when a problem makes it unusable (the problem is reported)
     */
    Optional<ProviderConfig> parse(ConfigSection section);

    /**
     * Checks what the text alone cannot tell, without contacting the backend: that the files the provider
     * will read exist and are readable, for instance. Problems are reported through {@code section} (the
     * one {@code config} was parsed from). Default: nothing to check.
     */
    default void validate(ProviderConfig config, ConfigSection section) {}

    /**
     * Checks the id part of a container reference of this kind, e.g. that a Docker name has no {@code /}.
     *
     * @param ref the reference, its provider configured; {@code ref.toString()} is the text as written
     * @throws IllegalArgumentException saying what is wrong, naming the reference
     */
    void checkContainer(ContainerRef ref);

    /**
     * Builds an unstarted provider from a config this factory parsed; nothing is contacted yet.
     *
     * @throws ProviderException naming what is wrong
     */
    Provider create(ProviderConfig config);
}
