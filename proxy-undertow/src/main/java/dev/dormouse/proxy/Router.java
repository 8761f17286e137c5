package dev.dormouse.proxy;

import dev.dormouse.core.IdleConfig;
import dev.dormouse.core.spi.OpSource;
import dev.dormouse.idlewatcher.IdleWatcher;
import dev.dormouse.idlewatcher.RouteState;
import dev.dormouse.idlewatcher.WakeFailedException;
import dev.dormouse.tls.AcmeChallenges;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.undertow.server.Connectors;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ResponseCommitListener;
import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Protocols;
import io.undertow.util.SameThreadExecutor;
import io.undertow.util.StatusCodes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.xnio.IoUtils;

/**
 * The root handler of both listeners: finds the route by Host and either proxies, holds the request until the
 * route is awake, or answers with the loading page. Before routing, the plain listener answers ACME HTTP-01
 * challenges and redirects hosts that have a certificate to HTTPS ({@code tls.redirect_http}). Reads one
 * volatile snapshot per request and takes no lock.
 */
final class Router implements HttpHandler {
    static final String RESERVED = "/.well-known/dormouse/";
    static final String ACME_CHALLENGE = "/.well-known/acme-challenge/";
    private static final String HTTPS = "https";
    /** HTTP/2 streams open on one connection; Undertow advertises the bound but does not enforce it. */
    private static final AttachmentKey<AtomicInteger> STREAMS = AttachmentKey.create(AtomicInteger.class);
    private static final ExchangeCompletionListener STREAM_ENDED = (ex, next) -> {
        try {
            AtomicInteger open = ex.getConnection().getAttachment(STREAMS);
            if (open != null) open.decrementAndGet();
        } finally {
            next.proceed();
        }
    };
    private static final HttpString KEEP_ALIVE = HttpString.tryFromString("Keep-Alive");
    private static final HttpString PROXY_CONNECTION = HttpString.tryFromString("Proxy-Connection");
    private static final HttpString SEC_FETCH_MODE = HttpString.tryFromString("Sec-Fetch-Mode");
    private static final String RETRY_AFTER = "2";

    /** A User-Agent longer than this is matched on a worker thread: RE2/J takes about 0.2 µs a character here. */
    static final int UA_ON_IO_THREAD = 512;

    private final AtomicReference<RouteTable> table;
    private final ProxyMetrics metrics;
    private final Forwarding forwarding;
    /** The {@code tls:} block's parts, or null without one. */
    private final TlsFrontDoor tls;
    private final AcmeChallenges challenges;
    /** The HTTPS listener's port, once bound; redirects wait for it. */
    private volatile int httpsPort = -1;

    Router(AtomicReference<RouteTable> table, ProxyMetrics metrics, ProxySettings settings, Optional<TlsFrontDoor> tls) {
        this.table = table;
        this.metrics = metrics;
        this.forwarding = new Forwarding(settings.trustedProxies());
        this.tls = tls.orElse(null);
        this.challenges = tls.flatMap(TlsFrontDoor::challenges).orElse(null);
    }

