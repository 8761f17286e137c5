package dev.dormouse.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The one listen address type: what it accepts, how it is shown, where it binds, what it clashes with. */
class ListenAddressTest {
    @Test
    void serverListenersAreHostColonPort() {
        String[][] cases = {
            // text, host, port, shown as
            {":8080", "", "8080", ":8080"},
            {"0.0.0.0:8080", "0.0.0.0", "8080", "0.0.0.0:8080"},
            {"127.0.0.1:0", "127.0.0.1", "0", "127.0.0.1:0"},
            {"localhost:9180", "localhost", "9180", "localhost:9180"},
            {"*:9180", "*", "9180", "*:9180"},
            {"[::1]:8080", "::1", "8080", "[::1]:8080"},
            {"[::]:9181", "::", "9181", "[::]:9181"},
            {"::1:8080", "::1", "8080", "[::1]:8080"},
            {"[fe80::1%eth0]:80", "fe80::1%eth0", "80", "[fe80::1%eth0]:80"},
        };
        for (String[] c : cases) {
            ListenAddress a = ListenAddress.parse(c[0]);
            assertEquals(new ListenAddress(Optional.empty(), c[1], Integer.parseInt(c[2])), a, c[0]);
            assertEquals(c[3], a.toString(), c[0]);
            assertEquals("tcp", a.transport(), c[0]);
        }
    }

    @Test
    void badServerListenersSayWhy() {
        String[][] cases = {
            {"8080", "must be [host]:port, got '8080'"},
            {"", "must be [host]:port, got ''"},
            {"h:x", "must be [host]:port with a numeric port, got 'h:x'"},
            {":99999", "port out of range, got ':99999'"},
            {":-1", "port out of range, got ':-1'"},
            {"a b:80", "must be [host]:port with a host name or IP address, got 'a b:80'"},
            {"[::1:80", "must be [host]:port, got '[::1:80'"},
            {"[zz::1]:80", "must be [host]:port with a host name or IP address, got '[zz::1]:80'"},
            {"1:2:3:4:5:6:7:8:9:80", "must be [host]:port with a host name or IP address, got '1:2:3:4:5:6:7:8:9:80'"},
            {"-bad-:80", "must be [host]:port with a host name or IP address, got '-bad-:80'"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(c[0]), c[0]);
            assertEquals(c[1], e.getMessage(), c[0]);
        }
    }

    @Test
    void streamListenersHaveAProtocolAndListenEverywhereWithoutAHost() {
        String[][] cases = {
            {"tcp://:22", "tcp://0.0.0.0:22"},
            {"tcp://22", "tcp://0.0.0.0:22"},
            {"udp://127.0.0.1:5353", "udp://127.0.0.1:5353"},
            {"udp://[::1]:53", "udp://[::1]:53"},
            {"tcp://::1:53", "tcp://[::1]:53"},
            {"tcp://[::ffff:10.0.0.1]:1", "tcp://[::ffff:10.0.0.1]:1"},
        };
        for (String[] c : cases) assertEquals(c[1], ListenAddress.parseStream(c[0]).toString(), c[0]);
        assertEquals("udp", ListenAddress.parseStream("udp://:53").transport());
        String[][] bad = {
            {"http://:1", "must be tcp://[host]:port or udp://[host]:port, got 'http://:1'"},
            {":22", "must be tcp://[host]:port or udp://[host]:port, got ':22'"},
            {"tcp://:ssh", "needs a numeric port, got 'tcp://:ssh'"},
            {"tcp://[::1]", "needs a numeric port, got 'tcp://[::1]'"},
            {"tcp://:0", "port out of range, got 'tcp://:0'"},
            {"udp://:65536", "port out of range, got 'udp://:65536'"},
            {"tcp://a b:1", "needs a host name or IP address, got 'tcp://a b:1'"},
        };
        for (String[] c : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ListenAddress.parseStream(c[0]), c[0]);
            assertEquals(c[1], e.getMessage(), c[0]);
        }
    }

    @Test
    void listenersClashOnProtocolAndPortWhateverTheirAddresses() {
        assertEquals("tcp/22", ListenAddress.parseStream("tcp://:22").clashKey());
        assertEquals(ListenAddress.parseStream("udp://:53").clashKey(), ListenAddress.parseStream("udp://127.0.0.1:53").clashKey());
        assertFalse(ListenAddress.parseStream("udp://:53").clashKey().equals(ListenAddress.parseStream("tcp://:53").clashKey()));
        assertEquals(ListenAddress.parse(":8080").clashKey(), ListenAddress.parseStream("tcp://127.0.0.1:8080").clashKey(), "HTTP is over TCP");
    }

    @Test
    void whereToBindAndWhereToConnect() {
        assertEquals(new InetSocketAddress("0.0.0.0", 8080), ListenAddress.parse(":8080").bindAddress());
        assertEquals(new InetSocketAddress("0.0.0.0", 8080), ListenAddress.parse("*:8080").bindAddress());
        assertEquals(new InetSocketAddress("::1", 53), ListenAddress.parseStream("udp://[::1]:53").bindAddress());
        assertEquals(new InetSocketAddress("0.0.0.0", 22), ListenAddress.parseStream("tcp://:22").bindAddress());
        for (String wildcard : List.of(":1", "*:1", "0.0.0.0:1", "[::]:1")) assertTrue(ListenAddress.parse(wildcard).wildcard(), wildcard);
        assertFalse(ListenAddress.parse("127.0.0.1:1").wildcard());
        assertEquals("127.0.0.1:9180", ListenAddress.parse(":9180").connectAuthority());
        assertEquals("127.0.0.1:9180", ListenAddress.parse("0.0.0.0:9180").connectAuthority());
        assertEquals("[::1]:9181", ListenAddress.parse("[::]:9181").connectAuthority());
        assertEquals("[fd00::5]:9180", ListenAddress.parse("[fd00::5]:9180").connectAuthority());
        assertEquals("localhost:9180", ListenAddress.parse("localhost:9180").connectAuthority());
        assertEquals(":43211", ListenAddress.parse(":0").withPort(43211).toString());
    }

    @Test
    void theRecordChecksWhatItHolds() {
        assertThrows(IllegalArgumentException.class, () -> new ListenAddress(Optional.empty(), "", 70000));
        assertThrows(IllegalArgumentException.class, () -> new ListenAddress(Optional.empty(), "a b", 1));
        assertThrows(NullPointerException.class, () -> new ListenAddress(null, "", 1));
    }
}
