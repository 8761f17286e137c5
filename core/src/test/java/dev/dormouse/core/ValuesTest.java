package dev.dormouse.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The small value types parsed from config text: sizes, address blocks, user-agent filters. */
class ValuesTest {
    @Test
    void sizes() {
        assertEquals(65536, ByteSizes.parse("65536"));
        assertEquals(65536, ByteSizes.parse("64KiB"));
        assertEquals(65536, ByteSizes.parse("64k"));
        assertEquals(65536, ByteSizes.parse("64 KB"));
        assertEquals(1 << 20, ByteSizes.parse("1MiB"));
        assertEquals("64KiB", ByteSizes.format(65536));
        assertEquals("1MiB", ByteSizes.format(1 << 20));
        assertEquals("1000", ByteSizes.format(1000));
        for (String bad : List.of("", "KiB", "-1", "1.5MiB", "12 parsecs")) {
            assertThrows(IllegalArgumentException.class, () -> ByteSizes.parse(bad), bad);
        }
        assertThrows(ArithmeticException.class, () -> ByteSizes.parse("999999999999999GiB"));
    }

    @Test
    void addressBlocks() throws Exception {
        Cidr lan = Cidr.parse("192.168.0.0/16");
        assertTrue(lan.contains(InetAddress.getByName("192.168.44.7")));
        assertFalse(lan.contains(InetAddress.getByName("192.169.0.1")));
        assertTrue(lan.contains(InetAddress.getByName("::ffff:192.168.1.1")), "IPv4-mapped IPv6");
        assertFalse(lan.contains(InetAddress.getByName("::1")));
        Cidr odd = Cidr.parse("10.0.0.0/13");
        assertTrue(odd.contains(InetAddress.getByName("10.7.255.255")));
        assertFalse(odd.contains(InetAddress.getByName("10.8.0.0")));
        assertTrue(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("8.8.8.8")));
        Cidr one = Cidr.parse("127.0.0.1");
        assertEquals("127.0.0.1/32", one.toString());
        assertTrue(one.contains(InetAddress.getByName("127.0.0.1")));
        assertFalse(one.contains(InetAddress.getByName("127.0.0.2")));
        assertTrue(Cidr.parse("fd00::/8").contains(InetAddress.getByName("fdab::1")));
        assertEquals(Cidr.parse("::1"), Cidr.parse("0:0:0:0:0:0:0:1/128"));
        for (String bad : List.of("", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/33", "::/129", "example.com", "10.0.0.1/8", "1.2.3.4.5")) {
            assertThrows(IllegalArgumentException.class, () -> Cidr.parse(bad), bad);
        }
    }

    @Test
    void userAgentFiltersMatchAnywhereAndCompareBySource() {
        UserAgentFilter f = UserAgentFilter.of(List.of("(?i)uptime-kuma", "^curl/"));
        assertTrue(f.matches("Uptime-Kuma/1.23"));
        assertTrue(f.matches("curl/8.1"));
        assertFalse(f.matches("Mozilla/5.0 curl/8.1"));
        assertFalse(f.matches(null));
        assertFalse(UserAgentFilter.NONE.matches("anything"));
        assertEquals(f, UserAgentFilter.of(List.of("(?i)uptime-kuma", "^curl/")));
        assertThrows(IllegalArgumentException.class, () -> UserAgentFilter.of(List.of("(a)\\1")));
        assertThrows(IllegalArgumentException.class, () -> UserAgentFilter.of(List.of("foo(?=bar)")));
    }

    @Test
    void aHostileUserAgentIsMatchedInLinearTime() {
        // With java.util.regex, find() of .*bot.* on 300 KB without "bot" backtracks quadratically: minutes.
        UserAgentFilter f = UserAgentFilter.of(List.of(".*bot.*", "(a+)+$"));
        String hostile = "a".repeat(300_000) + "!";
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            for (int i = 0; i < 3; i++) assertFalse(f.matches(hostile));
        });
        assertTrue(f.matches("a".repeat(300_000) + "bot"));
    }
}
