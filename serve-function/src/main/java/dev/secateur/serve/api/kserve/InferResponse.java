package dev.secateur.serve.api.kserve;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record InferResponse(@JsonProperty("model_name") String modelName,
                            @JsonProperty("model_version") String modelVersion,
                            String id,
                            List<Output> outputs) {

    public record Output(String name, String datatype, List<Long> shape, float[] data) {
    }
}
