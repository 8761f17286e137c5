package dev.dormouse.core;

/**
 * One thing wrong with a config file, with where it is.
 *
 * @param file the file's path as given
 * @param line 1-based line, 0 when unknown
 * @param column 1-based column, 0 when unknown
 * @param path the key path, e.g. {@code routes[2].idlewatcher.stop_method}
 * @param message what is wrong, naming the offending value
 */
public record ConfigProblem(String file, int line, int column, String path, String message) {
    @Override
    public String toString() {
        String where = line > 0 ? file + ":" + line + ":" + column : file;
        return path.isEmpty() ? where + ": " + message : where + ": " + path + ": " + message;
    }
}
