package dev.dormouse.core;

import java.time.Duration;

/**
 * A tcp or udp route's {@code stream:} block: bounds on what clients can open.
 *
 * @param maxConnections TCP connections relayed at once; beyond it a new connection is closed at once;
 *     optional, default 1024
 * @param idleTimeout a TCP connection or UDP session with no traffic either way for this long is closed;
 *     optional, default {@code 1h}
 * @param udpMaxSessions UDP client sessions (one upstream socket each) at once; beyond it the session
 *     idle longest is closed for the new one; optional, default 1024
 */
public record StreamConfig(int maxConnections, Duration idleTimeout, int udpMaxSessions) {
    public static final StreamConfig DEFAULT = new StreamConfig(1024, Duration.ofHours(1), 1024);

    public StreamConfig {
        if (maxConnections < 1) throw new IllegalArgumentException("maxConnections must be >= 1, got " + maxConnections);
        if (udpMaxSessions < 1) throw new IllegalArgumentException("udpMaxSessions must be >= 1, got " + udpMaxSessions);
        if (idleTimeout == null || !idleTimeout.isPositive()) throw new IllegalArgumentException("idleTimeout must be > 0, got " + idleTimeout);
    }
}
