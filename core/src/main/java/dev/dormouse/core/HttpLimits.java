package dev.dormouse.core;

import java.time.Duration;

/**
 * The {@code server.limits:} block: what one client can make the HTTP listeners hold.
 *
 * @param maxHeaderBytes the request line and headers together; beyond it the answer is {@code 431};
 *     optional, default {@code 64KiB}
 * @param headerTimeout from a request's first byte to the end of its head; then the connection is closed;
 *     optional, default {@code 30s}
 * @param maxConnections HTTP connections open at once; beyond it new ones wait in the listen backlog (or are
 *     refused by the kernel when it is full); optional, default 10000
 */
public record HttpLimits(long maxHeaderBytes, Duration headerTimeout, int maxConnections) {
    public static final HttpLimits DEFAULT = new HttpLimits(64 * 1024, Duration.ofSeconds(30), 10_000);
    public static final long MIN_HEADER_BYTES = 1024;
    public static final long MAX_HEADER_BYTES = 16 * 1024 * 1024;

    public HttpLimits {
        if (maxHeaderBytes < MIN_HEADER_BYTES || maxHeaderBytes > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("maxHeaderBytes must be 1KiB to 16MiB, got " + maxHeaderBytes);
        }
        if (headerTimeout == null || !headerTimeout.isPositive()) throw new IllegalArgumentException("headerTimeout must be > 0, got " + headerTimeout);
        if (maxConnections < 1) throw new IllegalArgumentException("maxConnections must be >= 1, got " + maxConnections);
    }
}
