package dev.dormouse.core;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a small tree whose every node knows its line and column, so that validation can
 * point at the exact place of a problem. Jackson's own trees drop locations.
 */
final class YamlTree {
    /**
     * A key with nothing after it ({@code routes:} with every item commented out) is null, as YAML says,
     * not an empty string; a quoted {@code ""} stays an empty string ({@code http: ""} disables a listener).
     */
    private static final YAMLFactory FACTORY = YAMLFactory.builder()
            .configure(com.fasterxml.jackson.dataformat.yaml.YAMLParser.Feature.EMPTY_STRING_AS_NULL, true).build();

    sealed interface Node permits MapNode, ListNode, Scalar {
        int line();

        int column();

        String kind();
    }

    record Entry(String key, int line, int column, Node value) {}

    record MapNode(Map<String, Entry> entries, int line, int column) implements Node {
        public String kind() {
            return "a mapping";
        }
    }

    record ListNode(List<Node> items, int line, int column) implements Node {
        public String kind() {
            return "a list";
        }
    }

    /** A scalar: {@code value} is a String, Boolean, Long, Double or null. */
    record Scalar(Object value, String text, int line, int column) implements Node {
        public String kind() {
            if (value == null) return "null";
            if (value instanceof Boolean) return "a boolean";
            if (value instanceof String) return "a string";
            return "a number";
        }
    }

    private YamlTree() {}

    /** Parses one document; duplicate keys are added to {@code problems} (later value wins). */
    static Node parse(Reader in, String file, List<ConfigProblem> problems) {
        try (JsonParser p = FACTORY.createParser(in)) {
            JsonToken t = p.nextToken();
            if (t == null) return new MapNode(new LinkedHashMap<>(), 1, 1);
            return read(p, file, "", problems);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String msg = e.getOriginalMessage() == null ? "malformed YAML" : e.getOriginalMessage().lines().findFirst().orElse("");
            problems.add(new ConfigProblem(file, loc == null ? 0 : loc.getLineNr(), loc == null ? 0 : loc.getColumnNr(), "",
                    "malformed YAML: " + msg));
            return null;
        } catch (IOException e) {
            problems.add(new ConfigProblem(file, 0, 0, "", "read: " + e.getMessage()));
            return null;
        }
    }

    private static Node read(JsonParser p, String file, String path, List<ConfigProblem> problems) throws IOException {
        JsonLocation loc = p.currentTokenLocation();
        int line = loc.getLineNr();
        int col = loc.getColumnNr();
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                Map<String, Entry> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    JsonLocation kl = p.currentTokenLocation();
                    String key = p.currentName();
                    p.nextToken();
                    String childPath = path.isEmpty() ? key : path + "." + key;
                    Node value = read(p, file, childPath, problems);
                    if (map.containsKey(key)) {
                        problems.add(new ConfigProblem(file, kl.getLineNr(), kl.getColumnNr(), childPath, "duplicate key"));
                    }
                    map.put(key, new Entry(key, kl.getLineNr(), kl.getColumnNr(), value));
                }
                return new MapNode(map, line, col);
            }
            case START_ARRAY -> {
                List<Node> items = new ArrayList<>();
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(read(p, file, path + "[" + i++ + "]", problems));
                }
                return new ListNode(items, line, col);
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return new Scalar(t == JsonToken.VALUE_TRUE, p.getText(), line, col);
            }
            case VALUE_NUMBER_INT -> {
                return new Scalar(p.getLongValue(), p.getText(), line, col);
            }
            case VALUE_NUMBER_FLOAT -> {
                return new Scalar(p.getDoubleValue(), p.getText(), line, col);
            }
            case VALUE_NULL -> {
                return new Scalar(null, "", line, col);
            }
            default -> {
                return new Scalar(p.getText(), p.getText(), line, col);
            }
        }
    }
}
