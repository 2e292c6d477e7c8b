package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.config.ServeConfig;
import dev.secateur.serve.engine.EncoderEngine;
import dev.secateur.serve.generate.GenerationStats;
import dev.secateur.serve.generate.InvalidRequestException;
import dev.secateur.serve.metrics.ServeMetrics;
import dev.secateur.serve.model.ModelHandle;
import dev.secateur.serve.model.ModelLease;
import dev.secateur.serve.model.ModelService;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI POST /v1/embeddings for encoder models: one unit-length sentence embedding per input text, in
 * input order. Decoders answer 400; every client error is OpenAI's JSON with a 4xx status.
 */
@Path("/v1/embeddings")
public class EmbeddingsResource {

    private final ModelService models;
    private final ServeConfig config;
    private final ServeMetrics metrics;

    public EmbeddingsResource(ModelService models, ServeConfig config, ServeMetrics metrics) {
        this.models = models;
        this.config = config;
        this.metrics = metrics;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public EmbeddingResponse embed(EmbeddingRequest request) {
        long t0 = System.nanoTime();
        List<String> inputs = inputs(request, config.maxEmbeddingInputs());
        try (ModelLease lease = models.registry(request.model()).acquire()) {
            ModelHandle h = lease.handle();
            if (!(h.model().engine() instanceof EncoderEngine encoder)) {
                throw new InvalidRequestException("model " + h.name() + " is a decoder; use /v1/completions", "model");
            }
            EncoderEngine.Embedded e = encoder.embed(inputs);
            List<EmbeddingResponse.Item> data = new ArrayList<>(inputs.size());
            for (int i = 0; i < e.vectors().length; i++) {
                data.add(new EmbeddingResponse.Item(EmbeddingResponse.Item.OBJECT, i, e.vectors()[i]));
            }
            long dt = System.nanoTime() - t0;
            metrics.request("embeddings", h, new GenerationStats(dt, -1, 0, (int) e.tokens(), 0));
            return new EmbeddingResponse(EmbeddingResponse.OBJECT, data, h.id(),
                    new EmbeddingResponse.Usage(e.tokens(), e.tokens()));
        }
    }

    /** What can be checked without the model. */
    static List<String> inputs(EmbeddingRequest r, int maxInputs) {
        if (r == null) {
            throw new InvalidRequestException("request body is required", null);
        }
        if (r.model() == null || r.model().isBlank()) {
            throw new InvalidRequestException("model is required", "model");
        }
        if (r.encodingFormat() != null && !"float".equals(r.encodingFormat())) {
            throw new InvalidRequestException("encoding_format must be \"float\", was \"" + r.encodingFormat() + "\"",
                    "encoding_format");
        }
        JsonNode node = r.input();
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            throw new InvalidRequestException("input is required", "input");
        }
        if (node.isTextual()) {
            out.add(node.textValue());
        } else if (node.isArray()) {
            if (node.size() == 0) {
                throw new InvalidRequestException("input must not be an empty array", "input");
            }
            if (node.size() > maxInputs) {
                throw new InvalidRequestException("at most " + maxInputs + " inputs per request, got " + node.size(),
                        "input");
            }
            for (JsonNode item : node) {
                if (!item.isTextual()) {
                    throw new InvalidRequestException("input must be a string or an array of strings", "input");
                }
                out.add(item.textValue());
            }
        } else {
            throw new InvalidRequestException("input must be a string or an array of strings", "input");
        }
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).isEmpty()) {
                throw new InvalidRequestException(out.size() == 1 ? "input must not be empty"
                        : "input " + i + " is empty", "input");
            }
        }
        return out;
    }
}
