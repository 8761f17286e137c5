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
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.StreamSourceConduit;

/**
 * Bounds one connection's request heads: sits under Undertow's parser on the connection's read side (above TLS)
 * and counts the bytes and lines of each head (request line and fields, up to the empty line). A read that would
 * take a head past the limit is not handed to the parser; the client gets {@code 431} and the connection is closed.
 * Undertow answers an over-long head only with {@code 400}, so its own bound is set above this one as a backstop.
 *
 * <p>Bytes after the head (bodies, upgraded protocols) pass through uncounted; counting starts again when the
 * exchange completes, including any bytes of the next request that Undertow already read ahead.
 *
 * <p>It also bounds how long a connection may take to start its first request, where Undertow's own timeouts do
 * not reach: from accept on a TLS connection (the handshake, and the time until the first head or HTTP/2 stream),
 * and on any connection from the first line of the HTTP/2 preface ({@code PRI * HTTP/2.0}) until the first
 * stream's header block is complete. For HTTP/2 it follows the frame headers until then (lengths and types only),
 * and lets every byte through untouched afterwards. A connection that has not started by then is closed.
 */
final class HeadLimit extends AbstractStreamSourceConduit<StreamSourceConduit> implements ExchangeCompletionListener {
    /** Undertow's own default field count; more fields than this is a head too large as well. */
    static final int MAX_FIELDS = 200;
    /** After answering 431, at most this much of the rest of the head is read and dropped before closing. */
    private static final int DRAIN_BYTES = 1 << 20;
    private static final long DRAIN_MILLIS = 2_000;
    private static final String TOO_LARGE = response();
    /** The first line of the HTTP/2 connection preface; the head it ends is followed by {@code SM\r\n\r\n}. */
    private static final byte[] PRI = "PRI * HTTP/2.0".getBytes(StandardCharsets.US_ASCII);
    private static final int PREFACE_REST = 6;
    private static final int FRAME_HEADER = 9;
    private static final int HEADERS = 0x1;
    private static final int CONTINUATION = 0x9;
    private static final int END_HEADERS = 0x4;

    /** Counting a head. */
    private static final int HEAD = 0;
    /** A body or an upgraded stream passes through, until the exchange completes. */
    private static final int BODY = 1;
    /** The rest of the HTTP/2 preface. */
    private static final int PREFACE = 2;
    /** HTTP/2 frames before the first complete header block. */
    private static final int FRAMES = 3;
    /** HTTP/2 after its first stream: everything passes through. */
    private static final int PASS = 4;

    private final StreamConnection connection;
    private final long maxBytes;
    private final long startMillis;
    private int mode = HEAD;
    private boolean upgraded;
    private long bytes;
    private int lines;
    /** Bytes on the current line, CR not counted; starts non-zero so a leading line end is not the head's end. */
    private int lineLength = 1;
    /** The head went past the limit; the answer may still be pending. */
    private boolean over;
    private boolean answered;
    /** Counting the connection's first head, which may be the HTTP/2 preface. */
    private boolean first = true;
    /** How much of the first line matched {@code PRI * HTTP/2.0}; -1 once it cannot. */
    private int pri;
    /** Bytes still to come: of the preface, or of the current frame's payload. */
    private long remaining;
    private int frameHeaderAt;
    private long frameLength;
    private int frameType;
    private int frameFlags;
    private volatile boolean started;
    /**
     * A head just ended: the parser's next suspend is skipped. Undertow suspends reads on every request it starts
     * (and resumes them when the exchange completes), which costs two {@code epoll_ctl} calls per request; left
     * resumed, a connection whose client sends nothing more during the request costs nothing, and one that does
     * wakes the read listener, which suspends then (that suspend, and every later one, goes through).
     */
    private boolean skipSuspend;
    private XnioExecutor.Key deadline;

    HeadLimit(StreamSourceConduit next, StreamConnection connection, long maxBytes, long startMillis) {
        super(next);
        this.connection = connection;
        this.maxBytes = maxBytes;
        this.startMillis = startMillis;
    }

    private static String response() {
        String body = "request header fields too large\n";
        return "HTTP/1.1 " + StatusCodes.REQUEST_HEADER_FIELDS_TOO_LARGE + " Request Header Fields Too Large\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body;
    }

    /**
     * Installs a limit under the connection's current read side (on the I/O thread that accepted it).
     *
     * @param startMillis how long the connection may take to start its first request, where Undertow does not bound it
     * @param fromAccept whether that time runs from now (TLS), or only from an HTTP/2 preface
     */
    static void install(StreamConnection c, long maxBytes, long startMillis, boolean fromAccept) {
        HeadLimit h = new HeadLimit(c.getSourceChannel().getConduit(), c, maxBytes, startMillis);
        c.getSourceChannel().setConduit(h);
        if (fromAccept) h.armDeadline();
    }

