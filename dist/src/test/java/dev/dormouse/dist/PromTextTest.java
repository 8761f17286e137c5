package dev.dormouse.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The test's reader of the text format must refuse what Prometheus refuses, or the metrics test proves nothing. */
class PromTextTest {
    private static final String GOOD = """
            # HELP dormouse_wakes_total Wakes.
            # TYPE dormouse_wakes counter
            dormouse_wakes_total{route="a"} 2.0
            dormouse_wakes_total{route="b\\\\c\\"d\\n"} 1
            # TYPE lat histogram
            lat_bucket{route="a",le="0.1"} 1
            lat_bucket{route="a",le="+Inf"} 3
            lat_count{route="a"} 3
            lat_sum{route="a"} 0.7
            up 1 1700000000000
            """;

    @Test
    void readsValidText() {
        Map<String, Double> m = PromText.parse(GOOD);
        assertEquals(2.0, m.get("dormouse_wakes_total{route=\"a\"}"));
        assertEquals(3.0, PromText.sum(m, "dormouse_wakes_total", Map.of()));
        assertEquals(2.0, PromText.sum(m, "dormouse_wakes_total", Map.of("route", "a")));
        assertTrue(m.containsKey("up"));
    }

    @Test
    void refusesWhatPrometheusRefuses() {
        for (String bad : new String[] {
                "9bad 1\n", "x{a=\"1\"\n", "x{a=1} 1\n", "x one\n", "x 1\nx 1\n", "x{a=\"\\q\"} 1\n",
                "# TYPE x counter\n# TYPE x gauge\n", "x 1\n# TYPE x gauge\n", "# TYPE x countr\n",
                "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",
                "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 3\n", "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_count 2\n"}) {
            assertThrows(AssertionError.class, () -> PromText.parse(bad), bad);
        }
    }
}
