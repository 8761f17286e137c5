package dev.dormouse.proxy;

import dev.dormouse.core.HttpLimits;
import io.undertow.UndertowOptions;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.protocol.http.HttpOpenListener;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/**
 * The proxy's HTTP listener, assembled from Undertow's HTTP/1.1 connection handling on an XNIO server socket
 * (what {@code Undertow.builder()} does, plus the bounds it cannot express):
 * <ul>
 *   <li>every connection reads its heads through a {@link HeadLimit}, so a head past {@code max_header_bytes}
 *       is answered {@code 431} and closed;</li>
 *   <li>{@code header_timeout} is Undertow's parse timeout (armed at the first read of a head that does not
 *       complete it, never pushed back by later bytes) and its no-request timeout (a connection that sends
 *       nothing, new or idle between requests);</li>
 *   <li>{@code max_connections} is XNIO's connection high water: at the limit the listener stops accepting,
 *       so new connections wait in the kernel's backlog (or are refused by the kernel when it is full), and
 *       accepting resumes as connections close. XNIO splits the limit evenly over the I/O threads (at least one
 *       each). An accept that fails (EMFILE) suspends accepting on that thread for 250 ms, growing fourfold per
 *       failure to 30 s, instead of retrying at once.</li>
 * </ul>
 */
final class HttpListener implements AutoCloseable {
    private static final int BUFFER_SIZE = 16 * 1024 - 20;
    private static final int BACKLOG = 1024;
    private static final long STOP_MILLIS = 5_000;

    private final XnioWorker worker;
    private final AcceptingChannel<StreamConnection> server;

    private HttpListener(XnioWorker worker, AcceptingChannel<StreamConnection> server) {
        this.worker = worker;
        this.server = server;
    }

    /**
     * Binds and starts accepting.
     *
     * @throws ProxyException reading {@code action: address already in use} (or the cause) when it cannot bind
     */
    static HttpListener start(InetSocketAddress address, int ioThreads, HttpLimits limits, HttpHandler root, String action) {
        XnioWorker worker;
        try {
            worker = Xnio.getInstance(HttpOpenListener.class.getClassLoader()).createWorker(OptionMap.builder()
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
        int timeout = (int) Math.min(Integer.MAX_VALUE, limits.headerTimeout().toMillis());
        OptionMap http = OptionMap.builder()
                .set(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, false)
                .set(UndertowOptions.RECORD_REQUEST_START_TIME, false)
                // Undertow caps request bodies at 2 MiB by default; a proxy streams them whatever their size.
                .set(UndertowOptions.MAX_ENTITY_SIZE, -1L)
                // HeadLimit answers first; Undertow's own bounds (answered 400) only back it up.
                .set(UndertowOptions.MAX_HEADER_SIZE, (int) Math.min(Integer.MAX_VALUE, limits.maxHeaderBytes() + 2L * BUFFER_SIZE))
                .set(UndertowOptions.MAX_HEADERS, HeadLimit.MAX_FIELDS + 1)
                .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, timeout)
                .set(UndertowOptions.NO_REQUEST_TIMEOUT, timeout)
                .getMap();
        HttpOpenListener open = new HttpOpenListener(new DefaultByteBufferPool(true, BUFFER_SIZE, -1, 4), http);
        open.setRootHandler(root);
        long maxHead = limits.maxHeaderBytes();
        ChannelListener<StreamConnection> limited = c -> {
            HeadLimit.install(c, maxHead);
            open.handleEvent(c);
        };
        OptionMap socket = OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, ioThreads)
                .set(Options.TCP_NODELAY, true)
                .set(Options.REUSE_ADDRESSES, true)
                .set(Options.BACKLOG, BACKLOG)
                .set(Options.CONNECTION_HIGH_WATER, limits.maxConnections())
                .set(Options.CONNECTION_LOW_WATER, limits.maxConnections())
                .getMap();
        try {
            AcceptingChannel<StreamConnection> server = worker.createStreamConnectionServer(address, ChannelListeners.openListenerAdapter(limited), socket);
            server.resumeAccepts();
            return new HttpListener(worker, server);
        } catch (IOException | RuntimeException e) {
            worker.shutdownNow();
            throw new ProxyException(action + ": " + (e instanceof BindException ? "address already in use" : e.getMessage()), e);
        }
    }

    int port() {
        return server.getLocalAddress(InetSocketAddress.class).getPort();
    }

    /** Stops accepting and closes every connection, within a bound. */
    @Override
    public void close() {
        IoUtils.safeClose(server);
        worker.shutdown();
        try {
            if (!worker.awaitTermination(STOP_MILLIS, TimeUnit.MILLISECONDS)) worker.shutdownNow();
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
