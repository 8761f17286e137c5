package dev.dormouse.proxy;

import dev.dormouse.core.HttpLimits;
import io.undertow.UndertowOptions;
import io.undertow.connector.ByteBufferPool;
import io.undertow.protocols.http2.Http2Channel;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.HttpHandler;
import io.undertow.server.protocol.http.AlpnOpenListener;
import io.undertow.server.protocol.http.HttpOpenListener;
import io.undertow.server.protocol.http2.Http2OpenListener;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;
import org.xnio.ssl.SslConnection;

/**
 * One of the proxy's listeners, assembled from Undertow's HTTP/1.1 and HTTP/2 connection handling on an XNIO
 * server socket (what {@code Undertow.builder()} does, plus the bounds it cannot express). The plain listener
 * speaks HTTP/1.1 and HTTP/2 with prior knowledge (h2c); the TLS listener HTTP/2 and HTTP/1.1 by ALPN. Both
 * hold every connection to the same bounds:
 * <ul>
 *   <li>every connection reads its HTTP/1.1 heads through a {@link HeadLimit}, so a head past
 *       {@code max_header_bytes} is answered {@code 431} and closed; on HTTP/2 the header list is bounded by
 *       {@code SETTINGS_MAX_HEADER_LIST_SIZE} = {@code max_header_bytes} (a larger block ends the connection
 *       with a protocol error), and fields by the same count as HTTP/1.1;</li>
 *   <li>{@code header_timeout} is Undertow's parse timeout (armed at the first read of a head that does not
 *       complete it, never pushed back by later bytes) and its no-request timeout (a connection that sends
 *       nothing, new or idle between requests; on HTTP/2, a connection without open streams). It also bounds,
 *       from accept, the TLS handshake and the first request of a TLS connection, and from the h2c preface's
 *       first line, the rest of the preface and the first stream ({@link HeadLimit});</li>
 *   <li>HTTP/2 streams: at most {@link #H2_MAX_STREAMS} open per connection, advertised in SETTINGS and
 *       enforced by the router (Undertow only advertises it); no server push; Undertow's bound on reset floods
 *       (200 RST_STREAM frames per 30 s);</li>
 *   <li>{@code max_connections} is XNIO's connection high water, per listener: at the limit the listener stops
 *       accepting, so new connections wait in the kernel's backlog (or are refused by the kernel when it is
 *       full), and accepting resumes as connections close. XNIO splits the limit evenly over the I/O threads (at
 *       least one each). An accept that fails (EMFILE) suspends accepting on that thread for 250 ms, growing
 *       fourfold per failure to 30 s, instead of retrying at once.</li>
 * </ul>
 */
final class HttpListener implements AutoCloseable {
    private static final int BUFFER_SIZE = 16 * 1024 - 20;
    private static final int BACKLOG = 1024;
    private static final long STOP_MILLIS = 5_000;
    /** HTTP/2 streams open at once on one connection (RFC 9113 recommends no fewer than 100). */
    static final int H2_MAX_STREAMS = 100;

    static {
        // Undertow caps every HTTP/2 header list at this JVM-wide value (default 20000 bytes) below its own options;
        // raised to the largest max_header_bytes allowed, so that the listener's option decides.
        if (System.getProperty(Http2Channel.HTTP2_MAX_HEADER_SIZE_PROPERTY) == null) {
            System.setProperty(Http2Channel.HTTP2_MAX_HEADER_SIZE_PROPERTY, Long.toString(HttpLimits.MAX_HEADER_BYTES));
        }
    }

    private final AcceptingChannel<? extends StreamConnection> server;
    /** The TLS listener's handshake work, or null. */
    private final ExecutorService handshakes;

    private HttpListener(AcceptingChannel<? extends StreamConnection> server, ExecutorService handshakes) {
        this.server = server;
        this.handshakes = handshakes;
    }

    /** The I/O threads the listeners share. */
    static XnioWorker worker(int ioThreads, String action) {
        try {
            return Xnio.getInstance(HttpOpenListener.class.getClassLoader()).createWorker(OptionMap.builder()
                    .set(Options.WORKER_NAME, "dormouse-http")
                    .set(Options.WORKER_IO_THREADS, ioThreads)
                    .set(Options.WORKER_TASK_CORE_THREADS, Math.max(2, ioThreads))
                    .set(Options.WORKER_TASK_MAX_THREADS, Math.max(2, ioThreads))
                    .set(Options.TCP_NODELAY, true)
                    .set(Options.CORK, true)
                    .getMap());
        } catch (IOException e) {
            throw new ProxyException(action + ": start I/O threads: " + e.getMessage(), e);
        }
    }

