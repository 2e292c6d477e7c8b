package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.serve.api.openai.CompletionResponse.ChoiceBody;
import dev.secateur.serve.api.openai.CompletionResponse.LogprobsBody;
import dev.secateur.serve.config.ServeConfig;
import dev.secateur.serve.engine.Finish;
import dev.secateur.serve.generate.Choice;
import dev.secateur.serve.generate.ChoiceListener;
import dev.secateur.serve.generate.CompletionResult;
import dev.secateur.serve.generate.CompletionService;
import dev.secateur.serve.generate.CompletionSpec;
import dev.secateur.serve.generate.InvalidRequestException;
import dev.secateur.serve.generate.PreparedCompletion;
import dev.secateur.serve.generate.ScoredToken;
import dev.secateur.serve.generate.TokenLogprobs;
import dev.secateur.serve.metrics.ServeMetrics;
import dev.secateur.serve.model.Admission;
import org.jboss.resteasy.reactive.RestMulti;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * OpenAI POST /v1/completions. Validation happens before the response starts (so errors are 4xx JSON);
 * generation runs on a worker thread; with stream=true the body is SSE: data: {chunk} ... data: [DONE].
 */
@Path("/v1/completions")
public class CompletionsResource {

    private final Admission admission;
    private final ServeConfig config;
    private final ServeMetrics metrics;
    private final ObjectMapper mapper;
    private final StrictJson json;
    private final CompletionService service = new CompletionService();

    public CompletionsResource(Admission admission, ServeConfig config, ServeMetrics metrics, ObjectMapper mapper,
                               StrictJson json) {
        this.admission = admission;
        this.config = config;
        this.metrics = metrics;
        this.mapper = mapper;
        this.json = json;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    // Not an SSE-compatible type, so Quarkus streams our bytes as they are, whether one JSON body or SSE events we
    // framed ourselves; StreamFlagDecides makes every Accept match it, and RestMulti's Content-Type says what was sent.
    @Produces(SseStream.ANY_APPLICATION_TYPE)
    public RestMulti<byte[]> complete(JsonNode body) throws JsonProcessingException {
        CompletionRequest request = json.read(body, CompletionRequest.class);
        CompletionSpec spec = CompletionRequests.toSpec(request, config.maxTokensCap(), config.maxN());
        Admission.Hold hold = admission.admit(request.model());
        PreparedCompletion job;
        try {
            job = service.prepare(hold.handle(), spec, "prompt");
        } catch (RuntimeException e) {
            hold.close();
            throw e;
        }
        String id = "cmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();
        String model = hold.handle().id();
        if (request.streaming()) {
            return SseStream.events(mapper, sink -> stream(job, hold, sink, id, created, model, request.includeUsage()),
                    hold::close);
        }
        return SseStream.json(mapper, () -> whole(job, hold, id, created, model));
    }

    private CompletionResponse whole(PreparedCompletion job, Admission.Hold hold, String id, long created, String model) {
        try (hold) {
            CompletionResult result = service.run(job, ChoiceListener.NONE);
            metrics.request("completions", hold.handle(), result.stats());
            List<ChoiceBody> choices = new ArrayList<>();
            for (Choice c : result.choices()) {
                choices.add(new ChoiceBody(c.text(), c.index(), LogprobsBody.of(c.logprobs()), c.finish().openAi()));
            }
            return new CompletionResponse(id, CompletionResponse.OBJECT, created, model, choices, Usage.of(result));
        }
    }

    private void stream(PreparedCompletion job, Admission.Hold hold, SseStream.Sink sink, String id, long created,
                        String model, boolean includeUsage) {
        CompletionResult result = service.run(job, new ChoiceListener() {
            @Override
            public void delta(int index, String text) {
                delta(index, text, List.of());
            }

            @Override
            public void delta(int index, String text, List<ScoredToken> tokens) {
                LogprobsBody logprobs = job.spec().logprobs() == null ? null : LogprobsBody.of(new TokenLogprobs(tokens));
                sink.send(chunk(id, created, model, new ChoiceBody(text, index, logprobs, null)));
            }

            @Override
            public void finished(int index, Finish finish) {
                sink.send(chunk(id, created, model, new ChoiceBody("", index, null, finish.openAi())));
            }
        });
        metrics.request("completions", hold.handle(), result.stats());
        if (includeUsage) {
            sink.send(new CompletionResponse(id, CompletionResponse.OBJECT, created, model, List.of(), Usage.of(result)));
        }
    }

    private static CompletionResponse chunk(String id, long created, String model, ChoiceBody choice) {
        return new CompletionResponse(id, CompletionResponse.OBJECT, created, model, List.of(choice), null);
    }
}
