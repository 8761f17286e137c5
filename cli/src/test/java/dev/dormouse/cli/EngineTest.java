package dev.dormouse.cli;

import dev.dormouse.provider.docker.testkit.TestDocker;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** A test of a real daemon against the real Docker engine: the engine is ready first; the daemon and every labelled container go after each test. */
abstract class EngineTest {
    @TempDir
    Path dir;
    Daemon daemon;

    @BeforeAll
    static void engine() {
        TestDocker.ensureEngine();
    }

    @AfterEach
    void cleanup() {
        if (daemon != null) daemon.close();
        TestDocker.removeAll();
    }
}