    /** Stops the shared I/O threads, closing every connection, within a bound. */
    static void stop(XnioWorker worker) {
        worker.shutdown();
        try {
            if (!worker.awaitTermination(STOP_MILLIS, TimeUnit.MILLISECONDS)) worker.shutdownNow();
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Binds the plain listener (HTTP/1.1, h2c with prior knowledge) and starts accepting.
     *
     * @throws ProxyException reading {@code action: address already in use} (or the cause) when it cannot bind
     */
    static HttpListener plain(XnioWorker worker, InetSocketAddress address, HttpLimits limits, HttpHandler root, String action) {
        OptionMap options = undertowOptions(limits);
        ByteBufferPool pool = new BufferPool(true, BUFFER_SIZE);
        HttpOpenListener open = new HttpOpenListener(pool, options);
        open.setRootHandler(root);
        long maxHead = limits.maxHeaderBytes();
        long timeout = limits.headerTimeout().toMillis();
        ChannelListener<StreamConnection> limited = c -> {
            HeadLimit.install(c, maxHead, timeout, false);
            open.handleEvent(c);
        };
        try {
            AcceptingChannel<StreamConnection> server = worker.createStreamConnectionServer(address, ChannelListeners.openListenerAdapter(limited),
                    socketOptions(worker, limits));
            server.resumeAccepts();
            return new HttpListener(server, null);
        } catch (IOException | RuntimeException e) {
            throw bindFailed(action, e);
        }
    }

    /**
     * Binds the TLS listener (HTTP/2 and HTTP/1.1 by ALPN) with the server context and starts accepting.
     *
     * @throws ProxyException reading {@code action: address already in use} (or the cause) when it cannot bind
     */
    static HttpListener tls(XnioWorker worker, InetSocketAddress address, HttpLimits limits, HttpHandler root, SSLContext context, String action) {
        OptionMap options = undertowOptions(limits);
        ByteBufferPool pool = new BufferPool(true, BUFFER_SIZE);
        HttpOpenListener http1 = new HttpOpenListener(pool, options);
        http1.setRootHandler(root);
        Http2OpenListener http2 = new Http2OpenListener(pool, options);
        http2.setRootHandler(root);
        AlpnOpenListener alpn = new AlpnOpenListener(pool, options, http1);
        alpn.addProtocol(Http2OpenListener.HTTP2, http2, 10);
        long maxHead = limits.maxHeaderBytes();
        long timeout = limits.headerTimeout().toMillis();
        ChannelListener<StreamConnection> limited = c -> {
            HeadLimit.install(c, maxHead, timeout, true);
            alpn.handleEvent(c);
        };
        Xnio xnio = Xnio.getInstance(HttpOpenListener.class.getClassLoader());
        // Handshake crypto runs on virtual threads: the worker's few task threads also take dispatched requests
        // (a long User-Agent's regex), and a handshake must not wait behind them.
        ExecutorService handshakes = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("dormouse-tls-handshake").factory());
        UndertowXnioSsl ssl = new UndertowXnioSsl(xnio, OptionMap.create(Options.USE_DIRECT_BUFFERS, true), context, handshakes);
        try {
            AcceptingChannel<SslConnection> server = ssl.createSslConnectionServer(worker, address, ChannelListeners.openListenerAdapter(limited),
                    socketOptions(worker, limits));
            server.resumeAccepts();
            return new HttpListener(server, handshakes);
        } catch (IOException | RuntimeException e) {
            handshakes.shutdownNow();
            throw bindFailed(action, e);
        }
    }

    private static ProxyException bindFailed(String action, Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return new ProxyException(action + ": " + (root instanceof BindException ? "address already in use" : e.getMessage()), e);
    }

    /** Loads this class: its static block must run before Undertow's HTTP/2 classes are initialised. */
    static void prepare() {}

    /** What Undertow's connection handling is told, for both protocols. */
    @SuppressWarnings({"deprecation", "removal"}) // HTTP2_SETTINGS_MAX_HEADER_LIST_SIZE: the only option that sets the HTTP/2 bound alone
    static OptionMap undertowOptions(HttpLimits limits) {
        int timeout = (int) Math.min(Integer.MAX_VALUE, limits.headerTimeout().toMillis());
        int maxHead = (int) Math.min(Integer.MAX_VALUE, limits.maxHeaderBytes());
        return OptionMap.builder()
                .set(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, false)
                .set(UndertowOptions.RECORD_REQUEST_START_TIME, false)
                // Undertow caps request bodies at 2 MiB by default; a proxy streams them whatever their size.
                .set(UndertowOptions.MAX_ENTITY_SIZE, -1L)
                // HeadLimit answers first on HTTP/1.1; Undertow's own bounds (answered 400) only back it up.
                .set(UndertowOptions.MAX_HEADER_SIZE, (int) Math.min(Integer.MAX_VALUE, limits.maxHeaderBytes() + 2L * BUFFER_SIZE))
                .set(UndertowOptions.MAX_HEADERS, HeadLimit.MAX_FIELDS + 1)
                .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, timeout)
                .set(UndertowOptions.NO_REQUEST_TIMEOUT, timeout)
                // HTTP/2: prior knowledge on the plain listener, ALPN on the TLS one.
                .set(UndertowOptions.ENABLE_HTTP2, true)
                .set(UndertowOptions.HTTP2_SETTINGS_ENABLE_PUSH, false)
                .set(UndertowOptions.HTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, H2_MAX_STREAMS)
                .set(UndertowOptions.HTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, maxHead)
                .getMap();
    }

    private static OptionMap socketOptions(XnioWorker worker, HttpLimits limits) {
        return OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, worker.getIoThreadCount())
                .set(Options.TCP_NODELAY, true)
                .set(Options.REUSE_ADDRESSES, true)
                .set(Options.BACKLOG, BACKLOG)
                .set(Options.CONNECTION_HIGH_WATER, limits.maxConnections())
                .set(Options.CONNECTION_LOW_WATER, limits.maxConnections())
                .getMap();
    }

    int port() {
        return server.getLocalAddress(InetSocketAddress.class).getPort();
    }

    /** Stops accepting; open connections end with the worker. */
    @Override
    public void close() {
        IoUtils.safeClose(server);
        if (handshakes != null) handshakes.shutdownNow();
    }
}
