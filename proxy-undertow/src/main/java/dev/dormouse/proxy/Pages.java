package dev.dormouse.proxy;

import dev.dormouse.core.Json;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The pages and short error answers dormouse writes itself; assets are read once from the module. */
final class Pages {
    static final String LOADING_JS = resource("loading.js");
    static final String LOADING_CSS = resource("loading.css");
    private static final String LOADING_HTML = resource("loading.html");
    private static final String MESSAGE_HTML = resource("message.html");

    private Pages() {}

    private static String resource(String name) {
        try (InputStream in = Pages.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("read resource " + name, e);
        }
    }

    static String loadingPage(String route) {
        String r = escape(route);
        return LOADING_HTML.replace("{{route}}", r);
    }

    /** A short answer in the form the client asked for: JSON for API clients, HTML for browsers, else plain text. */
    static void message(HttpServerExchange ex, int status, String code, String title, String text) {
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        String accept = ex.getRequestHeaders().getFirst(Headers.ACCEPT);
        String body;
        if (accept != null && accept.contains("application/json")) {
            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            body = "{\"error\":{\"code\":" + Json.quote(code) + ",\"message\":" + Json.quote(text) + "}}\n";
        } else if (accept != null && accept.contains("text/html")) {
            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/html; charset=utf-8");
            body = MESSAGE_HTML.replace("{{title}}", escape(title)).replace("{{text}}", escape(text));
        } else {
            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
            body = text + "\n";
        }
        if (ex.getRequestMethod().equalToString("HEAD")) {
            ex.getResponseHeaders().put(Headers.CONTENT_LENGTH, body.getBytes(StandardCharsets.UTF_8).length);
            ex.endExchange();
        } else {
            ex.getResponseSender().send(body, StandardCharsets.UTF_8);
        }
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
