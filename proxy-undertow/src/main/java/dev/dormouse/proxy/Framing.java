package dev.dormouse.proxy;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.Protocols;
import io.undertow.util.StatusCodes;

/**
 * The message-framing rules of RFC 9112 section 6 that Undertow's parser lets through, checked before a request
 * is routed, so that an upstream behind a pooled connection only ever sees a request with one framing.
 *
 * <p>Undertow itself answers {@code 400} (and closes) for: bare LF line ends, control bytes, whitespace before a
 * colon, invalid field names, extra spaces in the request line, Transfer-Encoding with Content-Length, several
 * Transfer-Encoding or Content-Length lines, a Content-Length that is not digits, a missing or doubled Host, and
 * an absolute-form target whose authority differs from Host. It replaces obs-fold by a space.
 */
final class Framing {
    private static final String CHUNKED = "chunked";
    private static final String CONTINUE = "100-continue";
    /** 18 digits always fit a long; Undertow's own parse of longer ones overflows without an error. */
    private static final int MAX_LENGTH_DIGITS = 18;

    private Framing() {}

    /**
     * The status a request must be refused with, or 0 when it may go on. An {@code Expect} of an HTTP/1.0
     * request is removed (RFC 9110 10.1.1: such a client cannot wait for {@code 100}). HTTP/2 requests carry no
     * Transfer-Encoding (Undertow refuses it with a protocol error) and a Content-Length that their DATA frames
     * must match (Undertow resets the stream otherwise); the Content-Length and Expect rules apply to them too.
     */
    static int check(HttpServerExchange ex) {
        HeaderMap h = ex.getRequestHeaders();
        HeaderValues te = h.get(Headers.TRANSFER_ENCODING);
        HeaderValues cl = h.get(Headers.CONTENT_LENGTH);
        if (te != null) {
            // RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing; with Content-Length too.
            if (!ex.isHttp11() || cl != null) return StatusCodes.BAD_REQUEST;
            // Nothing but one "chunked" is decoded here; forwarding another coding would leave the framing to guesswork.
            if (te.size() != 1 || !te.getFirst().equalsIgnoreCase(CHUNKED)) return StatusCodes.NOT_IMPLEMENTED;
        }
        if (cl != null) {
            if (cl.size() != 1) return StatusCodes.BAD_REQUEST;
            String v = cl.getFirst();
            if (v.isEmpty() || v.length() > MAX_LENGTH_DIGITS) return StatusCodes.BAD_REQUEST;
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if (c < '0' || c > '9') return StatusCodes.BAD_REQUEST;
            }
        }
        HeaderValues expect = h.get(Headers.EXPECT);
        if (expect != null) {
            // HTTP/2 has interim responses as HTTP/1.1 does; only HTTP/1.0 has none.
            if (!ex.isHttp11() && ex.getProtocol() != Protocols.HTTP_2_0) {
                h.remove(Headers.EXPECT);
            } else if (expect.size() != 1 || !expect.getFirst().equalsIgnoreCase(CONTINUE)) {
                return StatusCodes.EXPECTATION_FAILED;
            }
        }
        return 0;
    }
}
