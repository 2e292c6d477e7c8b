package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.serve.api.openai.CompletionResponse.ChoiceBody;
import dev.secateur.serve.api.openai.CompletionResponse.LogprobsBody;
import dev.secateur.serve.api.openai.CompletionResponse.Usage;
import dev.secateur.serve.config.ServeConfig;
import dev.secateur.serve.engine.EncoderEngine;
import dev.secateur.serve.engine.Finish;
import dev.secateur.serve.generate.Choice;
import dev.secateur.serve.generate.ChoiceListener;
import dev.secateur.serve.generate.CompletionResult;
import dev.secateur.serve.generate.CompletionService;
import dev.secateur.serve.generate.InvalidRequestException;
import dev.secateur.serve.generate.PreparedCompletion;
import dev.secateur.serve.metrics.ServeMetrics;
import dev.secateur.serve.model.ModelLease;
import dev.secateur.serve.model.ModelService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * OpenAI POST /v1/completions. Validation happens before the response starts (so errors are 4xx JSON);
 * generation runs on a worker thread; with stream=true the body is SSE: data: {chunk} ... data: [DONE].
 */
@Path("/v1/completions")
public class CompletionsResource {

    private final ModelService models;
    private final ServeConfig config;
    private final ServeMetrics metrics;
    private final ObjectMapper mapper;
    private final CompletionService service = new CompletionService();

    public CompletionsResource(ModelService models, ServeConfig config, ServeMetrics metrics, ObjectMapper mapper) {
        this.models = models;
        this.config = config;
        this.metrics = metrics;
        this.mapper = mapper;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Multi<String> complete(CompletionRequest request) {
        var spec = CompletionRequests.toSpec(request, config.maxTokensCap(), config.maxN());
        var registry = models.registry(request.model());
        ModelLease lease = registry.acquire();
        PreparedCompletion job;
        try {
            if (lease.handle().model().engine() instanceof EncoderEngine) {
                throw new InvalidRequestException("model " + lease.handle().name()
                        + " is an encoder; use /v1/embeddings", "model");
            }
            job = service.prepare(lease.handle(), spec);
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
        String id = "cmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();
        String model = lease.handle().id();
        if (request.streaming()) {
            Multi<String> events = Multi.createFrom().<String>emitter(
                    em -> stream(job, lease, em, id, created, model, request.includeUsage()))
                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
            return RestMulti.fromMultiData(events)
                    .header("Content-Type", MediaType.SERVER_SENT_EVENTS)
                    .header("Cache-Control", "no-cache")
                    .encodeAsJsonArray(false)
                    .build();
        }
        Multi<String> body = Uni.createFrom().item(() -> whole(job, lease, id, created, model))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .toMulti();
        return RestMulti.fromMultiData(body)
                .header("Content-Type", MediaType.APPLICATION_JSON)
                .encodeAsJsonArray(false)
                .build();
    }

    private String whole(PreparedCompletion job, ModelLease lease, String id, long created, String model) {
        try (lease) {
            CompletionResult result = service.run(job, ChoiceListener.NONE);
            metrics.request("completions", lease.handle(), result.stats());
            List<ChoiceBody> choices = new ArrayList<>();
            for (Choice c : result.choices()) {
                choices.add(new ChoiceBody(c.text(), c.index(), logprobs(c), c.finish().openAi()));
            }
            return json(new CompletionResponse(id, CompletionResponse.OBJECT, created, model, choices, usage(result)));
        }
    }

    private void stream(PreparedCompletion job, ModelLease lease, MultiEmitter<? super String> em, String id,
                        long created, String model, boolean includeUsage) {
        try (lease) {
            CompletionResult result = service.run(job, new ChoiceListener() {
                @Override
                public void delta(int index, String text) {
                    send(em, chunk(id, created, model, new ChoiceBody(text, index, null, null), null));
                }

                @Override
                public void finished(int index, Finish finish) {
                    send(em, chunk(id, created, model, new ChoiceBody("", index, null, finish.openAi()), null));
                }
            });
            metrics.request("completions", lease.handle(), result.stats());
            if (includeUsage) {
                em.emit("data: " + json(new CompletionResponse(id, CompletionResponse.OBJECT, created, model,
                        List.of(), usage(result))) + "\n\n");
            }
            em.emit("data: [DONE]\n\n");
            em.complete();
        } catch (CancellationException e) {
            em.complete();
        } catch (RuntimeException e) {
            // Headers are gone already: report in-band, as OpenAI does, then end the stream.
            em.emit("data: " + json(java.util.Map.of("error", java.util.Map.of("message", String.valueOf(e.getMessage()),
                    "type", "server_error"))) + "\n\n");
            em.complete();
        }
    }

    private static void send(MultiEmitter<? super String> em, String chunk) {
        if (em.isCancelled()) {
            throw new CancellationException("client went away");
        }
        em.emit("data: " + chunk + "\n\n");
    }

    private String chunk(String id, long created, String model, ChoiceBody choice, Usage usage) {
        return json(new CompletionResponse(id, CompletionResponse.OBJECT, created, model, List.of(choice), usage));
    }

    private static Usage usage(CompletionResult r) {
        return new Usage(r.promptTokens(), r.completionTokens(), r.promptTokens() + r.completionTokens());
    }

    private static LogprobsBody logprobs(Choice c) {
        if (c.logprobs() == null) {
            return null;
        }
        return new LogprobsBody(c.logprobs().tokens(), c.logprobs().tokenLogprobs(), null, c.logprobs().textOffset());
    }

    private String json(Object o) {
        try {
            return mapper.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
