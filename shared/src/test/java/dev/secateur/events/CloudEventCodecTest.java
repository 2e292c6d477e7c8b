package dev.secateur.events;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.json.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CloudEventCodecTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> kafkaHeaders() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("ce_specversion", "1.0");
        h.put("ce_id", "req-1");
        h.put("ce_source", "/cli");
        h.put("ce_type", EventTypes.PRUNE_REQUESTED);
        h.put("ce_time", "2025-05-01T12:00:00Z");
        h.put("content-type", "application/json");
        return h;
    }

    private static void assertRejected(String expectedFragment, Map<String, String> headers, String body) {
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> CloudEventCodec.decode(headers, body == null ? null : utf8(body)));
        assertTrue(e.getMessage().contains(expectedFragment),
                "expected '" + expectedFragment + "' in: " + e.getMessage());
    }

    @Test
    void kafkaBinaryRoundTrip() throws Exception {
        PruneCompleted done = new PruneCompleted("job-7", "req-1", "tiny", 3, "/store/tiny/3", "abc123",
                new BeforeAfter(100, 80, 400, 320, 12.5, 13.1, 128, 0.93, Map.of("score", 1.5)));
        CloudEvent event = CloudEvent.of(EventTypes.PRUNE_COMPLETED, "/prune-function", "job-7", done);

        EncodedEvent encoded = CloudEventCodec.toKafkaBinary(event);
        assertEquals("1.0", encoded.headers().get("ce_specversion"));
        assertEquals(event.id(), encoded.headers().get("ce_id"));
        assertEquals(EventTypes.PRUNE_COMPLETED, encoded.headers().get("ce_type"));
        assertEquals("job-7", encoded.headers().get("ce_subject"));
        assertEquals("application/json", encoded.headers().get("content-type"));
        // Binary mode: the record value is the data alone, not an envelope.
        JsonNode value = Json.mapper().readTree(encoded.body());
        assertEquals("job-7", value.get("jobId").asText());
        assertNull(value.get("specversion"));

        CloudEvent decoded = CloudEventCodec.decodeKafka(encoded.headerBytes(), encoded.body());
        assertEquals(event, decoded);
        assertEquals(done, decoded.dataAs(PruneCompleted.class));
        assertEquals(13.1 / 12.5, decoded.dataAs(PruneCompleted.class).summary().perplexityRatio(), 1e-12);
    }

    @Test
    void httpBinaryRoundTripCaseInsensitiveAndPercentEncoded() {
        CloudEvent event = new CloudEvent("id 1", "/src", EventTypes.PRUNE_REQUESTED, "1.0",
                Instant.parse("2025-05-01T12:00:00Z"), "application/json", "naïve \"subject\" 100%",
                Json.mapper().createObjectNode().put("outputModel", "m"));
        EncodedEvent encoded = CloudEventCodec.toHttpBinary(event);
        assertEquals("id%201", encoded.headers().get("ce-id"));
        assertEquals("na%C3%AFve%20%22subject%22%20100%25", encoded.headers().get("ce-subject"));

        // Servers hand us headers in whatever case they like.
        Map<String, String> shouted = new HashMap<>();
        encoded.headers().forEach((k, v) -> shouted.put(k.toUpperCase(), v));
        CloudEvent decoded = CloudEventCodec.decode(shouted, encoded.body());
        assertEquals(event, decoded);
    }

    @Test
    void structuredModeParsedFromEitherTransport() {
        String body = """
                {"specversion":"1.0","id":"abc","source":"urn:test","type":"dev.secateur.prune.requested",
                 "time":"2025-05-01T14:00:00+02:00","datacontenttype":"application/json","subject":"s",
                 "data":{"outputModel":"x","ffnRatio":0.3},"someextension":"ignored"}""";
        CloudEvent e = CloudEventCodec.decode(Map.of("Content-Type", "application/cloudevents+json; charset=utf-8"), utf8(body));
        assertEquals("abc", e.id());
        assertEquals("urn:test", e.source());
        assertEquals(Instant.parse("2025-05-01T12:00:00Z"), e.time());
        assertEquals("s", e.subject());
        assertEquals(0.3, e.data().get("ffnRatio").asDouble());

        EncodedEvent structured = CloudEventCodec.toStructured(e);
        assertEquals(e, CloudEventCodec.decode(structured.headers(), structured.body()));
    }

    @Test
    void emptyBinaryBodyIsAnEventWithoutData() {
        CloudEvent e = CloudEventCodec.decode(kafkaHeaders(), new byte[0]);
        assertNull(e.data());
        InvalidEventException ex = assertThrows(InvalidEventException.class, () -> e.dataAs(PruneStarted.class));
        assertTrue(ex.getMessage().contains("no data"), ex.getMessage());
        EncodedEvent enc = CloudEventCodec.toKafkaBinary(e);
        assertArrayEquals(new byte[0], enc.body());
    }

    @Test
    void binaryBodyThatIsNotJsonIsRejected() {
        assertRejected("body is not valid JSON", kafkaHeaders(), "not json at all");
        assertRejected("body is not valid JSON", kafkaHeaders(), "{\"a\":1} trailing");
    }

    @Test
    void eachMissingRequiredHeaderIsNamed() {
        for (String attr : new String[]{"ce_id", "ce_type", "ce_source", "ce_specversion"}) {
            Map<String, String> h = kafkaHeaders();
            h.remove(attr);
            assertRejected("missing " + attr + " header", h, "{}");
        }
        Map<String, String> emptyId = kafkaHeaders();
        emptyId.put("ce_id", "");
        assertRejected("missing ce_id header", emptyId, "{}");
    }

    @Test
    void wrongSpecVersionRejected() {
        Map<String, String> h = kafkaHeaders();
        h.put("ce_specversion", "0.3");
        assertRejected("unsupported ce_specversion '0.3'", h, "{}");
        assertRejected("unsupported specversion '2.0'", Map.of("content-type", "application/cloudevents+json"),
                "{\"specversion\":\"2.0\",\"id\":\"a\",\"source\":\"s\",\"type\":\"t\"}");
    }

    @Test
    void badTimeAndContentTypeRejected() {
        Map<String, String> h = kafkaHeaders();
        h.put("ce_time", "yesterday");
        assertRejected("ce_time 'yesterday' is not an RFC 3339 timestamp", h, "{}");
        Map<String, String> text = kafkaHeaders();
        text.put("content-type", "text/plain");
        assertRejected("unsupported content-type 'text/plain'", text, "hello");
    }

    @Test
    void plainRecordWithoutCloudEventHeadersRejected() {
        assertRejected("no ce_* headers", Map.of("content-type", "application/json"), "{}");
        assertRejected("no ce_* headers", Map.of(), "{}");
    }

    @Test
    void malformedStructuredEventsRejected() {
        Map<String, String> ct = Map.of("content-type", "application/cloudevents+json");
        assertRejected("structured event body is not valid JSON", ct, "{oops");
        assertRejected("structured event body is empty", ct, "");
        assertRejected("must be a JSON object, got array", ct, "[1,2]");
        assertRejected("missing id", ct, "{\"specversion\":\"1.0\",\"source\":\"s\",\"type\":\"t\"}");
        assertRejected("missing type", ct, "{\"specversion\":\"1.0\",\"id\":\"a\",\"source\":\"s\"}");
        assertRejected("missing specversion", ct, "{\"id\":\"a\",\"source\":\"s\",\"type\":\"t\"}");
        assertRejected("attribute id must be a string, got number", ct,
                "{\"specversion\":\"1.0\",\"id\":5,\"source\":\"s\",\"type\":\"t\"}");
        assertRejected("data_base64 is not supported", ct,
                "{\"specversion\":\"1.0\",\"id\":\"a\",\"source\":\"s\",\"type\":\"t\",\"data_base64\":\"AA==\"}");
        assertRejected("unsupported structured format", Map.of("content-type", "application/cloudevents-batch+json"), "[]");
    }

    @Test
    void badPercentEscapeRejected() {
        Map<String, String> h = new HashMap<>(Map.of("ce-specversion", "1.0", "ce-id", "a%zz", "ce-source", "s",
                "ce-type", "t"));
        assertRejected("ce-id has a malformed percent-escape", h, "{}");
    }

    @Test
    void dataBindingMismatchIsAnInvalidEvent() {
        JsonNode data = Json.mapper().createObjectNode().put("version", "not-a-number");
        CloudEvent e = new CloudEvent("a", "s", EventTypes.PRUNE_COMPLETED, "1.0", null, null, null, data);
        InvalidEventException ex = assertThrows(InvalidEventException.class, () -> e.dataAs(PruneCompleted.class));
        assertTrue(ex.getMessage().contains("not a valid PruneCompleted"), ex.getMessage());
    }
}
