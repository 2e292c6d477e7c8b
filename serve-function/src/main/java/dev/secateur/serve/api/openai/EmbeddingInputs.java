package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.generate.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/**
 * The input of an embeddings request: texts (a string or an array of strings) or token ids (an array of ids,
 * or an array of id arrays), never mixed, none empty, at most the configured number.
 */
record EmbeddingInputs(List<String> texts, List<long[]> ids) {

    static EmbeddingInputs of(EmbeddingRequest r, int maxInputs) {
        if (r.model() == null || r.model().isBlank()) {
            throw new InvalidRequestException("model is required", "model");
        }
        if (r.encodingFormat() != null && !"float".equals(r.encodingFormat()) && !r.base64()) {
            throw new InvalidRequestException("encoding_format must be \"float\" or \"base64\", was \""
                    + r.encodingFormat() + "\"", "encoding_format");
        }
        JsonNode node = r.input();
        if (node == null || node.isNull()) {
            throw new InvalidRequestException("input is required", "input");
        }
        if (node.isTextual()) {
            return new EmbeddingInputs(List.of(nonEmpty(node.textValue(), 0, 1)), null);
        }
        if (!node.isArray()) {
            throw invalid();
        }
        if (node.isEmpty()) {
            throw new InvalidRequestException("input must not be an empty array", "input");
        }
        if (node.get(0).isIntegralNumber()) {
            return new EmbeddingInputs(null, List.of(ids(node)));
        }
        if (node.size() > maxInputs) {
            throw new InvalidRequestException("at most " + maxInputs + " inputs per request, got " + node.size(), "input");
        }
        if (node.get(0).isArray()) {
            List<long[]> ids = new ArrayList<>();
            for (JsonNode item : node) {
                if (!item.isArray() || item.isEmpty()) {
                    throw invalid();
                }
                ids.add(ids(item));
            }
            return new EmbeddingInputs(null, ids);
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw invalid();
            }
            texts.add(nonEmpty(item.textValue(), texts.size(), node.size()));
        }
        return new EmbeddingInputs(texts, null);
    }

    int size() {
        return texts != null ? texts.size() : ids.size();
    }

    private static String nonEmpty(String text, int index, int count) {
        if (text.isEmpty()) {
            throw new InvalidRequestException(count == 1 ? "input must not be empty" : "input " + index + " is empty",
                    "input");
        }
        return text;
    }

    private static long[] ids(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            if (!array.get(i).isIntegralNumber()) {
                throw invalid();
            }
            out[i] = array.get(i).longValue();
        }
        return out;
    }

    private static InvalidRequestException invalid() {
        return new InvalidRequestException("input must be a string, an array of strings, an array of token ids or an "
                + "array of token-id arrays", "input");
    }
}
