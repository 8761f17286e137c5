package dev.dormouse.proxy;

import java.util.concurrent.atomic.LongAdder;

/** Counters of one stream listener, for status; every change is also counted in the route's metrics. */
public final class StreamStats {
    private final LongAdder connections = new LongAdder();
    private final LongAdder open = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder datagramsDropped = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder sessions = new LongAdder();
    private final LongAdder evicted = new LongAdder();
    private final LongAdder idleClosed = new LongAdder();
    private final ProxyMetrics.StreamRoute metrics;

    StreamStats(ProxyMetrics.StreamRoute metrics) {
        this.metrics = metrics;
    }

    /** A TCP connection was accepted or a UDP client session opened. */
    void accepted() {
        connections.increment();
        metrics.connections.inc();
    }

    /** A TCP connection is open from now on. */
    void opened() {
        open.increment();
        metrics.open.increment();
    }

    /** The matching end of {@link #opened()}. */
    void closed() {
        open.decrement();
        metrics.open.decrement();
    }

    /** A UDP session is open from now on (counted in the route's open connections, not in {@link #open()}). */
    void sessionOpened() {
        sessions.increment();
        metrics.open.increment();
    }

    void sessionClosed() {
        sessions.decrement();
        metrics.open.decrement();
    }

    /** A TCP connection beyond {@code stream.max_connections} was closed at once. */
    void refused() {
        refused.increment();
        metrics.refused.inc();
    }

    /** A UDP session was closed to make room for a new client ({@code stream.udp_max_sessions}). */
    void evicted() {
        evicted.increment();
        metrics.evicted.inc();
    }

    /** A TCP connection or UDP session was closed after {@code stream.idle_timeout} without traffic. */
    void idleClosed() {
        idleClosed.increment();
        metrics.idle.inc();
    }

    void in(long n) {
        bytesIn.add(n);
        metrics.bytesIn.inc(n);
    }

    void out(long n) {
        bytesOut.add(n);
        metrics.bytesOut.inc(n);
    }

    void dropped() {
        datagramsDropped.increment();
        metrics.dropped.inc();
    }

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

    /** TCP connections closed at once because {@code stream.max_connections} were open. */
    public long connectionsRefused() {
        return refused.sum();
    }

    /** UDP client sessions open now. */
    public long sessions() {
        return sessions.sum();
    }

    /** UDP sessions closed to make room for a new client, the one idle longest first. */
    public long sessionsEvicted() {
        return evicted.sum();
    }

    /** TCP connections and UDP sessions closed after {@code stream.idle_timeout} without traffic. */
    public long closedIdle() {
        return idleClosed.sum();
    }
}
