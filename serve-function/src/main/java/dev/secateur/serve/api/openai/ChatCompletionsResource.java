package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.serve.api.openai.ChatCompletionChunk.Delta;
import dev.secateur.serve.chat.ChatFormat;
import dev.secateur.serve.chat.ChatMessage;
import dev.secateur.serve.config.ServeConfig;
import dev.secateur.serve.engine.Finish;
import dev.secateur.serve.generate.Choice;
import dev.secateur.serve.generate.ChoiceListener;
import dev.secateur.serve.generate.CompletionResult;
import dev.secateur.serve.generate.CompletionService;
import dev.secateur.serve.generate.CompletionSpec;
import dev.secateur.serve.generate.InvalidRequestException;
import dev.secateur.serve.generate.PreparedCompletion;
import dev.secateur.serve.generate.Prompt;
import dev.secateur.serve.generate.ScoredToken;
import dev.secateur.serve.generate.TokenLogprobs;
import dev.secateur.serve.metrics.ServeMetrics;
import dev.secateur.serve.model.Admission;
import dev.secateur.serve.model.ModelHandle;
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
 * OpenAI POST /v1/chat/completions: the messages rendered with the served version's chat template, then
 * generated like a completion until the template's end of turn, EOS, a stop sequence or the token limit.
 */
@Path("/v1/chat/completions")
public class ChatCompletionsResource {

    private final Admission admission;
    private final ServeConfig config;
    private final ServeMetrics metrics;
    private final ObjectMapper mapper;
    private final StrictJson json;
    private final CompletionService service = new CompletionService();

    public ChatCompletionsResource(Admission admission, ServeConfig config, ServeMetrics metrics, ObjectMapper mapper,
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
    public RestMulti<byte[]> chat(JsonNode body) throws JsonProcessingException {
        ChatCompletionRequest request = json.read(body, ChatCompletionRequest.class);
        ChatRequests.checkModel(request);
        ChatRequests.refuseUnsupported(request);
        List<ChatMessage> messages = ChatMessages.parse(request.messages());
        CompletionSpec sampling = ChatRequests.toSpec(request, config.maxTokensCap(), config.maxN());
        Admission.Hold hold = admission.admit(request.model());
        PreparedCompletion job;
        try {
            job = prepare(hold.handle(), sampling, messages);
        } catch (RuntimeException e) {
            hold.close();
            throw e;
        }
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();
        String model = hold.handle().id();
        String fingerprint = "secateur-" + hold.handle().id();
        if (request.streaming()) {
            return SseStream.events(mapper, sink -> stream(job, hold, sink,
                    new Chunks(id, created, model, fingerprint), request.includeUsage()), hold::close);
        }
        return SseStream.json(mapper, () -> whole(job, hold, id, created, model, fingerprint));
    }

    private PreparedCompletion prepare(ModelHandle h, CompletionSpec sampling, List<ChatMessage> messages) {
        ChatFormat chat = h.model().decoder(h.name()).chat();
        String prompt = chat.template().render(messages, true);
        return service.prepare(h, sampling.withPrompt(Prompt.text(prompt), chat.endOfTurnIds()), "messages");
    }

    private ChatCompletionResponse whole(PreparedCompletion job, Admission.Hold hold, String id, long created,
                                         String model, String fingerprint) {
        try (hold) {
            CompletionResult result = service.run(job, ChoiceListener.NONE);
            metrics.request("chat", hold.handle(), result.stats());
            List<ChatCompletionResponse.ChoiceBody> choices = new ArrayList<>();
            for (Choice c : result.choices()) {
                choices.add(new ChatCompletionResponse.ChoiceBody(c.index(),
                        new ChatCompletionResponse.Message(ChatCompletionResponse.ASSISTANT, c.text(), null),
                        ChatCompletionResponse.LogprobsBody.of(c.logprobs()), c.finish().openAi()));
            }
            return new ChatCompletionResponse(id, ChatCompletionResponse.OBJECT, created, model, fingerprint, choices,
                    Usage.of(result));
        }
    }

    private void stream(PreparedCompletion job, Admission.Hold hold, SseStream.Sink sink, Chunks chunks,
                        boolean includeUsage) {
        CompletionResult result = service.run(job, new ChoiceListener() {
            @Override
            public void started(int index) {
                sink.send(chunks.of(index, new Delta(ChatCompletionResponse.ASSISTANT, ""), null, null));
            }

            @Override
            public void delta(int index, String text) {
                delta(index, text, List.of());
            }

            @Override
            public void delta(int index, String text, List<ScoredToken> tokens) {
                ChatCompletionResponse.LogprobsBody logprobs = job.spec().logprobs() == null ? null
                        : ChatCompletionResponse.LogprobsBody.of(new TokenLogprobs(tokens));
                sink.send(chunks.of(index, new Delta(null, text), logprobs, null));
            }

            @Override
            public void finished(int index, Finish finish) {
                sink.send(chunks.of(index, new Delta(null, null), null, finish.openAi()));
            }
        });
        metrics.request("chat", hold.handle(), result.stats());
        if (includeUsage) {
            sink.send(new ChatCompletionChunk(chunks.id(), ChatCompletionChunk.OBJECT, chunks.created(), chunks.model(),
                    chunks.fingerprint(), List.of(), Usage.of(result)));
        }
    }

    /** What every chunk of one stream repeats. */
    private record Chunks(String id, long created, String model, String fingerprint) {
        ChatCompletionChunk of(int index, Delta delta, ChatCompletionResponse.LogprobsBody logprobs, String finishReason) {
            return new ChatCompletionChunk(id, ChatCompletionChunk.OBJECT, created, model, fingerprint,
                    List.of(new ChatCompletionChunk.ChoiceBody(index, delta, logprobs, finishReason)), null);
        }
    }
}
