package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.generate.InvalidRequestException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
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

    /** vLLM's top_k: -1 or 0 for no limit (vLLM's two spellings of it), else at least 1. */
    static int topK(Integer k) {
        int v = k == null ? 0 : k;
        if (v < -1) {
            throw new InvalidRequestException("top_k must be -1 or 0 (no limit) or at least 1, was " + v, "top_k");
        }
        return Math.max(v, 0);
    }

    /** vLLM's min_p: 0 (none) to 1. */
    static double minP(Double p) {
        double v = p == null ? 0 : p;
        if (!(v >= 0 && v <= 1)) {
            throw new InvalidRequestException("min_p must be between 0 and 1, was " + v, "min_p");
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

    /**
     * logit_bias: an object from token ids (as strings, JSON keys being strings) to a bias from −100 to 100, as
     * OpenAI defines it; whether the ids are in the vocabulary is checked once the model is known.
     */
    static Map<Integer, Float> logitBias(JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new InvalidRequestException("logit_bias must be an object mapping token ids to a bias", "logit_bias");
        }
        Map<Integer, Float> out = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            int id;
            try {
                id = Integer.parseInt(e.getKey().trim());
            } catch (NumberFormatException notAnId) {
                throw new InvalidRequestException("logit_bias keys must be token ids, not \"" + e.getKey() + "\"",
                        "logit_bias");
            }
            JsonNode v = e.getValue();
            if (!v.isNumber() || !(v.doubleValue() >= -100 && v.doubleValue() <= 100)) {
                throw new InvalidRequestException("logit_bias values must be numbers between -100 and 100, was " + v
                        + " for token " + id, "logit_bias");
            }
            out.put(id, v.floatValue());
        }
        return out;
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
