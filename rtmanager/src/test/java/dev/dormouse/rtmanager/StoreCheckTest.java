package dev.dormouse.rtmanager;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreCheckTest {
    @TempDir
    Path dir;

    @Test
    void aMissingDatabaseIsNotCreated() {
        assertEquals(Optional.empty(), StoreCheck.of(dir));
        assertFalse(Files.exists(dir.resolve("dormouse.db")), "the check creates nothing");
    }

    @Test
    void aSoundDatabaseReadsOkAndIsNotWritten() throws Exception {
        RuntimeStore.open(dir);
        byte[] before = Files.readAllBytes(dir.resolve("dormouse.db"));
        StoreCheck c = StoreCheck.of(dir).orElseThrow();
        assertEquals(RuntimeStore.SCHEMA_VERSION, c.schemaVersion());
        assertEquals("ok", c.integrity());
        assertFalse(c.newerThanThisDormouse());
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("dormouse.db")));
    }

    @Test
    void aNewerSchemaIsNamedAsSuch() throws Exception {
        RuntimeStore.open(dir);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("dormouse.db"))) {
            c.createStatement().execute("PRAGMA user_version = " + (RuntimeStore.SCHEMA_VERSION + 1));
        }
        StoreCheck c = StoreCheck.of(dir).orElseThrow();
        assertTrue(c.newerThanThisDormouse());
        assertEquals(RuntimeStore.SCHEMA_VERSION + 1, c.schemaVersion());
    }

    @Test
    void aFileThatIsNoDatabaseIsAProblemNamingIt() throws Exception {
        Files.writeString(dir.resolve("dormouse.db"), "not a database, just text that is long enough to have a header".repeat(20));
        RuntimeManagerException e = assertThrows(RuntimeManagerException.class, () -> StoreCheck.of(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("dormouse.db").toAbsolutePath() + ": read-only check: "), e.getMessage());
    }
}
