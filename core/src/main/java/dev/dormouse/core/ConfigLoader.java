package dev.dormouse.core;

import dev.dormouse.core.spi.ProviderConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads and validates a config file completely: every problem is collected, each with file:line:column
 * and key path, and reported together in one {@link ConfigException}. Each provider's section is read and
 * checked (without contacting anything) by its kind's factory. {@code dormouse validate} and
 * {@code serve} both load through here.
 *
 * <p>Who reads what: {@link YamlTree} the text, {@link ConfigSection} each mapping, {@link SettingsReader}
 * server, tls, runtime and notifications, {@link ProviderSections} the providers and container references,
 * {@link RouteReader} and {@link BlockReader} each route, {@link FileRoutes} the rules between routes.
 */
public final class ConfigLoader {
    private ConfigLoader() {}

    /** Loads {@code path} with the provider kinds of this process ({@link ProviderKinds#installed()}). */
    public static DormouseConfig load(Path path) {
        return load(path, ProviderKinds.installed());
    }

    /** Loads {@code path}; throws {@link ConfigException} listing every problem. */
    public static DormouseConfig load(Path path, ProviderKinds kinds) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigProblem(path.toString(), 0, 0, "",
                    "read config: " + e.getClass().getSimpleName() + ": " + e.getMessage())));
        }
        Path abs = path.toAbsolutePath().normalize();
        return parse(new StringReader(text), path.toString(), abs.getParent() == null ? abs : abs.getParent(), path, kinds);
    }

    /** Parses config text with the provider kinds of this process ({@link ProviderKinds#installed()}). */
    public static DormouseConfig parse(Reader text, String file, Path baseDir, Path source) {
        return parse(text, file, baseDir, source, ProviderKinds.installed());
    }

    /** Parses config text; {@code file} names it in problems and relative paths resolve against {@code baseDir}. */
    public static DormouseConfig parse(Reader text, String file, Path baseDir, Path source, ProviderKinds kinds) {
        Reading reading = new Reading(file, baseDir);
        YamlTree.Node root = YamlTree.parse(text, file, reading.sink());
        Optional<DormouseConfig> cfg = root == null ? Optional.empty()
                : ConfigSection.of(root, "", reading).map(top -> build(top, source, kinds, reading));
        if (!reading.clean()) throw new ConfigException(reading.problems());
        return cfg.orElseThrow();
    }

    private static DormouseConfig build(ConfigSection top, Path source, ProviderKinds kinds, Reading reading) {
        ServerConfig server = SettingsReader.server(top.section("server"));
        TlsConfig tls = SettingsReader.tls(top.section("tls"));
        if (!server.https().isEmpty() && !tls.hasSource()) {
            top.problemAt("server.https", "needs tls.certificates or tls.acme");
        }

        ProviderSections providerSections = new ProviderSections(kinds);
        List<ProviderConfig> providers = providerSections.read(top.section("providers"), reading);

        ConfigSection defaults = top.section("defaults");
        ConfigSection defIdle = defaults.section("idlewatcher");
        ConfigSection defHealth = defaults.section("healthcheck");
        defaults.finish();
        IdleConfig defaultIdle = BlockReader.idle(defIdle);
        HealthcheckConfig defaultHealth = BlockReader.healthcheck(defHealth);
        defIdle.finish();
        defHealth.finish();

        List<NotificationConfig> notifications = SettingsReader.notifications(top);
        RuntimeConfig runtime = SettingsReader.runtime(top.section("runtime"));

        FileRoutes routes = FileRoutes.read(top, new RouteReader(providerSections, providers, defIdle, defHealth), reading);
        top.finish();
        routes.check();
        return new DormouseConfig(source, server, tls, providers, notifications, runtime, routes.routes(), defaultIdle, defaultHealth);
    }
}
