package dev.secateur.serve.api.kserve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.generate.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/** Turns the input_ids tensor of a v2 request into [B][T] ids, or says precisely what is wrong. */
final class InferInputs {

    static final String INPUT = "input_ids";

    private InferInputs() {
    }

    static long[][] inputIds(InferRequest r, int vocab, int maxPositions, long maxElements) {
        if (r == null || r.inputs() == null || r.inputs().isEmpty()) {
            throw bad("inputs is required");
        }
        if (r.inputs().size() != 1) {
            throw bad("exactly one input (" + INPUT + ") is expected, got " + r.inputs().size());
        }
        InferRequest.Tensor t = r.inputs().get(0);
        if (!INPUT.equals(t.name())) {
            throw bad("unknown input '" + t.name() + "', expected " + INPUT);
        }
        if (!"INT64".equals(t.datatype())) {
            throw bad(INPUT + " must have datatype INT64, got " + t.datatype());
        }
        List<Long> shape = t.shape();
        if (shape == null || shape.size() != 2 || shape.get(0) < 1 || shape.get(1) < 1) {
            throw bad(INPUT + " shape must be [B, T] with B, T >= 1, got " + shape);
        }
        long b = shape.get(0);
        long len = shape.get(1);
        if (len > maxPositions) {
            throw bad("sequence length " + len + " exceeds the model's context of " + maxPositions);
        }
        if (b * len * vocab > maxElements) {
            throw bad("B*T*V = " + b * len * vocab + " logits exceed the limit of " + maxElements);
        }
        List<Long> flat = new ArrayList<>();
        flatten(t.data(), flat);
        if (flat.size() != b * len) {
            throw bad(INPUT + " has " + flat.size() + " values, shape " + shape + " needs " + b * len);
        }
        long[][] ids = new long[(int) b][(int) len];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < len; j++) {
                long v = flat.get((int) (i * len + j));
                if (v < 0 || v >= vocab) {
                    throw bad("token id " + v + " outside the vocabulary [0, " + vocab + ")");
                }
                ids[i][j] = v;
            }
        }
        return ids;
    }

    private static void flatten(JsonNode node, List<Long> out) {
        if (node == null || node.isNull()) {
            throw bad(INPUT + " data is required");
        }
        if (node.isArray()) {
            for (JsonNode n : node) {
                flatten(n, out);
            }
        } else if (node.isIntegralNumber() && node.canConvertToLong()) {
            out.add(node.longValue());
        } else {
            throw bad(INPUT + " data must be integers, got " + node);
        }
    }

    private static InvalidRequestException bad(String message) {
        return new InvalidRequestException(message, INPUT);
    }
}
