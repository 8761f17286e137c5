package dev.dormouse.rtmanager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * A read-only look at {@code <data_dir>/dormouse.db} for {@code dormouse doctor}: opened with SQLite's
 * read-only flag, so nothing is created, migrated or written, even beside a running daemon.
 *
 * @param file the database file, absolute
 * @param schemaVersion {@code PRAGMA user_version}, the migrations applied (see {@link RuntimeStore#SCHEMA_VERSION})
 * @param integrity {@code PRAGMA integrity_check}: {@code ok}, else SQLite's findings joined by {@code "; "}
 */
public record StoreCheck(Path file, int schemaVersion, String integrity) {
    private static final int SQLITE_OPEN_READONLY = 0x1;

    public StoreCheck {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(integrity, "integrity");
    }

    /** True when a newer dormouse wrote this file: this one refuses to open it. */
    public boolean newerThanThisDormouse() {
        return schemaVersion > RuntimeStore.SCHEMA_VERSION;
    }

    /**
     * Checks the database in {@code dataDir}; empty when there is none yet (the daemon creates it at start).
     *
     * @throws RuntimeManagerException naming the file when it exists but cannot be read as a database
     */
    public static Optional<StoreCheck> of(Path dataDir) {
        Path file = dataDir.resolve("dormouse.db").toAbsolutePath();
        if (!Files.exists(file)) return Optional.empty();
        Properties p = new Properties();
        p.setProperty("open_mode", Integer.toString(SQLITE_OPEN_READONLY));
        p.setProperty("busy_timeout", "5000");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, p); Statement s = c.createStatement()) {
            int version;
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                version = rs.next() ? rs.getInt(1) : 0;
            }
            List<String> findings = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                while (rs.next()) findings.add(rs.getString(1));
            }
            return Optional.of(new StoreCheck(file, version, String.join("; ", findings)));
        } catch (SQLException e) {
            throw new RuntimeManagerException(file + ": read-only check: " + e.getMessage(), e);
        }
    }
}
