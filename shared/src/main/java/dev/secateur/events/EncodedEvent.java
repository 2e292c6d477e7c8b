package dev.secateur.events;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Headers and body ready for a transport. Kafka wants header values as bytes, HTTP as strings; both come
 * from the same map.
 */
public record EncodedEvent(Map<String, String> headers, byte[] body) {

    public EncodedEvent {
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    /** UTF-8, as the Kafka protocol binding prescribes for header values. */
    public Map<String, byte[]> headerBytes() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        headers.forEach((k, v) -> out.put(k, v.getBytes(StandardCharsets.UTF_8)));
        return out;
    }
}
