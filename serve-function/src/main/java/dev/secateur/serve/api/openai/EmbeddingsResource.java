package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.config.ServeConfig;
import dev.secateur.serve.engine.Embedder;
import dev.secateur.serve.generate.GenerationStats;
import dev.secateur.serve.generate.InvalidRequestException;
import dev.secateur.serve.metrics.ServeMetrics;
import dev.secateur.serve.model.Admission;
import dev.secateur.serve.model.ModelHandle;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * OpenAI POST /v1/embeddings for encoder models: one sentence embedding per input, in input order, as floats
 * or base64. {@code dimensions} keeps the first components, renormalised to unit length when the model's
 * embeddings are normalised (as OpenAI shortens its own). Decoders answer 400.
 */
@Path("/v1/embeddings")
public class EmbeddingsResource {

    @Inject
    Admission admission;
    @Inject
    ServeConfig config;
    @Inject
    ServeMetrics metrics;
    @Inject
    StrictJson json;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public EmbeddingResponse embed(JsonNode body) throws JsonProcessingException {
        long t0 = System.nanoTime();
        EmbeddingRequest request = json.read(body, EmbeddingRequest.class);
        EmbeddingInputs inputs = EmbeddingInputs.of(request, config.maxEmbeddingInputs());
        if (request.dimensions() != null && request.dimensions() < 1) {
            throw new InvalidRequestException("dimensions must be at least 1, was " + request.dimensions(), "dimensions");
        }
        try (Admission.Hold hold = admission.admit(request.model())) {
            ModelHandle h = hold.handle();
            Embedder encoder = h.model().embedder(h.name());
            int width = encoder.dimensions();
            if (request.dimensions() != null && request.dimensions() > width) {
                throw new InvalidRequestException("dimensions must be at most " + width + " for model " + h.name()
                        + ", was " + request.dimensions(), "dimensions");
            }
            Embedder.Embedded e = inputs.texts() != null ? encoder.embed(inputs.texts())
                    : encoder.embedIds(inputs.ids());
            List<EmbeddingResponse.Item> data = new ArrayList<>(inputs.size());
            for (int i = 0; i < e.vectors().length; i++) {
                float[] v = request.dimensions() == null ? e.vectors()[i]
                        : shorten(e.vectors()[i], request.dimensions(), encoder.normalized());
                data.add(new EmbeddingResponse.Item(EmbeddingResponse.Item.OBJECT, i,
                        request.base64() ? EmbeddingResponse.base64(v) : v));
            }
            long dt = System.nanoTime() - t0;
            metrics.request("embeddings", h, new GenerationStats(dt, -1, 0, (int) e.tokens(), 0));
            return new EmbeddingResponse(EmbeddingResponse.OBJECT, data, h.id(),
                    new EmbeddingResponse.Usage(e.tokens(), e.tokens()));
        }
    }

    /** The first {@code dims} components; back to unit length when the model's embeddings are unit length. */
    static float[] shorten(float[] v, int dims, boolean normalized) {
        float[] out = Arrays.copyOf(v, dims);
        if (normalized && dims < v.length) {
            double norm = 0;
            for (float x : out) {
                norm += (double) x * x;
            }
            norm = Math.sqrt(norm);
            if (norm > 0) {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) (out[i] / norm);
                }
            }
        }
        return out;
    }
}
