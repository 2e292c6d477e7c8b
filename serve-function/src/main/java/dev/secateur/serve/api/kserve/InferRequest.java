package dev.secateur.serve.api.kserve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Open Inference Protocol v2 request body. */
public record InferRequest(String id, List<Tensor> inputs, List<Output> outputs) {

    /** data may be flat or nested (row-major), as the protocol allows. */
    public record Tensor(String name, List<Long> shape, String datatype, JsonNode data) {
    }

    public record Output(String name) {
    }
}
