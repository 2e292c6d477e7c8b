package dev.secateur.serve.api.kserve;

import dev.secateur.serve.engine.TextGenerator;
import dev.secateur.serve.generate.InvalidRequestException;
import dev.secateur.serve.generate.GenerationStats;
import dev.secateur.serve.metrics.ServeMetrics;
import dev.secateur.serve.model.ModelHandle;
import dev.secateur.serve.model.ModelLease;
import dev.secateur.serve.model.ModelNotReadyException;
import dev.secateur.serve.model.ModelRegistry;
import dev.secateur.serve.model.ModelService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** KServe / Open Inference Protocol v2: health, model metadata and logits inference. */
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
public class V2Resource {

    /** Largest logits tensor one request may ask for (B*T*V floats). */
    static final long MAX_LOGITS = 64L * 1024 * 1024;

    @Inject
    ModelService models;
    @Inject
    ServeMetrics metrics;

    @GET
    @Path("/health/live")
    public Map<String, Object> live() {
        return Map.of("live", true);
    }

    @GET
    @Path("/health/ready")
    public Response ready() {
        boolean ready = models.registry().isReady();
        return Response.status(ready ? 200 : 503).entity(Map.of("ready", ready)).build();
    }

    @GET
    @Path("/models/{name}")
    public Map<String, Object> metadata(@PathParam("name") String name) {
        ModelRegistry registry = models.registry(name);
        ModelHandle h = registry.current()
                .orElseThrow(() -> new ModelNotReadyException("model " + name + " is not loaded yet"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", registry.name());
        m.put("versions", List.of(Integer.toString(h.version())));
        m.put("platform", "onnxruntime_onnx");
        m.put("inputs", List.of(Map.of("name", InferInputs.INPUT, "datatype", "INT64", "shape", List.of(-1, -1))));
        m.put("outputs", List.of(Map.of("name", "logits", "datatype", "FP32",
                "shape", List.of(-1, -1, h.model().engine().vocabSize()))));
        m.put("parameters", Map.of("provider", h.model().engine().provider(),
                "max_positions", h.model().engine().maxPositions()));
        return m;
    }

    @GET
    @Path("/models/{name}/ready")
    public Response modelReady(@PathParam("name") String name) {
        boolean ready = models.registry(name).isReady();
        return Response.status(ready ? 200 : 503).entity(Map.of("name", name, "ready", ready)).build();
    }

    @POST
    @Path("/models/{name}/infer")
    @Consumes(MediaType.APPLICATION_JSON)
    @Blocking
    public InferResponse infer(@PathParam("name") String name, InferRequest request) {
        long t0 = System.nanoTime();
        try (ModelLease lease = models.registry(name).acquire()) {
            ModelHandle h = lease.handle();
            TextGenerator engine = h.model().decoder(h.name()).generator();
            long[][] ids = InferInputs.inputIds(request, engine.vocabSize(), engine.maxPositions(), MAX_LOGITS);
            float[][][] logits = engine.logits(ids);
            int b = ids.length;
            int t = ids[0].length;
            int v = engine.vocabSize();
            float[] flat = new float[b * t * v];
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < t; j++) {
                    System.arraycopy(logits[i][j], 0, flat, (i * t + j) * v, v);
                }
            }
            long dt = System.nanoTime() - t0;
            metrics.request("infer", h, new GenerationStats(dt, -1, dt, b * t, 0));
            return new InferResponse(h.name(), Integer.toString(h.version()), request.id(),
                    List.of(new InferResponse.Output("logits", "FP32", List.of((long) b, (long) t, (long) v), flat)));
        }
    }
}
