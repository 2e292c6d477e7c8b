package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.api.openai.CompletionResponse.ChoiceBody;
import dev.secateur.serve.api.openai.CompletionResponse.LogprobsBody;
import dev.secateur.serve.generate.Choice;
import dev.secateur.serve.generate.ChoiceListener;
import dev.secateur.serve.generate.CompletionResult;
import dev.secateur.serve.generate.CompletionSpec;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI POST /v1/completions. Validation happens before the response starts (so errors are 4xx JSON);
 * generation runs on a worker thread; with stream=true the body is SSE: data: {chunk} ... data: [DONE].
 */
@Path("/v1/completions")
@Consumes(MediaType.APPLICATION_JSON)
// Not an SSE-compatible type, so Quarkus streams our bytes as they are, whether one JSON body or SSE events we
// framed ourselves; StreamFlagDecides makes every Accept match it, and the Response's Content-Type says what was sent.
@Produces(SseStream.ANY_APPLICATION_TYPE)
public class CompletionsResource {

    @Inject
    CompletionAnswers answers;

    @POST
    public Response complete(JsonNode body) throws JsonProcessingException {
        CompletionRequest request = answers.read(body, CompletionRequest.class);
        CompletionSpec spec = answers.spec(request, CompletionRequests::toSpec);
        AdmittedCompletion admitted = answers.admit(request.model(), "cmpl-", h -> spec, "prompt");
        return answers.send(admitted, request.streaming(), sink -> stream(admitted, sink, request.includeUsage()),
                () -> whole(admitted));
    }

    private CompletionResponse whole(AdmittedCompletion a) {
        CompletionResult result = answers.run(a, "completions", ChoiceListener.NONE);
        List<ChoiceBody> choices = new ArrayList<>();
        for (Choice c : result.choices()) {
            choices.add(new ChoiceBody(c.text(), c.index(), LogprobsBody.of(c.logprobs()), c.finish().openAi()));
        }
        return new CompletionResponse(a.id(), CompletionResponse.OBJECT, a.created(), a.model(), choices,
                Usage.of(result));
    }

    private void stream(AdmittedCompletion a, SseStream.Sink sink, boolean includeUsage) {
        TextChunks deltas = answers.deltas(a, (index, text) -> chunk(a, new ChoiceBody(text, index, null, null)),
                (index, text, logprobs) -> chunk(a, new ChoiceBody(text, index, LogprobsBody.of(logprobs), null)));
        CompletionResult result = answers.run(a, "completions", new StreamedChoices(sink, deltas, null,
                (index, finish) -> chunk(a, new ChoiceBody("", index, null, finish.openAi()))));
        if (includeUsage) {
            sink.send(new CompletionResponse(a.id(), CompletionResponse.OBJECT, a.created(), a.model(), List.of(),
                    Usage.of(result)));
        }
    }

    private static CompletionResponse chunk(AdmittedCompletion a, ChoiceBody choice) {
        return new CompletionResponse(a.id(), CompletionResponse.OBJECT, a.created(), a.model(), List.of(choice), null);
    }
}