    void httpsPort(int port) {
        httpsPort = port;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        HeadLimit head = HeadLimit.of(ex);
        if (head != null) {
            ex.addExchangeCompleteListener(head);
            if (head.over()) {
                refuse(ex, StatusCodes.REQUEST_HEADER_FIELDS_TOO_LARGE, "header_too_large", "request header fields too large");
                return;
            }
        }
        int refused = Framing.check(ex);
        if (refused != 0) {
            refuse(ex, refused, refused == StatusCodes.NOT_IMPLEMENTED ? "transfer_coding" : "bad_framing",
                    refused == StatusCodes.NOT_IMPLEMENTED ? "transfer codings other than chunked are not implemented"
                            : refused == StatusCodes.EXPECTATION_FAILED ? "only 100-continue can be expected" : "bad request framing");
            return;
        }
        if (ex.getProtocol() == Protocols.HTTP_2_0 && !admitStream(ex)) return;
        if (tls != null && !HTTPS.equals(ex.getRequestScheme())) {
            String path = ex.getRequestPath();
            if (path.startsWith(ACME_CHALLENGE)) {
                // Answered for any host and never redirected; without ACME an upstream may answer its own.
                if (challenges != null) {
                    challenge(ex, path.substring(ACME_CHALLENGE.length()));
                    return;
                }
            } else if (tls.redirectHttp() && httpsPort > 0) {
                String host = ex.getRequestHeaders().getFirst(Headers.HOST);
                String name = host == null ? "" : RouteTable.normalise(host);
                if (tls.certifies(name)) {
                    redirect(ex, name, httpsPort);
                    return;
                }
            }
        }
        Upstream up = table.get().find(ex.getHostAndPort());
        if (up == null) {
            metrics.unknownHost();
            String host = ex.getRequestHeaders().getFirst(Headers.HOST);
            Pages.message(ex, StatusCodes.NOT_FOUND, "unknown_host", "Not found",
                    "dormouse has no route for host '" + (host == null ? "" : RouteTable.normalise(host)) + "'.");
            return;
        }
        up.metrics.open.increment();
        ex.addExchangeCompleteListener(up.metrics.finished);
        if (up.route().watcher().isEmpty()) {
            proxy(ex, up, null);
            return;
        }
        IdleWatcher w = up.route().watcher().get();
        String path = ex.getRequestPath();
        if (path.startsWith(RESERVED)) {
            reserved(ex, up, w, path.substring(RESERVED.length()));
            return;
        }
        RouteState state = w.state();
        if (state == RouteState.READY) {
            proxy(ex, up, w);
            return;
        }
        if (state == RouteState.MISSING) {
            Pages.message(ex, StatusCodes.BAD_GATEWAY, "container_missing", "Service missing",
                    "route '" + w.route() + "': the service is missing");
            return;
        }
        String ua = ex.getRequestHeaders().getFirst(Headers.USER_AGENT);
        if (ua != null && ua.length() > UA_ON_IO_THREAD && !w.config().idle().ignoreUserAgents().isEmpty()) {
            // A long header costs the regex milliseconds; an I/O thread serves every route and must not wait on it.
            ex.dispatch(e -> asleep(e, up, w, path, w.config().idle().ignores(ua)));
            return;
        }
        asleep(ex, up, w, path, w.config().idle().ignores(ua));
    }

    /**
     * Counts an HTTP/2 stream against its connection's {@link HttpListener#H2_MAX_STREAMS}; a stream past it is
     * reset (RFC 9113 5.1.2: a stream error), without reaching any route.
     */
    private static boolean admitStream(HttpServerExchange ex) {
        ServerConnection c = ex.getConnection();
        AtomicInteger open = c.getAttachment(STREAMS);
        if (open == null) {
            open = new AtomicInteger();
            c.putAttachment(STREAMS, open);
        }
        if (open.incrementAndGet() > HttpListener.H2_MAX_STREAMS) {
            open.decrementAndGet();
            IoUtils.safeClose(c);
            return false;
        }
        ex.addExchangeCompleteListener(STREAM_ENDED);
        return true;
    }

    /** An ACME HTTP-01 challenge: the key authorization while its authorization is pending, else 404. */
    private void challenge(HttpServerExchange ex, String token) {
        HttpString m = ex.getRequestMethod();
        Optional<String> answer = m.equalToString("GET") || m.equalToString("HEAD") ? challenges.http01(token) : Optional.empty();
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        if (answer.isEmpty()) {
            Pages.message(ex, StatusCodes.NOT_FOUND, "not_found", "Not found", "no such ACME challenge");
            return;
        }
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
        if (m.equalToString("HEAD")) {
            ex.getResponseHeaders().put(Headers.CONTENT_LENGTH, answer.get().length());
            ex.endExchange();
            return;
        }
        ex.getResponseSender().send(answer.get(), StandardCharsets.US_ASCII);
    }

    /** {@code 308} to the same target on the HTTPS listener. */
    private static void redirect(HttpServerExchange ex, String host, int port) {
        String target = ex.getRequestURI();
        if (ex.isHostIncludedInRequestURI()) {
            int authority = target.indexOf("//");
            int slash = authority < 0 ? -1 : target.indexOf('/', authority + 2);
            target = slash < 0 ? "/" : target.substring(slash);
        }
        String query = ex.getQueryString();
        StringBuilder location = new StringBuilder(16 + host.length() + target.length() + query.length()).append("https://").append(host);
        if (port != 443) location.append(':').append(port);
        location.append(target);
        if (!query.isEmpty()) location.append('?').append(query);
        ex.setStatusCode(StatusCodes.PERMANENT_REDIRECT);
        ex.getResponseHeaders().put(Headers.LOCATION, location.toString());
        ex.getResponseHeaders().put(Headers.CONTENT_LENGTH, 0);
        ex.endExchange();
    }

