package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.DormouseConfig;
import java.io.StringReader;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class AdminOptionsTest {
    @ParameterizedTest
    @CsvSource({
            "127.0.0.1:9180, http://127.0.0.1:9180",
            ":9180, http://127.0.0.1:9180",
            "0.0.0.0:9180, http://127.0.0.1:9180",
            "[::]:9181, http://[::1]:9181",
            "[::1]:9180, http://[::1]:9180",
            "10.0.0.5:9180, http://10.0.0.5:9180",
            "localhost:9180, http://localhost:9180"})
    void aListenAddressBecomesWhereToConnect(String listen, String url) {
        assertEquals(URI.create(url), AdminOptions.connectTo(listen));
        assertEquals(URI.create(url), AdminOptions.adminUrl(listen));
    }

    @Test
    void anAdminUrlIsTakenAsItIs() {
        assertEquals(URI.create("http://10.1.2.3:9180"), AdminOptions.adminUrl("http://10.1.2.3:9180"));
        assertEquals(URI.create("https://admin.lan/dormouse"), AdminOptions.adminUrl("https://admin.lan/dormouse"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://x:1", "http://", "9180", "host:port", "http://h:1/?q=1", "http:// bad"})
    void aBadAdminUrlIsAUsageError(String text) {
        CliException e = assertThrows(CliException.class, () -> AdminOptions.adminUrl(text));
        assertEquals(CliException.USAGE, e.exitCode());
        assertEquals("--admin: expected http://HOST:PORT or HOST:PORT, got '" + text + "'", e.getMessage());
    }

    @Test
    void unreachableReasonsAreShort() {
        java.net.ConnectException refused = new java.net.ConnectException();
        refused.initCause(new java.net.ConnectException("Connection refused"));
        assertEquals("connection refused", AdminClient.reason(refused));
        java.net.ConnectException unresolved = new java.net.ConnectException();
        unresolved.initCause(new java.nio.channels.UnresolvedAddressException());
        assertEquals("unknown host", AdminClient.reason(unresolved));
        assertEquals("no connection within 2s", AdminClient.reason(new java.net.http.HttpConnectTimeoutException("HTTP connect timed out")));
        assertEquals("connection reset", AdminClient.reason(new java.io.IOException("connection reset")));
    }

    @Test
    void wakeWaitsForTheRoutesWakeTimeoutPlusAMargin() {
        DormouseConfig cfg = ConfigLoader.parse(new StringReader("""
                providers:
                  docker: [{name: local}]
                defaults:
                  idlewatcher: {wake_timeout: 20s}
                routes:
                  - name: slow
                    hosts: [slow.lan]
                    target: http://127.0.0.1:8081
                    container: slow
                    idlewatcher: {wake_timeout: 2m}
                """), "test.yml", Path.of("."), Path.of("test.yml"));
        assertEquals(Duration.ofSeconds(125), WakeCommand.defaultTimeout(Optional.of(cfg), "slow"));
        assertEquals(Duration.ofSeconds(25), WakeCommand.defaultTimeout(Optional.of(cfg), "from-labels"));
        assertEquals(Duration.ofSeconds(65), WakeCommand.defaultTimeout(Optional.empty(), "slow"));
    }
}
