package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Commands run in-process against a {@link FakeAdminServer} with a token file; no output may ever show the token. */
abstract class FakeDaemonTest {
    @TempDir
    Path dir;
    FakeAdminServer server;
    Path tokenFile;

    record Result(int code, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }
    }

    /** The fake daemon's token. */
    abstract String token();

    @BeforeEach
    void startServer() throws Exception {
        server = new FakeAdminServer(token());
        tokenFile = dir.resolve("admin.token");
        Files.writeString(tokenFile, token() + "\n");
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    /** Runs {@code dormouse ARGS} with the environment {@code env}. */
    Result exec(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err), Fixtures.env(env));
        Result r = new Result(code, out.toString(), err.toString());
        assertFalse(r.out.contains(token()) || r.err.contains(token()), "the token was printed: " + r);
        return r;
    }

    /** {@code args} with {@code --admin} and {@code --token-file} of the fake daemon. */
    String[] admin(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--admin", server.url(), "--token-file", tokenFile.toString()));
        return a.toArray(String[]::new);
    }
}
