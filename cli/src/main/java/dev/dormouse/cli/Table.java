package dev.dormouse.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A table for people: a header, columns as wide as their widest cell, two spaces between, no borders. */
final class Table {
    private final List<String> headers;
    private final List<String[]> rows = new ArrayList<>();

    Table(String... headers) {
        this.headers = List.of(headers);
    }

    /** Adds a row; empty or null cells show as {@code -}. */
    Table row(String... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + headers.size() + " columns");
        }
        String[] r = Arrays.copyOf(cells, cells.length);
        for (int i = 0; i < r.length; i++) {
            r[i] = r[i] == null || r[i].isBlank() ? "-" : Output.oneLine(r[i]);
        }
        rows.add(r);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    void print(PrintWriter out) {
        int[] width = new int[headers.size()];
        for (int i = 0; i < width.length; i++) width[i] = headers.get(i).length();
        for (String[] r : rows) {
            for (int i = 0; i < width.length; i++) width[i] = Math.max(width[i], r[i].length());
        }
        line(out, headers.toArray(String[]::new), width);
        for (String[] r : rows) line(out, r, width);
        out.flush();
    }

    private static void line(PrintWriter out, String[] cells, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            b.append(cells[i]);
            if (i < cells.length - 1) b.append(" ".repeat(width[i] - cells[i].length() + 2));
        }
        out.println(b.toString().stripTrailing());
    }
}
