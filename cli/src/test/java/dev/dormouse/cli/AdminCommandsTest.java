package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dormouse.admin.AdminBackend;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.rtmanager.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The admin commands against the real admin server over {@link Fixtures#daemon}: what a user sees, and exit codes. */
class AdminCommandsTest extends DaemonTest {
    static final String TOKEN = "tok-3f9a1c_SECRET-b64url";

    @Override
    String token() {
        return TOKEN;
    }

    Result run(Map<String, String> env, String... args) {
        return exec(env, args);
    }

    Result run(String... args) {
        return exec(Map.of(), args);
    }

    static void assertOneLineError(Result r, int code, String message) {
        assertEquals(code, r.code(), r.toString());
        assertEquals("dormouse: " + message + System.lineSeparator(), r.err(), r.toString());
    }

    // ------------------------------------------------------------------ tables and --json

    @Test
    void routesPrintsAnAlignedTableWithDashesForEmptyValues() {
        Result r = run(admin("routes"));
        assertEquals(0, r.code(), r.toString());
        assertEquals("", r.err());
        assertEquals(List.of(
                "NAME       KIND  STATE    HEALTH   IDLE   HOSTS                                    TARGET                 PROVIDER      CONTAINER  CERTIFICATE                    LAST ERROR",
                "whoami     http  napping  napping  15m    whoami.example.com,*.whoami.example.com  http://127.0.0.1:8081  docker:local  whoami     acme, 89d left; acme, pending  "
                        + "certificate whoami.example.com: tls acme: order for 'whoami.example.com': connection refused",
                "db         http  ready    healthy  30m    db.internal                              http://127.0.0.1:5433  docker:local  postgres   -                              -",
                "minecraft  tcp   error    -        1h     tcp://0.0.0.0:25565                      tcp://127.0.0.1:25566  docker:local  minecraft  -                              container exited with code 1",
                "static     http  -        healthy  never  static.example.com                       http://127.0.0.1:9000  -             -          file, expired                  -",
                "grab       http  error    -        never  grab.whoami.example.com                  http://:8080           docker:local  grab       -                              "
                        + "host 'grab.whoami.example.com' is covered by route 'whoami' (*.whoami.example.com)"),
                r.outLines());
    }

    @Test
    void jsonPrintsTheApiDocumentPretty() throws Exception {
        Result r = run(admin("routes", "--json"));
        assertEquals(0, r.code(), r.toString());
        assertEquals(api("/api/v1/routes"), Output.MAPPER.readTree(r.out()));
        assertTrue(r.outLines().size() > 10, "pretty-printed over many lines: " + r.out());
    }

    @Test
    void providersShowTheirConnectionAndTheirRoutes() throws Exception {
        Result r = run(admin("providers"));
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of(
                "PROVIDER      ENDPOINT                     ROUTES  CONNECTED  LAST EVENT  LAST ERROR",
                "docker:local  unix:///var/run/docker.sock  3       yes        5m ago      -",
                "docker:far    tcp://10.0.0.2:2376          1       no         -           docker far: events: TLS handshake with tcp://10.0.0.2:2376 failed: "
                        + "Received fatal alert: bad_certificate"),
                r.outLines());
        assertEquals(api("/api/v1/providers"), Output.MAPPER.readTree(run(admin("providers", "--json")).out()));
    }

    @Test
    void runtimesShowTimesRelativeToNow() throws Exception {
        Result r = run(admin("runtimes"));
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of(
                "RUNTIME  PROVIDER      CONTAINER  ID            IMAGE         STATUS   SINCE   LAST OP  RETENTION",
                "db       docker:local  postgres   9a8b7c6d5e4f  postgres:16   running  3m ago  3m ago   -",
                "whoami   docker:local  whoami     4f1c2d3e4f5a  busybox:test  stopped  3h ago  3h ago   7d"),
                r.outLines());
        assertEquals(api("/api/v1/runtimes"), Output.MAPPER.readTree(run(admin("runtimes", "--json")).out()));
    }

    @Test
    void opsPassesRuntimeAndLimitAndShowsLocalShortTimes() throws Exception {
        Result r = run(admin("ops", "--limit", "5"));
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of(
                "TIME          RUNTIME  OP     SOURCE        OUTCOME  DURATION  CONTAINER     ERROR",
                "04:05:06      whoami   stop   idle_timeout  success  1.4s      4f1c2d3e4f5a  -",
                "Dec 01 23:59  db       start  dependency    failure  40ms      9a8b7c6d5e4f  conflict: 409 conflict: container is paused",
                "Nov 28 09:00  whoami   start  wake_request  success  112ms     4f1c2d3e4f5a  -"),
                r.outLines());

        Result whoami = run(admin("ops", "--runtime", "whoami", "--limit", "1"));
        assertEquals(List.of(
                "TIME      RUNTIME  OP    SOURCE        OUTCOME  DURATION  CONTAINER     ERROR",
                "04:05:06  whoami   stop  idle_timeout  success  1.4s      4f1c2d3e4f5a  -"), whoami.outLines());
        assertEquals(List.of("operations * 5", "operations whoami 1"), backend.asked);

        Result json = run(admin("ops", "--runtime", "whoami", "--limit", "5", "--json"));
        JsonNode doc = Output.MAPPER.readTree(json.out());
        assertEquals(api("/api/v1/operations?runtime=whoami&limit=5"), doc);
        assertEquals(2, doc.get("operations").size(), doc.toString());
    }

    @Test
    void aLimitOutOfRangeIsAUsageErrorAndSendsNothing() {
        Result r = run(admin("ops", "--limit", "0"));
        assertOneLineError(r, 2, "--limit must be between 1 and 1000, got 0 (see 'dormouse ops --help')");
        Result e = run(admin("events", "--limit", "1001"));
        assertOneLineError(e, 2, "--limit must be between 1 and 1000, got 1001 (see 'dormouse events --help')");
        assertEquals(List.of(), backend.asked);
    }

    @Test
    void usageErrorsAreOneLineWithExitCode2() {
        Result r = run(admin("wake"));
        assertOneLineError(r, 2, "Missing required parameter: 'NAME' (see 'dormouse wake --help')");
        Result unknown = run(admin("routes", "--colour"));
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().startsWith("dormouse: Unknown option: '--colour'"), unknown.err());
        assertEquals(1, unknown.err().lines().count(), unknown.err());
        Result badUrl = run("routes", "--admin", "ftp://x", "--token-file", tokenFile.toString());
        assertOneLineError(badUrl, 2, "--admin: expected http://HOST:PORT or HOST:PORT, got 'ftp://x'");
    }

    @Test
    void everyCommandHasHelp() {
        Result r = run("wake", "--help");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("Usage: dormouse wake "), r.out());
        for (String option : List.of("--timeout", "--admin", "--token-file", "--config", "--json", "DORMOUSE_ADMIN")) {
            assertTrue(r.out().contains(option), option + " missing from: " + r.out());
        }
        Result top = run("--help");
        assertTrue(top.out().contains("3   the daemon is not reachable"), top.out());
    }

    // ------------------------------------------------------------------ failures and exit codes

    @Test
    void anApiErrorPrintsItsMessageAndExits1() {
        assertOneLineError(run(admin("sleep", "nope")), 1, "no route named 'nope'");
        assertOneLineError(run(admin("sleep", "static")), 1, "sleep route 'static': it has no container, so it is always proxied");
    }

    @Test
    void aRefusedTokenExits4NamingTheFileNotTheToken() throws Exception {
        Files.writeString(tokenFile, "an-old-token-value\n");
        Result r = run(admin("routes"));
        assertOneLineError(r, 4, "the admin token was refused (token file " + tokenFile + ")");
        assertFalse(r.err().contains("an-old-token-value"), r.err());
    }

    @Test
    void aMissingTokenFileExits4WithItsPathAndSendsNothing() {
        Path missing = dir.resolve("nowhere/admin.token");
        Result r = run("runtimes", "--admin", url(), "--token-file", missing.toString());
        assertEquals(4, r.code(), r.toString());
        assertTrue(r.err().startsWith("dormouse: no admin token: the token file " + missing + " does not exist"), r.err());
        assertEquals(1, r.err().lines().count());
        assertEquals(List.of(), backend.asked);
    }

    @Test
    void aDaemonThatIsDownExits3() throws Exception {
        int port = deadPort();
        Result r = run("routes", "--admin", "http://127.0.0.1:" + port, "--token-file", tokenFile.toString());
        assertOneLineError(r, 3, "the daemon is not reachable at http://127.0.0.1:" + port
                + " (connection refused); is `dormouse serve` running?");
    }

    @Test
    void reloadShowsTheRouteCountOrTheRefusal() {
        Result ok = run(admin("reload"));
        assertEquals(0, ok.code(), ok.toString());
        assertEquals("reloaded the config: 4 routes" + System.lineSeparator(), ok.out());

        backend.reload = new AdminBackend.Reload.Refused(
                "/etc/dormouse/dormouse.yml:7:20: routes[0].idlewatcher.stop_method: must be pause, stop or kill, got 'halt'");
        assertOneLineError(run(admin("reload")), 1,
                "/etc/dormouse/dormouse.yml:7:20: routes[0].idlewatcher.stop_method: must be pause, stop or kill, got 'halt'");
        backend.reload = new AdminBackend.Reload.Unavailable("the config was not read from a file");
        assertOneLineError(run(admin("reload")), 1, "the config was not read from a file");
        assertEquals(List.of("reload", "reload", "reload"), backend.asked);
    }

    @Test
    void sleepPrintsTheNewState() throws Exception {
        backend.watcherOf("whoami").state = RouteState.READY;
        Result r = run(admin("sleep", "whoami"));
        assertEquals(0, r.code(), r.toString());
        assertEquals("whoami is napping" + System.lineSeparator(), r.out());
        assertEquals(RouteState.NAPPING, backend.watcherOf("whoami").state);
        Result json = run(admin("sleep", "whoami", "--json"));
        JsonNode printed = Output.MAPPER.readTree(json.out());
        assertEquals(api("/api/v1/routes/whoami"), printed);
        assertEquals("napping", printed.get("state").asText());

        backend.watcherOf("whoami").sleepFailure = new IllegalStateException("docker local: stop container 'whoami': 500 server error");
        assertOneLineError(run(admin("sleep", "whoami")), 1, "docker local: stop container 'whoami': 500 server error");
    }

    // ------------------------------------------------------------------ finding the daemon

    @Test
    void theConfigGivesTheAdminAddressAndTheTokenFileInItsDataDir() throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        Files.writeString(state.resolve("admin.token"), TOKEN);
        Path cfg = dir.resolve("dormouse.yml");
        Files.writeString(cfg, """
                server:
                  admin: ":%d"
                  data_dir: ./state
                """.formatted(server.port()));
        Result r = run("runtimes", "--config", cfg.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("RUNTIME "), r.out());
        assertEquals(List.of("runtimes"), backend.asked, "the token in the data dir was accepted");

        Files.delete(state.resolve("admin.token"));
        Result noToken = run("routes", "-c", cfg.toString());
        assertEquals(4, noToken.code(), noToken.toString());
        assertTrue(noToken.err().contains(state.resolve("admin.token").toString()), noToken.err());
    }

    @Test
    void aConfigWithTheAdminApiDisabledSaysSo() throws Exception {
        Path cfg = dir.resolve("dormouse.yml");
        Files.writeString(cfg, "server:\n  admin: \"\"\n");
        assertOneLineError(run("routes", "--config", cfg.toString()), 3, "the admin API is disabled in " + cfg
                + " (server.admin is \"\"); set it, e.g. \"127.0.0.1:9180\", and restart the daemon");
    }

    @Test
    void aMissingOrInvalidConfigIsNamed() throws Exception {
        Path none = dir.resolve("none.yml");
        assertOneLineError(run("routes", "--config", none.toString()), 1, "no config file " + none
                + " to find the daemon from; pass --config FILE, or --admin URL and --token-file FILE");
        Path bad = dir.resolve("bad.yml");
        Files.writeString(bad, "server:\n  admin: nonsense\n");
        Result r = run("routes", "--config", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("dormouse: cannot find the daemon from the config: " + bad + ":2:"), r.err());
    }

    @Test
    void theEnvironmentVariablesStandInForTheOptions() throws Exception {
        Map<String, String> env = Map.of("DORMOUSE_ADMIN", "127.0.0.1:" + server.port(), "DORMOUSE_TOKEN_FILE", tokenFile.toString());
        Result ok = run(env, "runtimes", "--json");
        assertEquals(0, ok.code(), ok.toString());
        assertEquals(api("/api/v1/runtimes"), Output.MAPPER.readTree(ok.out()));

        Path other = dir.resolve("other.token");
        Files.writeString(other, "other-token");
        backend.asked.clear();
        Result option = run(env, "runtimes", "--token-file", other.toString());
        assertOneLineError(option, 4, "the admin token was refused (token file " + other + ")");
        assertEquals(List.of(), backend.asked, "the option wins over the variable: its token was sent, and refused");
    }

    // ------------------------------------------------------------------ cleanup

    @Test
    void cleanupDryRunListsTheCandidatesAndChangesNothing() throws Exception {
        Result r = run(admin("cleanup", "--dry-run"));
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of(
                "RUNTIME  CONTAINER  ID            IMAGE         STOPPED  RETENTION",
                "whoami   whoami     4f1c2d3e4f5a  busybox:test  11d ago  7d"), r.outLines());
        assertEquals(List.of("plan"), backend.asked, "only the plan, no cleanup pass");

        backend.candidates = List.of();
        assertEquals("nothing to remove: no stopped container is past its retention" + System.lineSeparator(),
                run(admin("cleanup", "--dry-run")).out());
        Result json = run(admin("cleanup", "--dry-run", "--json"));
        assertEquals(Output.MAPPER.readTree("{\"candidates\":[]}"), Output.MAPPER.readTree(json.out()));
        assertEquals(List.of("plan", "plan", "plan"), backend.asked);
    }

    @Test
    void cleanupRunsAPassAndPrintsItsOperations() {
        Result r = run(admin("cleanup"));
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of(
                "TIME      RUNTIME  OP      SOURCE    OUTCOME  DURATION  CONTAINER     ERROR",
                "04:09:59  whoami   remove  auto_ttl  success  250ms     4f1c2d3e4f5a  -"), r.outLines());
        assertEquals(List.of("cleanup"), backend.asked);

        backend.cleanupOps = List.of(Fixtures.removal(Outcome.FAILURE, "conflict", "409 conflict: container is running"));
        Result failed = run(admin("cleanup"));
        assertOneLineError(failed, 1, "1 of 1 removals did not succeed (see `dormouse ops`)");
        assertTrue(failed.out().contains("failure") && failed.out().contains("conflict: 409 conflict: container is running"), failed.out());
    }

    // ------------------------------------------------------------------ events (history)

    @Test
    void eventsMergesOperationsAndHealthEventsByTimeOldestFirst() throws Exception {
        Result r = run(admin("events"));
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of(
                "TIME          ROUTE   EVENT              DETAIL",
                "Nov 28 09:00  whoami  start              wake_request success in 112ms",
                "Dec 01 23:59  db      start              dependency failure in 40ms: conflict: 409 conflict: container is paused",
                "00:00:01      db      inspect_unhealthy  restart_count=2 state=running health=unhealthy container=9a8b7c6d5e4f",
                "04:05:07      whoami  stop               idle_timeout success in 1.4s",
                "04:05:07      whoami  container_exited   exit_code=0 oom=false container=4f1c2d3e4f5a"), r.outLines());
        assertEquals(List.of("operations * 20", "health-events * 20"), backend.asked);

        Result limited = run(admin("events", "--route", "whoami", "--limit", "2"));
        assertEquals(List.of(
                "TIME      ROUTE   EVENT             DETAIL",
                "04:05:07  whoami  stop              idle_timeout success in 1.4s",
                "04:05:07  whoami  container_exited  exit_code=0 oom=false container=4f1c2d3e4f5a"), limited.outLines(), "the last two");
        assertEquals(List.of("operations whoami 2", "health-events whoami 2"), backend.asked.subList(2, 4));

        Result json = run(admin("events", "--json"));
        JsonNode doc = Output.MAPPER.readTree(json.out());
        assertEquals(api("/api/v1/operations?limit=20").get("operations"), doc.get("operations"));
        assertEquals(api("/api/v1/health-events?limit=20").get("health_events"), doc.get("health_events"));
    }

    // ------------------------------------------------------------------ completion

    @Test
    void completionPrintsABashScriptWithTheCommands() {
        Result r = run("completion");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("local commands=\"serve validate doctor routes providers wake sleep runtimes ops events cleanup reload version completion help\""),
                "the script completes every command");
        assertTrue(r.out().contains("complete -F"), "a bash completion function is registered");
        assertTrue(r.out().contains("--dry-run") && r.out().contains("--follow"), "options complete too");
        assertTrue(run("completion", "zsh").out().contains("bashcompinit"), "zsh loads it through bashcompinit");
        Result fish = run("completion", "fish");
        assertEquals(2, fish.code(), fish.toString());
    }
}