    /** The limit of the connection an exchange arrived on, or null for a connection without one. */
    static HeadLimit of(HttpServerExchange ex) {
        return ex.getConnection() instanceof HttpServerConnection c && c.getOriginalSourceConduit() instanceof HeadLimit h ? h : null;
    }

    /** Whether the head of the current request went past the limit (possible when it came read ahead). */
    boolean over() {
        return over;
    }

    private boolean passing() {
        return mode == BODY || mode == PASS;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (passing()) return next.read(dst);
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
        if (passing()) return next.read(dsts, offs, len);
        for (int i = offs; i < offs + len; i++) {
            if (dsts[i].hasRemaining()) return read(dsts[i]);
        }
        return 0;
    }

    @Override
    public long transferTo(long position, long count, FileChannel target) throws IOException {
        if (passing()) return next.transferTo(position, count, target);
        throw new IOException("transfer while reading a request head");
    }

    @Override
    public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) throws IOException {
        if (passing()) return next.transferTo(count, throughBuffer, target);
        // Undertow's parser and HTTP/2 frame reader read with read(); a transfer there is no path they take.
        throw new IOException("transfer while reading a request head");
    }

    @Override
    public void resumeReads() {
        skipSuspend = false;
        if (!answered) next.resumeReads();
    }

    @Override
    public void suspendReads() {
        if (skipSuspend) {
            skipSuspend = false;
            return;
        }
        next.suspendReads();
    }

    /** Follows {@code [from, to)} of {@code b}: head bytes counted, preface and frame headers followed. */
    private void scan(ByteBuffer b, int from, int to) {
        for (int i = from; i < to; i++) {
            switch (mode) {
                case HEAD -> {
                    if (!head(b.get(i))) return;
                }
                case PREFACE -> {
                    int skip = (int) Math.min(remaining, to - i);
                    i += skip - 1;
                    if ((remaining -= skip) == 0) mode = FRAMES;
                }
                case FRAMES -> {
                    if (frameHeaderAt < FRAME_HEADER) {
                        if (!frameHeader(b.get(i))) return;
                    } else {
                        int skip = (int) Math.min(remaining, to - i);
                        i += skip - 1;
                        if ((remaining -= skip) == 0) frameHeaderAt = 0;
                    }
                }
                default -> {
                    return;
                }
            }
        }
    }

    /** One head byte; false when counting stops (over the limit, or the head ended and a body follows). */
    private boolean head(byte c) {
        if (++bytes > maxBytes) {
            over = true;
            return false;
        }
        if (c == '\n') {
            if (lineLength == 0) return headEnded();
            lineLength = 0;
            if (++lines > MAX_FIELDS + 1) {
                over = true;
                return false;
            }
        } else if (c != '\r') {
            lineLength++;
            if (first && pri >= 0) pri = pri < PRI.length && c == PRI[pri] ? pri + 1 : -1;
        }
        return true;
    }

    /** The head is complete: an HTTP/1 request starts, or the HTTP/2 preface goes on. */
    private boolean headEnded() {
        boolean preface = first && pri == PRI.length && lines == 1;
        first = false;
        if (!preface) {
            mode = BODY;
            skipSuspend = true;
            start();
            return false;
        }
        mode = PREFACE;
        remaining = PREFACE_REST;
        if (deadline == null) armDeadline();
        return true;
    }

    /** One byte of a frame header; false once the first header block is complete. */
    private boolean frameHeader(byte c) {
        int at = frameHeaderAt++;
        if (at < 3) frameLength = frameLength << 8 | (c & 0xff);
        else if (at == 3) frameType = c & 0xff;
        else if (at == 4) frameFlags = c & 0xff;
        if (frameHeaderAt < FRAME_HEADER) return true;
        if ((frameType == HEADERS || frameType == CONTINUATION) && (frameFlags & END_HEADERS) != 0) {
            mode = PASS;
            start();
            return false;
        }
        remaining = frameLength;
        frameLength = 0;
        if (remaining == 0) frameHeaderAt = 0;
        return true;
    }

    private void armDeadline() {
        deadline = connection.getIoThread().executeAfter(() -> {
            if (!started) IoUtils.safeClose(connection);
        }, startMillis, TimeUnit.MILLISECONDS);
    }

    /** The first request has begun: Undertow's own timeouts take over. */
    private void start() {
        if (started) return;
        started = true;
        if (deadline != null) {
            deadline.remove();
            deadline = null;
        }
    }

    /** The exchange is done: the next bytes are a new head, some perhaps already read ahead by Undertow. */
    @Override
    public void exchangeEvent(HttpServerExchange ex, NextListener next) {
        try {
            if (ex.getStatusCode() == StatusCodes.SWITCHING_PROTOCOLS) {
                upgraded = true;
            } else if (!upgraded) {
                mode = HEAD;
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
