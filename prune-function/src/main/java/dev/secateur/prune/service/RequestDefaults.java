package dev.secateur.prune.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Service-wide defaults filled into a request before it is validated, for fields the sender left out
 * (a deployment usually calibrates every job on the same text). A field the sender set always wins.
 *
 * @param calibration default calibration text file, or null for "the request must name one"
 * @param samples     default calibration sequences, or null for PruneRequest's own default
 * @param seqLen      default calibration sequence length, or null for PruneRequest's own default
 */
public record RequestDefaults(String calibration, Integer samples, Integer seqLen) {

    public static final RequestDefaults NONE = new RequestDefaults(null, null, null);

    JsonNode apply(JsonNode data) {
        if (!(data instanceof ObjectNode obj)) {
            return data; // PruneRequest.parse reports the wrong shape
        }
        ObjectNode copy = obj.deepCopy();
        if (calibration != null && absent(copy, "calibration")) {
            copy.put("calibration", calibration);
        }
        if (samples != null && absent(copy, "samples")) {
            copy.put("samples", samples);
        }
        if (seqLen != null && absent(copy, "seqLen")) {
            copy.put("seqLen", seqLen);
        }
        return copy;
    }

    private static boolean absent(ObjectNode o, String field) {
        return !o.has(field) || o.get(field).isNull();
    }
}
