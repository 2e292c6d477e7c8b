package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.api.openai.ChatCompletionChunk.Delta;
import dev.secateur.serve.chat.ChatMessage;
import dev.secateur.serve.chat.ToolCallSyntax;
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
        ToolRequest tools = ToolRequest.of(request.tools(), request.toolChoice(), request.parallelToolCalls());
        CompletionSpec sampling = answers.spec(request, ChatRequests::toSpec);
        AdmittedCompletion admitted = answers.admit(request.model(), "chatcmpl-",
                h -> ChatRequests.rendered(h, sampling, messages, tools), "messages");
        ToolCallSyntax syntax = ToolCallStream.syntax(tools, admitted);
        boolean parallel = tools == null || tools.parallel();
        return answers.send(admitted, request.streaming(),
                sink -> stream(admitted, sink, request.includeUsage(), syntax, parallel), () -> whole(admitted, syntax, parallel));
    }

    static final String TOOL_CALLS = "tool_calls";

    private ChatCompletionResponse whole(AdmittedCompletion a, ToolCallSyntax syntax, boolean parallel) {
        CompletionResult result = answers.run(a, "chat", ChoiceListener.NONE);
        List<ChatCompletionResponse.ChoiceBody> choices = new ArrayList<>();
        for (Choice c : result.choices()) {
            var parsed = syntax == null ? java.util.Optional.<ToolCallSyntax.Parsed>empty() : syntax.parse(c.text());
            ChatCompletionResponse.Message message = parsed.map(p -> new ChatCompletionResponse.Message(
                            ChatCompletionResponse.ASSISTANT, p.content(), null, toolCalls(p.calls(), parallel)))
                    .orElseGet(() -> new ChatCompletionResponse.Message(ChatCompletionResponse.ASSISTANT, c.text()));
            choices.add(new ChatCompletionResponse.ChoiceBody(c.index(), message,
                    ChatCompletionResponse.LogprobsBody.of(c.logprobs()), parsed.isPresent() ? TOOL_CALLS : c.finish().openAi()));
        }
        return new ChatCompletionResponse(ChatHeader.of(a, ChatCompletionResponse.OBJECT), choices, Usage.of(result));
    }

    private void stream(AdmittedCompletion a, SseStream.Sink sink, boolean includeUsage, ToolCallSyntax syntax,
                        boolean parallel) {
        ChatHeader header = ChatHeader.of(a, ChatCompletionChunk.OBJECT);
        TextChunks deltas = answers.deltas(a, (index, text) -> chunk(header, index, new Delta(null, text), null, null),
                (index, text, logprobs) -> chunk(header, index, new Delta(null, text),
                        ChatCompletionResponse.LogprobsBody.of(logprobs), null));
        ChoiceListener listener = new StreamedChoices(sink, deltas,
                index -> chunk(header, index, new Delta(ChatCompletionResponse.ASSISTANT, ""), null, null),
                (index, finish) -> chunk(header, index, new Delta(null, null), null, finish.openAi()));
        if (syntax != null) {
            listener = new ToolCallStream(listener, syntax, (index, calls) -> {
                List<ChatCompletionResponse.ToolCall> made = toolCalls(calls, parallel);
                List<ChatCompletionChunk.ToolCallDelta> streamed = new ArrayList<>();
                for (int k = 0; k < made.size(); k++) {
                    streamed.add(new ChatCompletionChunk.ToolCallDelta(k, made.get(k).id(), made.get(k).type(),
                            made.get(k).function()));
                }
                sink.send(chunk(header, index, new Delta(null, null, streamed), null, null));
                sink.send(chunk(header, index, new Delta(null, null), null, TOOL_CALLS));
            });
        }
        CompletionResult result = answers.run(a, "chat", listener);
        if (includeUsage) {
            sink.send(new ChatCompletionChunk(header, List.of(), Usage.of(result)));
        }
    }

    /** OpenAI's form of the parsed calls, each with a fresh id (9 letters and digits, which Mistral's template asks of ids it is sent back). */
    private static List<ChatCompletionResponse.ToolCall> toolCalls(List<ToolCallSyntax.Call> calls, boolean parallel) {
        List<ChatCompletionResponse.ToolCall> out = new ArrayList<>();
        for (ToolCallSyntax.Call c : parallel ? calls : calls.subList(0, 1)) {
            out.add(new ChatCompletionResponse.ToolCall(callId(), "function",
                    new ChatCompletionResponse.Function(c.name(), c.arguments())));
        }
        return out;
    }

    private static final String ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    static String callId() {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        StringBuilder b = new StringBuilder(9);
        for (int i = 0; i < 9; i++) {
            b.append(ID_CHARS.charAt(r.nextInt(ID_CHARS.length())));
        }
        return b.toString();
    }

    private static ChatCompletionChunk chunk(ChatHeader header, int index, Delta delta,
                                             ChatCompletionResponse.LogprobsBody logprobs, String finishReason) {
        return new ChatCompletionChunk(header, List.of(new ChatCompletionChunk.ChoiceBody(index, delta, logprobs,
                finishReason)), null);
    }
}
