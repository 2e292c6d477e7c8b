package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.chat.ChatMessage;
import dev.secateur.serve.chat.ToolCallSyntax;
import dev.secateur.serve.generate.ChoiceListener;
import dev.secateur.serve.generate.Choice;
import dev.secateur.serve.generate.CompletionResult;
import dev.secateur.serve.generate.CompletionSpec;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * OpenAI POST /v1/responses, the API the SDKs now lead with, for text and function tools: the input rendered with the
 * served version's chat template (instructions as the system message, function calls and their outputs as chat's tool
 * turns) and generated as a chat completion is, answered as one response object or as its stream of named events;
 * calls the answer makes come back as function_call items. Nothing is stored, so there is no GET of a response and no
 * previous_response_id.
 */
@Path("/v1/responses")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(SseStream.ANY_APPLICATION_TYPE)
public class ResponsesResource {

    @Inject
    CompletionAnswers answers;

    @POST
    public Response create(JsonNode body) throws JsonProcessingException {
        ResponseRequest request = answers.read(body, ResponseRequest.class);
        ResponseRequests.check(request);
        ResponseTools tools = ResponseTools.of(request);
        List<ChatMessage> messages = ResponseRequests.messages(request);
        CompletionSpec sampling = answers.spec(request, ResponseRequests::toSpec);
        AdmittedCompletion admitted = answers.admit(request.model(), "resp_",
                h -> ChatRequests.rendered(h, sampling, messages, tools.asChat()), "input");
        ToolCallSyntax syntax = ToolCallStream.syntax(tools.asChat(), admitted);
        ResponseAnswer answer = new ResponseAnswer(admitted, request, tools);
        return answers.send(admitted, request.streaming(), true, sink -> {
            ResponseEventStream events = new ResponseEventStream(sink, answer);
            events.opened();
            ChoiceListener listener = syntax == null ? events
                    : new ToolCallStream(events, syntax, (index, calls) -> events.calls(answer.calls(calls)));
            events.closed(answers.run(admitted, "responses", listener));
        }, () -> {
            CompletionResult result = answers.run(admitted, "responses", ChoiceListener.NONE);
            Choice choice = result.choices().get(0);
            return answer.finished(choice.text(), choice.finish(), syntax, result);
        });
    }
}
