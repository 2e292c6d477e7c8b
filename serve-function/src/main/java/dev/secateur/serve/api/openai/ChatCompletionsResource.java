package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.api.openai.ChatCompletionChunk.Delta;
import dev.secateur.serve.chat.ChatMessage;
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
 * OpenAI POST /v1/chat/completions: the messages rendered with the served version's chat template, then
 * generated like a completion until the template's end of turn, EOS, a stop sequence or the token limit.
 */
@Path("/v1/chat/completions")
@Consumes(MediaType.APPLICATION_JSON)
// Not an SSE-compatible type, so Quarkus streams our bytes as they are, whether one JSON body or SSE events we
// framed ourselves; StreamFlagDecides makes every Accept match it, and the Response's Content-Type says what was sent.
@Produces(SseStream.ANY_APPLICATION_TYPE)
public class ChatCompletionsResource {

    @Inject
    CompletionAnswers answers;

    @POST
    public Response chat(JsonNode body) throws JsonProcessingException {
        ChatCompletionRequest request = answers.read(body, ChatCompletionRequest.class);
        ChatRequests.checkModel(request);
        ChatRequests.refuseUnsupported(request);
        List<ChatMessage> messages = ChatMessages.parse(request.messages());
        CompletionSpec sampling = answers.spec(request, ChatRequests::toSpec);
        AdmittedCompletion admitted = answers.admit(request.model(), "chatcmpl-", h -> ChatRequests.rendered(h, sampling, messages),
                "messages");
        return answers.send(admitted, request.streaming(), sink -> stream(admitted, sink, request.includeUsage()),
                () -> whole(admitted));
    }

    private ChatCompletionResponse whole(AdmittedCompletion a) {
        CompletionResult result = answers.run(a, "chat", ChoiceListener.NONE);
        List<ChatCompletionResponse.ChoiceBody> choices = new ArrayList<>();
        for (Choice c : result.choices()) {
            choices.add(new ChatCompletionResponse.ChoiceBody(c.index(),
                    new ChatCompletionResponse.Message(ChatCompletionResponse.ASSISTANT, c.text(), null),
                    ChatCompletionResponse.LogprobsBody.of(c.logprobs()), c.finish().openAi()));
        }
        return new ChatCompletionResponse(ChatHeader.of(a, ChatCompletionResponse.OBJECT), choices, Usage.of(result));
    }

    private void stream(AdmittedCompletion a, SseStream.Sink sink, boolean includeUsage) {
        ChatHeader header = ChatHeader.of(a, ChatCompletionChunk.OBJECT);
        TextChunks deltas = answers.deltas(a, (index, text) -> chunk(header, index, new Delta(null, text), null, null),
                (index, text, logprobs) -> chunk(header, index, new Delta(null, text),
                        ChatCompletionResponse.LogprobsBody.of(logprobs), null));
        CompletionResult result = answers.run(a, "chat", new StreamedChoices(sink, deltas,
                index -> chunk(header, index, new Delta(ChatCompletionResponse.ASSISTANT, ""), null, null),
                (index, finish) -> chunk(header, index, new Delta(null, null), null, finish.openAi())));
        if (includeUsage) {
            sink.send(new ChatCompletionChunk(header, List.of(), Usage.of(result)));
        }
    }

    private static ChatCompletionChunk chunk(ChatHeader header, int index, Delta delta,
                                             ChatCompletionResponse.LogprobsBody logprobs, String finishReason) {
        return new ChatCompletionChunk(header, List.of(new ChatCompletionChunk.ChoiceBody(index, delta, logprobs,
                finishReason)), null);
    }
}
