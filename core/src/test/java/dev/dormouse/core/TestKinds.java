package dev.dormouse.core;

import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderConfig;
import dev.dormouse.core.spi.ProviderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Provider kinds for core's tests, which have no provider module: {@code box} (the default for bare
 * container names, ids without {@code /}, an optional {@code secret_file} that must exist) and {@code vm}
 * (ids {@code <host>/<n>}). They follow the SPI's contract and nothing more; the real kinds' sections are
 * tested in their own modules.
 */
final class TestKinds {
    static final ProviderKinds KINDS = ProviderKinds.of(List.of(new Box(), new Vm()));

    private TestKinds() {}

    record TestConfig(String kind, String name, boolean labels, Optional<Path> secretFile) implements ProviderConfig {
        public String endpoint() {
            return kind + "://" + name;
        }
    }

    static final class Box implements ProviderFactory {
        public String kind() {
            return "box";
        }

        public String containerSyntax() {
            return "<name>";
        }

        @Override
        public boolean defaultForBareNames() {
            return true;
        }

        public Optional<ProviderConfig> parse(ConfigSection s) {
            Optional<String> name = s.requiredString("name");
            boolean labels = s.bool("labels", false);
            Optional<Path> secret = s.path("secret_file", "");
            return name.map(n -> new TestConfig("box", n, labels, secret));
        }

        @Override
        public void validate(ProviderConfig config, ConfigSection section) {
            ((TestConfig) config).secretFile().filter(f -> !Files.isReadable(f)).ifPresent(f -> section.problem("secret_file", f + " cannot be read"));
        }

        public void checkContainer(ContainerRef ref) {
            if (ref.id().contains("/")) throw new IllegalArgumentException("not a box name: '" + ref.id() + "' in '" + ref + "'");
        }

        public Provider create(ProviderConfig config) {
            throw new UnsupportedOperationException("core's tests start no provider");
        }
    }

    static final class Vm implements ProviderFactory {
        public String kind() {
            return "vm";
        }

        public String containerSyntax() {
            return "<host>/<n>";
        }

        public Optional<ProviderConfig> parse(ConfigSection s) {
            return s.requiredString("name").map(n -> new TestConfig("vm", n, false, Optional.empty()));
        }

        public void checkContainer(ContainerRef ref) {
            if (!ref.id().matches("[a-z0-9]+/\\d+")) throw new IllegalArgumentException("must be vm:<provider>/<host>/<n>, got '" + ref + "'");
        }

        public Provider create(ProviderConfig config) {
            throw new UnsupportedOperationException("core's tests start no provider");
        }
    }
}
