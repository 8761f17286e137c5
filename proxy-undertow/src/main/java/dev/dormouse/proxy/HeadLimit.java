package dev.dormouse.proxy;

import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.util.StatusCodes;
import io.undertow.util.StringWriteChannelListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.StreamSourceConduit;

/**
 * Bounds one connection's request heads: sits under Undertow's parser on the connection's read side and counts
 * the bytes and lines of each head (request line and fields, up to the empty line). A read that would take a head
 * past the limit is not handed to the parser; the client gets {@code 431} and the connection is closed. Undertow
 * answers an over-long head only with {@code 400}, so its own bound is set above this one as a backstop.
 *
 * <p>Bytes after the head (bodies, upgraded protocols) pass through uncounted; counting starts again when the
 * exchange completes, including any bytes of the next request that Undertow already read ahead.
 */
final class HeadLimit extends AbstractStreamSourceConduit<StreamSourceConduit> implements ExchangeCompletionListener {
    /** Undertow's own default field count; more fields than this is a head too large as well. */
    static final int MAX_FIELDS = 200;
    /** After answering 431, at most this much of the rest of the head is read and dropped before closing. */
    private static final int DRAIN_BYTES = 1 << 20;
    private static final long DRAIN_MILLIS = 2_000;
    private static final String TOO_LARGE = response();

    private final StreamConnection connection;
    private final long maxBytes;
    /** Counting a head; false while a body or an upgraded stream passes through. */
    private boolean inHead = true;
    private boolean upgraded;
    private long bytes;
    private int lines;
    /** Bytes on the current line, CR not counted; starts non-zero so a leading line end is not the head's end. */
    private int lineLength = 1;
    /** The head went past the limit; the answer may still be pending. */
    private boolean over;
    private boolean answered;

    HeadLimit(StreamSourceConduit next, StreamConnection connection, long maxBytes) {
        super(next);
        this.connection = connection;
        this.maxBytes = maxBytes;
    }

    private static String response() {
        String body = "request header fields too large\n";
        return "HTTP/1.1 " + StatusCodes.REQUEST_HEADER_FIELDS_TOO_LARGE + " Request Header Fields Too Large\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body;
    }

    /** Installs a limit under the connection's current read side. */
    static void install(StreamConnection c, long maxBytes) {
        c.getSourceChannel().setConduit(new HeadLimit(c.getSourceChannel().getConduit(), c, maxBytes));
    }

    /** The limit of the connection an exchange arrived on, or null for a connection without one. */
    static HeadLimit of(HttpServerExchange ex) {
        return ex.getConnection() instanceof HttpServerConnection c && c.getOriginalSourceConduit() instanceof HeadLimit h ? h : null;
    }

    /** Whether the head of the current request went past the limit (possible when it came read ahead). */
    boolean over() {
        return over;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!inHead) return next.read(dst);
        if (over) {
            answer();
            return 0;
        }
        int start = dst.position();
        int n = next.read(dst);
        if (n <= 0) return n;
        scan(dst, start, start + n);
        if (over) {
            dst.position(start);
            answer();
            return 0;
        }
        return n;
    }

    @Override
    public long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
        if (!inHead) return next.read(dsts, offs, len);
        for (int i = offs; i < offs + len; i++) {
            if (dsts[i].hasRemaining()) return read(dsts[i]);
        }
        return 0;
    }

    @Override
    public long transferTo(long position, long count, FileChannel target) throws IOException {
        if (!inHead) return next.transferTo(position, count, target);
        throw new IOException("transfer while reading a request head");
    }

    @Override
    public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) throws IOException {
        if (!inHead) return next.transferTo(count, throughBuffer, target);
        // Undertow's parser reads heads with read(); a transfer inside a head is no path it takes.
        throw new IOException("transfer while reading a request head");
    }

    @Override
    public void resumeReads() {
        if (!answered) next.resumeReads();
    }

    /** Counts {@code [from, to)} of {@code b} as head bytes, up to the head's end. */
    private void scan(ByteBuffer b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (++bytes > maxBytes) {
                over = true;
                return;
            }
            byte c = b.get(i);
            if (c == '\n') {
                if (lineLength == 0) {
                    inHead = false;
                    return;
                }
                lineLength = 0;
                if (++lines > MAX_FIELDS + 1) {
                    over = true;
                    return;
                }
            } else if (c != '\r') {
                lineLength++;
            }
        }
    }

    /** The exchange is done: the next bytes are a new head, some perhaps already read ahead by Undertow. */
    @Override
    public void exchangeEvent(HttpServerExchange ex, NextListener next) {
        try {
            if (ex.getStatusCode() == StatusCodes.SWITCHING_PROTOCOLS) {
                upgraded = true;
            } else if (!upgraded) {
                inHead = true;
                bytes = 0;
                lines = 0;
                lineLength = 1;
                over = false;
                PooledByteBuffer ahead = ex.getConnection() instanceof HttpServerConnection c ? c.getExtraBytes() : null;
                if (ahead != null) {
                    ByteBuffer b = ahead.getBuffer();
                    scan(b, b.position(), b.limit());
                }
            }
        } finally {
            next.proceed();
        }
    }

    /** Once: after the parser's current call returns, answers 431, drops what follows for a while, and closes. */
    private void answer() {
        if (answered) return;
        answered = true;
        next.suspendReads();
        connection.getIoThread().execute(() -> {
            StreamSourceChannel source = connection.getSourceChannel();
            source.getReadSetter().set(null);
            new StringWriteChannelListener(TOO_LARGE, StandardCharsets.US_ASCII) {
                @Override
                protected void writeDone(StreamSinkChannel c) {
                    super.writeDone(c);
                    drainThenClose();
                }

                @Override
                protected void handleError(StreamSinkChannel c, IOException e) {
                    IoUtils.safeClose(connection);
                }
            }.setup(connection.getSinkChannel());
        });
    }

    /**
     * Closing with unread bytes makes the kernel send a reset, which can destroy the 431 before the client reads
     * it; so the rest of the head is read and dropped, within a byte and a time bound, before closing.
     */
    private void drainThenClose() {
        ByteBuffer scratch = ByteBuffer.allocate(8192);
        long[] drained = {0};
        connection.getIoThread().executeAfter(() -> IoUtils.safeClose(connection), DRAIN_MILLIS, TimeUnit.MILLISECONDS);
        connection.getSourceChannel().getReadSetter().set(ch -> {
            try {
                for (int n; (n = next.read(scratch.clear())) != 0; ) {
                    if (n < 0 || (drained[0] += n) > DRAIN_BYTES) {
                        IoUtils.safeClose(connection);
                        return;
                    }
                }
            } catch (IOException e) {
                IoUtils.safeClose(connection);
            }
        });
        next.resumeReads();
    }
}
