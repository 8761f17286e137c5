package dev.dormouse.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenTest {
    @TempDir
    Path dir;

    @Test
    void isCreatedOnceWithMode0600AndReused() throws Exception {
        Path data = dir.resolve("data");
        AdminToken t = AdminToken.loadOrCreate(data);
        Path file = data.resolve("admin.token");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String value = Files.readString(file).strip();
        assertTrue(value.matches("[A-Za-z0-9_-]{43}"), "32 bytes base64url without padding");
        assertEquals(value, t.value());
        try (var files = Files.list(data)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
        AdminToken again = AdminToken.loadOrCreate(data);
        assertEquals(value, again.value());
        assertTrue(again.matches(value));
        assertFalse(again.matches(value + "x"));
        assertFalse(again.matches(""));
        assertFalse(again.toString().contains(value));
        assertTrue(!value.equals(AdminToken.loadOrCreate(dir.resolve("other")).value()), "each data dir gets its own random token");
    }

    @Test
    void aHandWrittenTokenIsTrimmed() throws Exception {
        Files.writeString(dir.resolve("admin.token"), "  my-token \n");
        assertTrue(AdminToken.loadOrCreate(dir).matches("my-token"));
    }

    @Test
    void anEmptyFileIsAClearErrorNeverReplaced() throws Exception {
        Files.writeString(dir.resolve("admin.token"), " \n");
        AdminException e = assertThrows(AdminException.class, () -> AdminToken.loadOrCreate(dir));
        assertTrue(e.getMessage().contains(dir.resolve("admin.token").toString()) && e.getMessage().contains("empty"), e.getMessage());
        assertEquals(" \n", Files.readString(dir.resolve("admin.token")));
    }

    @Test
    void anUnreadableFileIsAClearError() throws Exception {
        Files.createDirectory(dir.resolve("admin.token"));
        AdminException e = assertThrows(AdminException.class, () -> AdminToken.loadOrCreate(dir));
        assertTrue(e.getMessage().startsWith("admin token " + dir.resolve("admin.token") + ": cannot read it"), e.getMessage());
    }
}
