package dev.dormouse.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Reading fields of the API's JSON for people, and printing it as it is for scripts. */
final class Output {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Output() {}

    /** {@code node} pretty-printed as one document. */
    static void json(PrintWriter out, JsonNode node) {
        try {
            out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new CliException(CliException.FAILED, "print JSON: " + e.getOriginalMessage(), e);
        }
        out.flush();
    }

    /** {@code node} on one line (a JSON Lines record). */
    static void jsonLine(PrintWriter out, JsonNode node) {
        try {
            out.println(MAPPER.writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new CliException(CliException.FAILED, "print JSON: " + e.getOriginalMessage(), e);
        }
        out.flush();
    }

    /** A field as text: strings as they are, numbers and booleans written out; empty when null or missing. */
    static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        if (v.isMissingNode() || v.isNull()) return "";
        return v.isValueNode() ? v.asText() : v.toString();
    }

    /** A list field of strings, joined with commas. */
    static String joined(JsonNode node, String field) {
        List<String> parts = new ArrayList<>();
        node.path(field).forEach(v -> parts.add(v.asText()));
        return String.join(",", parts);
    }

    /** The array under {@code field}, failing clearly when the daemon's answer does not have it. */
    static List<JsonNode> items(JsonNode doc, String field) {
        JsonNode a = doc.path(field);
        if (!a.isArray()) {
            throw new CliException(CliException.FAILED, "the daemon's answer has no '" + field + "' list; is it a dormouse admin API of this version?");
        }
        List<JsonNode> list = new ArrayList<>();
        a.forEach(list::add);
        return list;
    }

    /** A JSON object as {@code key=value} pairs, for one-line details. */
    static String pairs(JsonNode obj) {
        if (obj == null || obj.isMissingNode() || obj.isNull()) return "";
        if (!obj.isObject()) return obj.isValueNode() ? obj.asText() : obj.toString();
        List<String> parts = new ArrayList<>();
        obj.properties().forEach(e -> parts.add(e.getKey() + "=" + (e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString())));
        return String.join(" ", parts);
    }

    /** Replaces line breaks so a message stays one line. */
    static String oneLine(String s) {
        return s.replaceAll("[\\r\\n]+", " ");
    }
}
