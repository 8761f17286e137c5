package dev.dormouse.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** One reading of a config file: the problems found so far, and what relative paths resolve against. */
final class Reading {
    final String file;
    final Path baseDir;
    private final List<ConfigProblem> problems = new ArrayList<>();

    Reading(String file, Path baseDir) {
        this.file = file;
        this.baseDir = baseDir;
    }

    void add(int line, int column, String path, String message) {
        problems.add(new ConfigProblem(file, line, column, path, message));
    }

    void add(YamlTree.Node at, String path, String message) {
        add(at.line(), at.column(), path, message);
    }

    /** Where {@link YamlTree#parse} reports. */
    List<ConfigProblem> sink() {
        return problems;
    }

    int count() {
        return problems.size();
    }

    boolean clean() {
        return problems.isEmpty();
    }

    /** Every problem once, in the order found. */
    List<ConfigProblem> problems() {
        return List.copyOf(new LinkedHashSet<>(problems));
    }

    Path resolve(String path) {
        Path p = Path.of(path);
        return p.isAbsolute() ? p : baseDir.resolve(p).normalize();
    }
}
