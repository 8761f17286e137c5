package dev.dormouse.cli;

import dev.dormouse.core.ConfigException;
import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.ConfigProblem;
import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.ListenAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options every admin command shares, and how they find the daemon: {@code --admin URL} with
 * {@code --token-file FILE} (or {@code DORMOUSE_ADMIN} and {@code DORMOUSE_TOKEN_FILE}); whatever is not
 * given comes from the config file, as {@code serve} reads it ({@code server.admin}, and
 * {@code <data_dir>/admin.token}).
 */
final class AdminOptions {
    static final String ENV_ADMIN = "DORMOUSE_ADMIN";
    static final String ENV_TOKEN_FILE = "DORMOUSE_TOKEN_FILE";
    static final String TOKEN_FILE_NAME = "admin.token";

    @Option(names = "--admin", paramLabel = "URL",
            description = "Admin API of the daemon, e.g. http://127.0.0.1:9180 (env " + ENV_ADMIN + "; default: server.admin of --config).")
    String admin;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "File holding the admin token (env " + ENV_TOKEN_FILE + "; default: <data_dir>/admin.token of --config).")
    Path tokenFile;

    @CommandLine.Mixin
    ConfigOption config;

    @Option(names = "--json", description = "Print the API's JSON for scripts instead of a table.")
    boolean json;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    /** Where the daemon is and where its token is kept; {@code config} is present when it was read. */
    record Target(URI base, Path tokenFile, Optional<DormouseConfig> config) {}

    CliEnv env() {
        return mixee != null && mixee.root().userObject() instanceof Main m ? m.env() : CliEnv.system();
    }

    /** Resolves the daemon's address and token file; failures are {@link CliException}s with one-line reasons. */
    Target target() {
        CliEnv env = env();
        Optional<String> url = Optional.ofNullable(admin).or(() -> env.get(ENV_ADMIN));
        Optional<Path> token = Optional.ofNullable(tokenFile).or(() -> env.get(ENV_TOKEN_FILE).map(Path::of));
        boolean configGiven = mixee != null && mixee.commandLine() != null && mixee.commandLine().getParseResult() != null
                && mixee.commandLine().getParseResult().hasMatchedOption("--config");
        Optional<DormouseConfig> cfg = url.isEmpty() || token.isEmpty() || configGiven ? Optional.of(loadConfig()) : Optional.empty();
        URI base = url.map(AdminOptions::adminUrl).orElseGet(() -> fromConfig(cfg.orElseThrow()));
        Path tf = token.orElseGet(() -> {
            Path dataDir = cfg.orElseThrow().server().dataDir();
            if (dataDir == null) {
                throw new CliException(CliException.FAILED, "server.data_dir is empty in " + config.file
                        + ", so the admin token cannot be found; pass --token-file FILE");
            }
            return dataDir.resolve(TOKEN_FILE_NAME);
        });
        return new Target(base, tf, cfg);
    }

    /** A client of the daemon; the token is read now (exit code 4 when it cannot be). */
    AdminClient connect() {
        Target t = target();
        return new AdminClient(t.base(), t.tokenFile());
    }

    private DormouseConfig loadConfig() {
        Path f = config.file;
        if (!Files.exists(f)) {
            throw new CliException(CliException.FAILED, "no config file " + f
                    + " to find the daemon from; pass --config FILE, or --admin URL and --token-file FILE");
        }
        try {
            return ConfigLoader.load(f);
        } catch (ConfigException e) {
            List<ConfigProblem> problems = e.problems();
            String more = problems.size() > 1 ? " (and " + (problems.size() - 1) + " more; see `dormouse validate`)" : "";
            throw new CliException(CliException.FAILED, "cannot find the daemon from the config: "
                    + (problems.isEmpty() ? e.getMessage() : problems.get(0).toString()) + more, e);
        }
    }

    private URI fromConfig(DormouseConfig cfg) {
        String listen = cfg.server().admin();
        if (listen.isEmpty()) {
            throw new CliException(CliException.UNREACHABLE, "the admin API is disabled in " + config.file
                    + " (server.admin is \"\"); set it, e.g. \"127.0.0.1:9180\", and restart the daemon");
        }
        return connectTo(listen);
    }

    /** {@code --admin}: an http(s) URL, or a listen address like {@code 127.0.0.1:9180} or {@code :9180}. */
    static URI adminUrl(String text) {
        String s = text.strip();
        if (!s.contains("://")) {
            try {
                ListenAddress.parse(s);
            } catch (IllegalArgumentException e) {
                throw new CliException(CliException.USAGE, "--admin: expected http://HOST:PORT or HOST:PORT, got '" + text + "'");
            }
            return connectTo(s);
        }
        try {
            URI u = new URI(s);
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
                    || u.getRawQuery() != null || u.getRawFragment() != null) {
                throw new URISyntaxException(s, "not an http URL");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new CliException(CliException.USAGE, "--admin: expected http://HOST:PORT or HOST:PORT, got '" + text + "'");
        }
    }

    /**
     * Where to connect for a listen address: a wildcard host ({@code :9180}, {@code 0.0.0.0:9180}) means the
     * loopback address of the same family ({@code [::]:9180} means {@code [::1]}).
     */
    static URI connectTo(String listen) {
        return connectTo(ListenAddress.parse(listen));
    }

    static URI connectTo(ListenAddress listen) {
        return URI.create("http://" + listen.connectAuthority());
    }
}
