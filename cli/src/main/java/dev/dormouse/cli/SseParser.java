package dev.dormouse.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Turns the lines of a {@code text/event-stream} into events and comments, following the HTML standard's
 * interpretation rules: {@code data:} lines are joined with newlines, one space after the colon is
 * dropped, the last {@code id:} carries over to later events, a blank line dispatches, an event without
 * data is not dispatched, unknown fields are ignored. Comments are reported too, because the admin API
 * says "subscribed" with one.
 */
final class SseParser {
    /** What a stream delivers. */
    sealed interface Message permits Event, Comment {}

    /**
     * A dispatched event.
     *
     * @param id the last event id seen on the stream, empty when none was sent yet
     * @param type the {@code event:} field, {@code message} when none was sent
     * @param data the {@code data:} lines joined with {@code \n}
     */
    record Event(String id, String type, String data) implements Message {}

    /** A comment line ({@code : text}), without the colon and one following space. */
    record Comment(String text) implements Message {}

    private final StringBuilder data = new StringBuilder();
    private String type = "";
    private String lastId = "";
    private boolean first = true;

    /** Feeds one line (without its line ending); returns what it completes, if anything. */
    Optional<Message> line(String line) {
        if (first) {
            first = false;
            if (line.startsWith("\uFEFF")) line = line.substring(1);
        }
        if (line.isEmpty()) return dispatch();
        if (line.charAt(0) == ':') return Optional.of(new Comment(dropOneSpace(line.substring(1))));
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : dropOneSpace(line.substring(colon + 1));
        switch (field) {
            case "event" -> type = value;
            case "data" -> data.append(value).append('\n');
            case "id" -> {
                if (value.indexOf('\0') < 0) lastId = value;
            }
            default -> { } // "retry" and unknown fields: nothing this client uses
        }
        return Optional.empty();
    }

    /**
     * Reads the whole stream, handing each message to {@code sink}; lines may end in LF, CRLF or CR.
     * An event not ended by a blank line when the stream ends is dropped, as the standard says.
     */
    void read(Reader in, Consumer<Message> sink) throws IOException {
        BufferedReader lines = in instanceof BufferedReader b ? b : new BufferedReader(in);
        for (String l = lines.readLine(); l != null; l = lines.readLine()) {
            line(l).ifPresent(sink);
        }
    }

    private Optional<Message> dispatch() {
        if (data.isEmpty()) {
            type = "";
            return Optional.empty();
        }
        data.setLength(data.length() - 1);
        Event e = new Event(lastId, type.isEmpty() ? "message" : type, data.toString());
        data.setLength(0);
        type = "";
        return Optional.of(e);
    }

    private static String dropOneSpace(String s) {
        return s.startsWith(" ") ? s.substring(1) : s;
    }
}
