package dev.secateur.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.json.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes CloudEvents 1.0 over Kafka and HTTP, by hand rather than with the SDK: the bindings we
 * need are a dozen header names, and owning them keeps error messages precise for whoever sent a bad event.
 *
 * <ul>
 *   <li>binary mode: attributes in headers ({@code ce_id} on Kafka, {@code ce-id} on HTTP, any case),
 *       the body is the data;</li>
 *   <li>structured mode: {@code content-type: application/cloudevents+json}, the body is the whole event.</li>
 * </ul>
 */
public final class CloudEventCodec {

    public static final String STRUCTURED_CONTENT_TYPE = "application/cloudevents+json";
    static final String KAFKA_PREFIX = "ce_";
    static final String HTTP_PREFIX = "ce-";

    private CloudEventCodec() {
    }

    // ---------------------------------------------------------------- reading

    /** Kafka record headers (UTF-8 values) and value. */
    public static CloudEvent decodeKafka(Map<String, byte[]> headers, byte[] body) {
        Map<String, String> strings = new LinkedHashMap<>();
        headers.forEach((k, v) -> strings.put(k, v == null ? null : new String(v, StandardCharsets.UTF_8)));
        return decode(strings, body);
    }

    /**
     * Either mode, either transport: the content type decides the mode, the header prefix the transport.
     */
    public static CloudEvent decode(Map<String, String> headers, byte[] body) {
        Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> {
            if (k != null && v != null) {
                h.put(k, v);
            }
        });
        String contentType = h.get("content-type");
        String mediaType = mediaType(contentType);
        if (STRUCTURED_CONTENT_TYPE.equals(mediaType)) {
            return decodeStructured(body);
        }
        if (mediaType != null && mediaType.startsWith("application/cloudevents")) {
            throw new InvalidEventException("unsupported structured format '" + mediaType
                    + "' (only " + STRUCTURED_CONTENT_TYPE + ")");
        }
        return decodeBinary(h, contentType, body);
    }

    private static CloudEvent decodeBinary(Map<String, String> h, String contentType, byte[] body) {
        boolean http = h.keySet().stream().anyMatch(k -> k.regionMatches(true, 0, HTTP_PREFIX, 0, 3));
        boolean kafka = h.keySet().stream().anyMatch(k -> k.regionMatches(true, 0, KAFKA_PREFIX, 0, 3));
        if (!http && !kafka) {
            throw new InvalidEventException("not a CloudEvent: no ce_* headers (binary mode) and content-type is "
                    + (contentType == null ? "absent" : "'" + contentType + "'")
                    + ", not " + STRUCTURED_CONTENT_TYPE + " (structured mode)");
        }
        String prefix = kafka ? KAFKA_PREFIX : HTTP_PREFIX;
        String specversion = header(h, prefix, "specversion", !kafka);
        if (specversion == null) {
            throw new InvalidEventException("missing " + prefix + "specversion header");
        }
        if (!CloudEvent.SPEC_VERSION.equals(specversion)) {
            throw new InvalidEventException("unsupported " + prefix + "specversion '" + specversion
                    + "' (only " + CloudEvent.SPEC_VERSION + ")");
        }
        String id = requiredHeader(h, prefix, "id", !kafka);
        String source = requiredHeader(h, prefix, "source", !kafka);
        String type = requiredHeader(h, prefix, "type", !kafka);
        String timeText = header(h, prefix, "time", !kafka);
        Instant time = timeText == null ? null : parseTime(prefix + "time", timeText);
        String subject = header(h, prefix, "subject", !kafka);
        requireJsonContentType("content-type", contentType);
        JsonNode data = parseData(body, "body");
        return new CloudEvent(id, source, type, specversion, time, contentType, subject, data);
    }

    /** The whole event as one JSON object, with JSON {@code data}. */
    public static CloudEvent decodeStructured(byte[] body) {
        if (body == null || body.length == 0) {
            throw new InvalidEventException("structured event body is empty");
        }
        JsonNode root = parseJson(body, "structured event body");
        if (!root.isObject()) {
            throw new InvalidEventException("structured event body must be a JSON object, got " + kind(root));
        }
        String specversion = stringAttribute(root, "specversion");
        if (specversion == null) {
            throw new InvalidEventException("missing specversion");
        }
        if (!CloudEvent.SPEC_VERSION.equals(specversion)) {
            throw new InvalidEventException("unsupported specversion '" + specversion + "' (only " + CloudEvent.SPEC_VERSION + ")");
        }
        String id = requiredStringAttribute(root, "id");
        String source = requiredStringAttribute(root, "source");
        String type = requiredStringAttribute(root, "type");
        String timeText = stringAttribute(root, "time");
        Instant time = timeText == null ? null : parseTime("time", timeText);
        String datacontenttype = stringAttribute(root, "datacontenttype");
        requireJsonContentType("datacontenttype", datacontenttype);
        if (root.has("data_base64")) {
            throw new InvalidEventException("data_base64 is not supported: data must be JSON");
        }
        String subject = stringAttribute(root, "subject");
        return new CloudEvent(id, source, type, specversion, time, datacontenttype, subject, root.get("data"));
    }

    // ---------------------------------------------------------------- writing

    /** Kafka binary mode: {@code ce_*} headers, the JSON data as the record value. */
    public static EncodedEvent toKafkaBinary(CloudEvent event) {
        return new EncodedEvent(binaryHeaders(event, KAFKA_PREFIX, false), dataBytes(event));
    }

    /** HTTP binary mode: {@code ce-*} headers (percent-encoded as the HTTP binding requires), JSON body. */
    public static EncodedEvent toHttpBinary(CloudEvent event) {
        Map<String, String> headers = binaryHeaders(event, HTTP_PREFIX, true);
        String ct = headers.remove("content-type");
        headers.put("Content-Type", ct);
        return new EncodedEvent(headers, dataBytes(event));
    }

    /** Structured mode, for either transport: one JSON document. */
    public static EncodedEvent toStructured(CloudEvent event) {
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("specversion", event.specversion());
        root.put("id", event.id());
        root.put("source", event.source());
        root.put("type", event.type());
        if (event.time() != null) {
            root.put("time", event.time().toString());
        }
        root.put("datacontenttype", contentType(event));
        if (event.subject() != null) {
            root.put("subject", event.subject());
        }
        if (event.data() != null) {
            root.set("data", event.data());
        }
        return new EncodedEvent(Map.of("content-type", STRUCTURED_CONTENT_TYPE + "; charset=UTF-8"), Json.toBytes(root));
    }

    private static Map<String, String> binaryHeaders(CloudEvent event, String prefix, boolean percentEncode) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(prefix + "specversion", event.specversion());
        headers.put(prefix + "id", enc(event.id(), percentEncode));
        headers.put(prefix + "source", enc(event.source(), percentEncode));
        headers.put(prefix + "type", enc(event.type(), percentEncode));
        if (event.time() != null) {
            headers.put(prefix + "time", event.time().toString());
        }
        if (event.subject() != null) {
            headers.put(prefix + "subject", enc(event.subject(), percentEncode));
        }
        headers.put("content-type", contentType(event));
        return headers;
    }

    private static byte[] dataBytes(CloudEvent event) {
        return event.data() == null ? new byte[0] : Json.toBytes(event.data());
    }

    private static String contentType(CloudEvent event) {
        return event.datacontenttype() == null ? CloudEvent.JSON : event.datacontenttype();
    }

    // ---------------------------------------------------------------- helpers

    private static String header(Map<String, String> h, String prefix, String attribute, boolean percentDecode) {
        String value = h.get(prefix + attribute);
        if (value == null) {
            return null;
        }
        return percentDecode ? percentDecode(prefix + attribute, value) : value;
    }

    private static String requiredHeader(Map<String, String> h, String prefix, String attribute, boolean percentDecode) {
        String value = header(h, prefix, attribute, percentDecode);
        if (value == null || value.isEmpty()) {
            throw new InvalidEventException("missing " + prefix + attribute + " header");
        }
        return value;
    }

    private static String stringAttribute(JsonNode root, String name) {
        JsonNode v = root.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new InvalidEventException("attribute " + name + " must be a string, got " + kind(v));
        }
        return v.asText();
    }

    private static String requiredStringAttribute(JsonNode root, String name) {
        String v = stringAttribute(root, name);
        if (v == null || v.isEmpty()) {
            throw new InvalidEventException("missing " + name);
        }
        return v;
    }

    /** RFC 3339, as the spec requires; offsets are normalised to an Instant. */
    private static Instant parseTime(String attribute, String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new InvalidEventException(attribute + " '" + text + "' is not an RFC 3339 timestamp");
        }
    }

    private static void requireJsonContentType(String what, String contentType) {
        String mt = mediaType(contentType);
        if (mt == null || mt.equals("application/json") || mt.equals("text/json") || mt.endsWith("+json")) {
            return;
        }
        throw new InvalidEventException("unsupported " + what + " '" + contentType + "': data must be JSON");
    }

    private static String mediaType(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    private static JsonNode parseData(byte[] body, String what) {
        // An empty body is a legal event without data; the consumer decides whether it needs data.
        if (body == null || body.length == 0) {
            return null;
        }
        return parseJson(body, what);
    }

    private static JsonNode parseJson(byte[] body, String what) {
        try {
            return Json.mapper().readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidEventException(what + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidEventException(what + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static String kind(JsonNode node) {
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private static String enc(String value, boolean percentEncode) {
        return percentEncode ? percentEncode(value) : value;
    }

    /**
     * HTTP binding §3.1.3.2: everything outside printable ASCII, plus space, '"' and '%', is sent as
     * %XX of its UTF-8 bytes.
     */
    static String percentEncode(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c > 0x20 && c < 0x7f && c != '"' && c != '%') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    static String percentDecode(String header, String value) {
        if (value.indexOf('%') < 0) {
            return value;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                int hi = i + 1 < value.length() ? Character.digit(value.charAt(i + 1), 16) : -1;
                int lo = i + 2 < value.length() ? Character.digit(value.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    throw new InvalidEventException(header + " has a malformed percent-escape: '" + value + "'");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
