package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.generate.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/** The sampling parameters completions and chat completions share, with OpenAI's defaults and ranges. */
final class SamplingChecks {

    static final int MAX_STOPS = 4;

    private SamplingChecks() {
    }

    static double temperature(Double t) {
        double v = t == null ? 1.0 : t;
        if (!(v >= 0 && v <= 2)) {
            throw new InvalidRequestException("temperature must be between 0 and 2, was " + v, "temperature");
        }
        return v;
    }

    static double topP(Double p) {
        double v = p == null ? 1.0 : p;
        if (!(v > 0 && v <= 1)) {
            throw new InvalidRequestException("top_p must be in (0, 1], was " + v, "top_p");
        }
        return v;
    }

    static int n(Integer n, int maxN) {
        int v = n == null ? 1 : n;
        if (v < 1 || v > maxN) {
            throw new InvalidRequestException("n must be between 1 and " + maxN + ", was " + v, "n");
        }
        return v;
    }

    /** presence_penalty / frequency_penalty: −2 to 2, as OpenAI allows. */
    static double penalty(Double p, String param) {
        double v = p == null ? 0 : p;
        if (!(v >= -2 && v <= 2)) {
            throw new InvalidRequestException(param + " must be between -2 and 2, was " + v, param);
        }
        return v;
    }

    static int maxTokens(Integer requested, int cap, String param) {
        if (requested < 0 || requested > cap) {
            throw new InvalidRequestException(param + " must be between 0 and " + cap + ", was " + requested, param);
        }
        return requested;
    }

    static List<String> stop(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (node.isTextual()) {
            out.add(node.textValue());
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                if (!item.isTextual()) {
                    throw new InvalidRequestException("stop must be a string or an array of strings", "stop");
                }
                out.add(item.textValue());
            }
        } else {
            throw new InvalidRequestException("stop must be a string or an array of strings", "stop");
        }
        if (out.size() > MAX_STOPS) {
            throw new InvalidRequestException("at most " + MAX_STOPS + " stop sequences", "stop");
        }
        return out;
    }
}
