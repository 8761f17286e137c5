package dev.dormouse.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
    @ParameterizedTest
    @CsvSource({"500ms,PT0.5S", "30s,PT30S", "15m,PT15M", "2h,PT2H", "7d,PT168H", "1h30m,PT1H30M", "0,PT0S", "1m30s250ms,PT1M30.25S"})
    void parses(String text, String iso) {
        assertEquals(Duration.parse(iso), Durations.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "5x", "m5", "1.5h", "-1s", "1h 30m", "30S"})
    void rejects(String text) {
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"500ms", "30s", "1h30m", "7d", "1d2h3m4s5ms"})
    void formatsBack(String text) {
        assertEquals(text, Durations.format(Durations.parse(text)));
    }
}
