package dev.dormouse.experiment;

import dev.dormouse.core.ConfigSection;
import dev.dormouse.core.ContainerRef;
import dev.dormouse.core.spi.Provider;
import dev.dormouse.core.spi.ProviderConfig;
import dev.dormouse.core.spi.ProviderFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A provider kind made up in a test, {@code memory}: its containers live in this process, named in an
 * inventory file. It is here to show what adding a kind takes: this factory, its config record, its
 * provider and one line in {@code META-INF/services}; no file of dormouse changes.
 *
 * <pre>
 * providers:
 *   memory:
 *     - name: lab
 *       inventory_file: lab.txt   # one container a line: a name, then its labels as key=value
 *       labels: true              # its containers' dormouse.* labels declare routes
 *       start_delay: 50ms         # how long a start takes
 * routes:
 *   - {name: web, hosts: [web.test], target: "http://:8080", container: "memory:lab/web"}
 * </pre>
 */
public final class MemoryProviderFactory implements ProviderFactory {
    static final String KIND = "memory";
    private static final Pattern NAME = Pattern.compile("[a-z0-9-]+");

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public String containerSyntax() {
        return "<name>";
    }

    @Override
    public Optional<ProviderConfig> parse(ConfigSection s) {
        Optional<String> name = s.requiredString("name");
        Optional<Path> inventory = s.requiredPath("inventory_file");
        boolean labels = s.bool("labels", false);
        Duration delay = s.duration("start_delay", Duration.ZERO);
        if (delay.compareTo(Duration.ofSeconds(10)) > 0) s.problem("start_delay", "must be at most 10s, got " + delay);
        if (name.isEmpty() || inventory.isEmpty()) return Optional.empty();
        return Optional.of(new MemoryConfig(name.get(), inventory.get(), labels, delay));
    }

    /** The inventory can be read and names at least one container, each well formed; nothing is started. */
    @Override
    public void validate(ProviderConfig config, ConfigSection section) {
        Path f = ((MemoryConfig) config).inventoryFile();
        try {
            if (inventory(f).isEmpty()) section.problem("inventory_file", f + " names no container");
        } catch (NoSuchFileException e) {
            section.problem("inventory_file", f + " does not exist");
        } catch (IOException e) {
            section.problem("inventory_file", "cannot read " + f + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            section.problem("inventory_file", f + ": " + e.getMessage());
        }
    }

    @Override
    public void checkContainer(ContainerRef ref) {
        if (!NAME.matcher(ref.id()).matches()) {
            throw new IllegalArgumentException("must be memory:<provider>/<name> with a-z, 0-9 and '-', got '" + ref + "'");
        }
    }

    @Override
    public Provider create(ProviderConfig config) {
        MemoryConfig c = (MemoryConfig) config;
        try {
            return new MemoryProvider(c, inventory(c.inventoryFile()));
        } catch (IOException e) {
            throw new dev.dormouse.core.spi.ProviderException(dev.dormouse.core.spi.ProviderException.Reason.FAILED,
                    "memory " + c.name() + ": read " + c.inventoryFile() + ": " + e.getMessage(), e);
        }
    }

    /** Each container of the inventory with its labels, in order. */
    static Map<String, Map<String, String>> inventory(Path f) throws IOException {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(f);
        for (int i = 0; i < lines.size(); i++) {
            String[] words = lines.get(i).strip().split("\\s+");
            if (words[0].isEmpty() || words[0].startsWith("#")) continue;
            if (!NAME.matcher(words[0]).matches()) throw new IllegalArgumentException("line " + (i + 1) + ": not a container name: '" + words[0] + "'");
            Map<String, String> labels = new LinkedHashMap<>();
            for (int w = 1; w < words.length; w++) {
                int eq = words[w].indexOf('=');
                if (eq <= 0) throw new IllegalArgumentException("line " + (i + 1) + ": a label is key=value, got '" + words[w] + "'");
                labels.put(words[w].substring(0, eq), words[w].substring(eq + 1));
            }
            out.put(words[0], Map.copyOf(labels));
        }
        return out;
    }
}