    /** A request to a route that is not ready: answered, woken and shown the loading page, or held. */
    private void asleep(HttpServerExchange ex, Upstream up, IdleWatcher w, String path, boolean ignoredAgent) {
        IdleConfig idle = w.config().idle();
        if (ignoredAgent) {
            ex.getResponseHeaders().put(Headers.RETRY_AFTER, RETRY_AFTER);
            Pages.message(ex, StatusCodes.SERVICE_UNAVAILABLE, "asleep", "Asleep", "Route '" + w.route() + "' is asleep.");
            return;
        }
        if (idle.startEndpoint().isPresent() && !idle.startEndpoint().get().equals(path)) {
            Pages.message(ex, StatusCodes.FORBIDDEN, "wake_forbidden", "Asleep",
                    "Route '" + w.route() + "' is asleep and only " + idle.startEndpoint().get() + " may wake it.");
            return;
        }
        CompletableFuture<Void> wake = w.wake(OpSource.WAKE_REQUEST);
        if (!idle.noLoadingPage() && isNavigation(ex)) {
            loadingPage(ex, w, retryAfter(wake));
            return;
        }
        hold(ex, up, w, wake);
    }

    /** Browsers navigating get the loading page; everything else is held. */
    static boolean isNavigation(HttpServerExchange ex) {
        HeaderMap h = ex.getRequestHeaders();
        if ("navigate".equals(h.getFirst(SEC_FETCH_MODE))) return true;
        HttpString m = ex.getRequestMethod();
        if (!m.equalToString("GET") && !m.equalToString("HEAD")) return false;
        if (isWebSocket(h)) return false;
        String accept = h.getFirst(Headers.ACCEPT);
        return accept != null && accept.contains("text/html");
    }

    /** A WebSocket handshake; other upgrades (a client's h2c offer) are hop-by-hop and dropped. */
    static boolean isWebSocket(HeaderMap h) {
        String u = h.getFirst(Headers.UPGRADE);
        return u != null && u.regionMatches(true, 0, "websocket", 0, 9);
    }

    private static void loadingPage(HttpServerExchange ex, IdleWatcher w, String retryAfter) {
        ex.setStatusCode(StatusCodes.SERVICE_UNAVAILABLE);
        ex.getResponseHeaders().put(Headers.RETRY_AFTER, retryAfter);
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/html; charset=utf-8");
        if (ex.getRequestMethod().equalToString("HEAD")) {
            ex.endExchange();
            return;
        }
        ex.getResponseSender().send(Pages.loadingPage(w.route()));
    }

    private static void reserved(HttpServerExchange ex, Upstream up, IdleWatcher w, String name) {
        switch (name) {
            case "events" -> {
                if (up.streams.incrementAndGet() > w.config().idle().maxHeldRequests()) {
                    up.streams.decrementAndGet();
                    busy(ex, w, "too many event streams");
                    return;
                }
                WakeEventStream.open(ex, w, up.streams);
            }
            case "loading.js" -> asset(ex, "text/javascript; charset=utf-8", Pages.LOADING_JS);
            case "loading.css" -> asset(ex, "text/css; charset=utf-8", Pages.LOADING_CSS);
            default -> Pages.message(ex, StatusCodes.NOT_FOUND, "not_found", "Not found", "No such dormouse resource: " + name);
        }
    }

