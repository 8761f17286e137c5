package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dormouse.cli.SseParser.Comment;
import dev.dormouse.cli.SseParser.Event;
import dev.dormouse.cli.SseParser.Message;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
    static List<Message> parse(String stream) throws IOException {
        List<Message> out = new ArrayList<>();
        new SseParser().read(new StringReader(stream), out::add);
        return out;
    }

    @Test
    void anEventWithTypeIdAndData() throws IOException {
        assertEquals(List.of(new Event("7", "wake", "{\"type\":\"ready\"}")),
                parse("id: 7\nevent: wake\ndata: {\"type\":\"ready\"}\n\n"));
    }

    @Test
    void dataLinesAreJoinedWithNewlines() throws IOException {
        assertEquals(List.of(new Event("", "message", "first\n\nthird")), parse("data: first\ndata:\ndata: third\n\n"));
    }

    @Test
    void onlyOneSpaceAfterTheColonIsDropped() throws IOException {
        assertEquals(List.of(new Event("", "message", "  two")), parse("data:   two\n\n"));
        assertEquals(List.of(new Event("", "message", "none")), parse("data:none\n\n"));
    }

    @Test
    void commentsAreReportedAndDoNotDisturbAnEvent() throws IOException {
        assertEquals(List.of(new Comment("subscribed"), new Comment("keepalive"), new Event("", "wake", "x")),
                parse(": subscribed\n\nevent: wake\n: keepalive\ndata: x\n\n"));
        assertEquals(List.of(new Comment("")), parse(":\n"));
    }

    @Test
    void theLastIdCarriesOverAndAnIdWithNulIsIgnored() throws IOException {
        assertEquals(List.of(new Event("1", "message", "a"), new Event("1", "message", "b"), new Event("", "message", "c")),
                parse("id: 1\ndata: a\n\ndata: b\nid: 2\u0000\n\nid\ndata: c\n\n"));
    }

    @Test
    void anEventWithoutDataIsNotDispatchedAndItsTypeIsForgotten() throws IOException {
        assertEquals(List.of(new Event("", "message", "later")), parse("event: wake\n\ndata: later\n\n"));
    }

    @Test
    void crlfAndCrLineEndingsWork() throws IOException {
        assertEquals(List.of(new Event("3", "health", "a\nb"), new Event("4", "wake", "c")),
                parse("id: 3\r\nevent: health\r\ndata: a\r\ndata: b\r\n\r\nid: 4\revent: wake\rdata: c\r\r"));
    }

    @Test
    void aFieldWithoutAColonAndUnknownFieldsAndRetry() throws IOException {
        assertEquals(List.of(new Event("", "message", "")), parse("data\nretry: 3000\nfoo: bar\n\n"));
    }

    @Test
    void aLeadingByteOrderMarkIsSkipped() throws IOException {
        assertEquals(List.of(new Event("", "wake", "x")), parse("\uFEFFevent: wake\ndata: x\n\n"));
    }

    @Test
    void anUnfinishedEventAtTheEndIsDropped() throws IOException {
        assertEquals(List.of(new Event("", "message", "done")), parse("data: done\n\ndata: cut off"));
    }

    @Test
    void valuesKeepTheirColons() throws IOException {
        assertEquals(List.of(new Event("", "message", "{\"a\":\"b:c\"}")), parse("data: {\"a\":\"b:c\"}\n\n"));
    }
}
