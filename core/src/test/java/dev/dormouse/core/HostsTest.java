package dev.dormouse.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostsTest {
    @Test
    void aWildcardCoversWhatTheRouterSendsToIt() {
        Object[][] cases = {
            {"*.example.com", "a.example.com", true},
            {"*.example.com", "a.b.example.com", true},
            {"*.example.com", "*.a.example.com", true},
            {"*.example.com", "*.example.com", true},
            {"*.example.com", "example.com", false},
            {"*.example.com", ".example.com", false},
            {"*.example.com", "aexample.com", false},
            {"*.example.com", "a.example.org", false},
            {"*.example.com", "a.example.com.evil", false},
            {"example.com", "a.example.com", false},
            {"a.example.com", "a.example.com", false},
        };
        List<String> wrong = new ArrayList<>();
        for (Object[] c : cases) {
            if (Hosts.covers((String) c[0], (String) c[1]) != (boolean) c[2]) wrong.add(c[0] + " covers " + c[1] + " should be " + c[2]);
        }
        assertEquals(List.of(), wrong);
    }
}