    private static void asset(HttpServerExchange ex, String type, String body) {
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, type);
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "public, max-age=300");
        ex.getResponseSender().send(body);
    }

    /** Holds the exchange, without a thread, until the wake completes; then proxies it unchanged or answers 503. */
    private void hold(HttpServerExchange ex, Upstream up, IdleWatcher w, CompletableFuture<Void> wake) {
        if (up.held.incrementAndGet() > w.config().idle().maxHeldRequests()) {
            up.held.decrementAndGet();
            busy(ex, w, "too many requests are waiting");
            return;
        }
        ex.dispatch(SameThreadExecutor.INSTANCE, () -> wake.whenComplete((ok, err) -> ex.getIoThread().execute(() -> {
            up.held.decrementAndGet();
            if (err == null) {
                Connectors.executeRootHandler(e -> proxy(e, up, w), ex);
            } else {
                Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                Connectors.executeRootHandler(e -> {
                    e.getResponseHeaders().put(Headers.RETRY_AFTER, retryAfter(cause));
                    Pages.message(e, StatusCodes.SERVICE_UNAVAILABLE, "wake_failed", "Could not wake " + w.route(),
                            "route '" + w.route() + "' could not be woken");
                }, ex);
            }
        })));
    }

    /** {@code Retry-After} for a wake refused at once by the route's backoff: its time left; else the default. */
    static String retryAfter(CompletableFuture<Void> wake) {
        return wake.state() == Future.State.FAILED ? retryAfter(wake.exceptionNow()) : RETRY_AFTER;
    }

    /** {@code Retry-After} after a failed wake: the seconds until the route tries again (rounded up, at least 1), else the default. */
    static String retryAfter(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (!(cause instanceof WakeFailedException w) || w.retryAfter().isEmpty()) return RETRY_AFTER;
        java.time.Duration left = w.retryAfter().get();
        return Long.toString(Math.max(1, left.toSeconds() + (left.toNanosPart() > 0 ? 1 : 0)));
    }

    /**
     * Proxies to the route's upstream; counts the request (or upgraded connection) as open for the idle watcher
     * while it lasts and times the upstream until its response headers arrive.
     */
    private void proxy(HttpServerExchange ex, Upstream up, IdleWatcher w) throws Exception {
        stripHopByHop(ex.getRequestHeaders(), isWebSocket(ex.getRequestHeaders()));
        forwarding.apply(ex);
        if (w != null) {
            w.requestStarted();
            ex.addExchangeCompleteListener(up.requestEnded);
        }
        ex.addResponseCommitListener(new UpstreamResponse(up.metrics.upstream, System.nanoTime()));
        ex.addDefaultResponseListener(up.badGateway);
        up.handler().handleRequest(ex);
    }

    /** Refuses a request whose framing cannot be trusted, and closes the connection after the answer. */
    private static void refuse(HttpServerExchange ex, int status, String code, String text) {
        ex.setPersistent(false);
        Pages.message(ex, status, code, StatusCodes.getReason(status), text);
    }

    /** 503 at once, with Retry-After: the route's bound on waiting requests or streams is reached. */
    private static void busy(HttpServerExchange ex, IdleWatcher w, String why) {
        ex.getResponseHeaders().put(Headers.RETRY_AFTER, RETRY_AFTER);
        Pages.message(ex, StatusCodes.SERVICE_UNAVAILABLE, "busy", "Busy", "route '" + w.route() + "' is waking: " + why);
    }

    /** Strips the response's hop-by-hop headers and records the upstream latency; the one allocation per proxied request. */
    private record UpstreamResponse(DistributionDataPoint latency, long startNanos) implements ResponseCommitListener {
        @Override
        public void beforeCommit(HttpServerExchange e) {
            latency.observe((System.nanoTime() - startNanos) * 1e-9);
            stripHopByHop(e.getResponseHeaders(), e.getStatusCode() == StatusCodes.SWITCHING_PROTOCOLS);
        }
    }

    /** Removes hop-by-hop headers (RFC 9110 7.6.1), keeping Connection/Upgrade of a protocol upgrade. */
    static void stripHopByHop(HeaderMap h, boolean upgrade) {
        HeaderValues connection = h.get(Headers.CONNECTION);
        if (connection != null) {
            List<HttpString> named = new ArrayList<>();
            for (String v : connection) {
                for (String token : v.split(",")) {
                    String t = token.strip();
                    if (!t.isEmpty() && !t.equalsIgnoreCase("upgrade") && !t.equalsIgnoreCase("close") && !t.equalsIgnoreCase("keep-alive")) {
                        named.add(HttpString.tryFromString(t));
                    }
                }
            }
            for (HttpString n : named) h.remove(n);
            if (!upgrade) h.remove(Headers.CONNECTION);
        }
        h.remove(KEEP_ALIVE);
        h.remove(PROXY_CONNECTION);
        h.remove(Headers.TE);
        h.remove(Headers.TRAILER);
        if (!upgrade) h.remove(Headers.UPGRADE);
    }
}
