package dev.dormouse.cli.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The test parser must refuse what Prometheus refuses, or the metrics tests prove nothing. */
class PromTextTest {
    private static final String GOOD = """
            # HELP a_total Things, with a \\\\ and a \\n.
            # TYPE a_total counter
            a_total{route="x",q="say \\"hi\\"\\n"} 3.0
            a_total{route="y"} 1e3
            # TYPE h histogram
            h_bucket{le="0.5"} 1
            h_bucket{le="+Inf"} 2
            h_count 2
            h_sum 0.75
            """;

    @Test
    void readsValidText() {
        PromText t = PromText.parse(GOOD);
        assertEquals(3.0, t.value("a_total", "route", "x", "q", "say \"hi\"\n"));
        assertEquals(1000, t.value("a_total", "route", "y"));
        assertEquals("Things, with a \\ and a \n.", t.family("a_total").orElseThrow().help());
        assertEquals("histogram", t.family("h").orElseThrow().type());
        assertEquals(2, t.value("h_count"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "a 1\n",                                                  // no TYPE
            "# TYPE a gauge\na 1",                                    // no final newline
            "# TYPE a gauge\na{b=\"1\"} 1\na{b=\"1\"} 2\n",           // duplicate series
            "# TYPE a gauge\na{b=1} 1\n",                             // unquoted label value
            "# TYPE a gauge\na{b=\"\\x\"} 1\n",                       // bad escape
            "# TYPE a gauge\na{1b=\"1\"} 1\n",                        // bad label name
            "# TYPE a gauge\na one\n",                                // bad value
            "# TYPE a gauge\na  1\n",                                 // two spaces
            "# TYPE a gauge\n# TYPE a gauge\n",                       // second TYPE
            "# TYPE a thing\n",                                       // unknown type
            "# TYPE 1a gauge\n",                                      // bad name
            "# TYPE a gauge\na 1\n# HELP a late\n",                   // HELP after samples
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",   // not cumulative
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\n",                          // no +Inf
            "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 3\n",                       // count disagrees
            "# TYPE h histogram\nh 1\n",                                                      // bare histogram sample
    })
    void refusesInvalidText(String text) {
        assertThrows(IllegalArgumentException.class, () -> PromText.parse(text));
    }
}
