package dev.dormouse.proxy;

import java.util.concurrent.atomic.LongAdder;

/** Counters of one stream route, for status and metrics. */
public final class StreamStats {
    final LongAdder connections = new LongAdder();
    final LongAdder open = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder bytesOut = new LongAdder();
    final LongAdder datagramsDropped = new LongAdder();

    /** TCP connections accepted, or UDP client sessions opened. */
    public long connections() {
        return connections.sum();
    }

    /** TCP connections open now. */
    public long open() {
        return open.sum();
    }

    /** Bytes from clients to the upstream. */
    public long bytesIn() {
        return bytesIn.sum();
    }

    /** Bytes from the upstream to clients. */
    public long bytesOut() {
        return bytesOut.sum();
    }

    /** UDP datagrams dropped: queue full during a wake, or the wake failed. */
    public long datagramsDropped() {
        return datagramsDropped.sum();
    }
}
