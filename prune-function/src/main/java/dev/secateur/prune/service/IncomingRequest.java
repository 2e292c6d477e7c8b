package dev.secateur.prune.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.events.CloudEvent;
import dev.secateur.events.CloudEventCodec;
import dev.secateur.events.InvalidEventException;
import dev.secateur.events.PruneRequest;
import dev.secateur.events.RequestValidationException;
import dev.secateur.json.Json;

import java.io.IOException;

import java.util.Locale;
import java.util.Map;

/**
 * A request event as received: the CloudEvent envelope, and the data still unparsed. The split matters
 * for binary mode: a readable envelope with broken JSON data is the sender's mistake with an id to answer
 * to (a {@code failed} event naming {@code data}), not an unreadable record for the dead-letter topic.
 */
public record IncomingRequest(CloudEvent envelope, byte[] rawData) {

    /**
     * @throws InvalidEventException when the record is not a CloudEvent at all (no ce_ headers and not
     *                               structured, a structured body that is not JSON, missing attributes)
     */
    public static IncomingRequest decode(Map<String, String> headers, byte[] body) {
        if (isStructured(headers)) {
            return new IncomingRequest(CloudEventCodec.decode(headers, body), null);
        }
        // Envelope from the headers alone; the body is parsed later as the request, with a field to blame.
        CloudEvent envelope = CloudEventCodec.decode(headers, new byte[0]);
        return new IncomingRequest(envelope, body == null ? new byte[0] : body);
    }

    /** Parses and validates the data; {@link RequestValidationException} names the offending field. */
    public PruneRequest request(RequestDefaults defaults) {
        JsonNode data;
        if (rawData != null) {
            if (rawData.length == 0) {
                throw new RequestValidationException("data", "is empty: a prune request needs a JSON object");
            }
            try {
                data = Json.mapper().readTree(rawData);
            } catch (IOException e) {
                throw new RequestValidationException("data", "is not valid JSON: "
                        + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
            }
        } else {
            data = envelope.data();
        }
        return PruneRequest.parse(defaults.apply(data)).validate();
    }

    private static boolean isStructured(Map<String, String> headers) {
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (e.getKey() != null && e.getKey().equalsIgnoreCase("content-type") && e.getValue() != null
                    && e.getValue().toLowerCase(Locale.ROOT).trim().startsWith("application/cloudevents")) {
                return true;
            }
        }
        return false;
    }
}
