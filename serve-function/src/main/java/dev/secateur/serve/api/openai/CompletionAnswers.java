package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.serve.config.ServeConfig;
import dev.secateur.serve.generate.ChoiceListener;
import dev.secateur.serve.generate.CompletionResult;
import dev.secateur.serve.generate.CompletionService;
import dev.secateur.serve.generate.CompletionSpec;
import dev.secateur.serve.metrics.ServeMetrics;
import dev.secateur.serve.model.Admission;
import dev.secateur.serve.model.ModelHandle;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What /v1/completions and /v1/chat/completions do alike: read the body strictly, bound its sampling by this server's
 * limits, admit the request, check it against the serving version, generate with the request counted in the metrics,
 * and send one JSON body or SSE events as its stream flag says.
 */
@ApplicationScoped
class CompletionAnswers {

    @Inject
    Admission admission;
    @Inject
    ServeMetrics metrics;
    @Inject
    ObjectMapper mapper;
    @Inject
    StrictJson json;
    @Inject
    ServeConfig config;
    private final CompletionService service = new CompletionService();

    /** How an endpoint turns its request record into what to generate, within the server's limits. */
    interface SpecRule<R> {
        CompletionSpec toSpec(R request, int maxTokensCap, int maxN);
    }

    /** The body as the endpoint's request record; a field the record does not know is refused (see {@link StrictJson}). */
    <R> R read(JsonNode body, Class<R> type) throws JsonProcessingException {
        return json.read(body, type);
    }

    /** The request's sampling under this server's max-tokens-cap and max-n. */
    <R> CompletionSpec spec(R request, SpecRule<R> rule) {
        return rule.toSpec(request, config.maxTokensCap(), config.maxN());
    }

    /**
     * Lets the request in and checks what needs the model before any body is sent (errors are 4xx JSON); a failed
     * check releases the hold at once.
     *
     * @param spec        what to generate on the version that serves the request (chat renders its template there)
     * @param promptParam the request field the prompt came from, named in errors
     */
    AdmittedCompletion admit(String model, String idPrefix, Function<ModelHandle, CompletionSpec> spec,
                             String promptParam) {
        Admission.Hold hold = admission.admit(model);
        try {
            return new AdmittedCompletion(hold, service.prepare(hold.handle(), spec.apply(hold.handle()), promptParam),
                    idPrefix + UUID.randomUUID().toString().replace("-", ""), Instant.now().getEpochSecond());
        } catch (RuntimeException e) {
            hold.close();
            throw e;
        }
    }

    /** Generates every choice, counting the request under {@code api}. */
    CompletionResult run(AdmittedCompletion a, String api, ChoiceListener listener) {
        CompletionResult result = service.run(a.job(), listener);
        metrics.request(api, a.hold().handle(), result.stats());
        return result;
    }

    /** The stream's delta chunks, rendered by this endpoint's mapper; {@code withLogprobs} when the request asks. */
    TextChunks deltas(AdmittedCompletion a, java.util.function.BiFunction<Integer, String, Object> chunk,
                      TextChunks.WithLogprobs withLogprobs) {
        return new TextChunks(mapper, chunk, a.job().spec().logprobs() == null ? null : withLogprobs);
    }

    /** SSE events when streaming, else the one body; the hold is released once either is done. */
    Response send(AdmittedCompletion a, boolean streaming, Consumer<SseStream.Sink> events,
                           Supplier<Object> whole) {
        return send(a, streaming, false, events, whole);
    }

    /** @param namedEvents SSE as the Responses API sends it (event lines, no [DONE]) */
    Response send(AdmittedCompletion a, boolean streaming, boolean namedEvents, Consumer<SseStream.Sink> events,
                  Supplier<Object> whole) {
        if (streaming) {
            return namedEvents ? SseStream.namedEvents(mapper, events, a.hold()::close)
                    : SseStream.events(mapper, events, a.hold()::close);
        }
        return SseStream.json(mapper, () -> {
            try (Admission.Hold hold = a.hold()) {
                return whole.get();
            }
        });
    }
}
