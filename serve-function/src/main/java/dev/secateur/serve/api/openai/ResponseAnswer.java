package dev.secateur.serve.api.openai;

import dev.secateur.serve.chat.ToolCallSyntax;
import dev.secateur.serve.engine.Finish;
import dev.secateur.serve.generate.CompletionResult;
import java.util.ArrayList;
import java.util.List;

/** The response object of one admitted request, as it stands while generating and once it is done. */
final class ResponseAnswer {

    private final AdmittedCompletion admitted;
    private final ResponseRequest request;
    private final ResponseTools tools;
    final String messageId;

    ResponseAnswer(AdmittedCompletion admitted, ResponseRequest request, ResponseTools tools) {
        this.admitted = admitted;
        this.request = request;
        this.tools = tools;
        // the message item's id: the response's own id under OpenAI's item prefix
        this.messageId = "msg_" + admitted.id().substring("resp_".length());
    }

    ResponseObject inProgress() {
        return body(ResponseObject.IN_PROGRESS, null, List.of(), null);
    }

    /** A whole answer: its calls read out when the request has tools and the text holds some, else one message. */
    ResponseObject finished(String text, Finish finish, ToolCallSyntax syntax, CompletionResult result) {
        var parsed = syntax == null ? java.util.Optional.<ToolCallSyntax.Parsed>empty() : syntax.parse(text);
        if (parsed.isEmpty()) {
            return finished(text, List.of(), finish, result);
        }
        return finished(parsed.get().content(), calls(parsed.get().calls()), finish, result);
    }

    /**
     * @param content the message's text; null for an answer that is only calls
     */
    ResponseObject finished(String content, List<ResponseObject.FunctionCall> calls, Finish finish,
                            CompletionResult result) {
        List<Object> output = new ArrayList<>();
        String status = calls.isEmpty() ? ResponseObject.status(finish) : ResponseObject.COMPLETED;
        if (content != null || calls.isEmpty()) {
            output.add(message(status, content == null ? "" : content));
        }
        output.addAll(calls);
        return body(status, calls.isEmpty() ? ResponseObject.details(finish) : null, output,
                ResponseObject.ResponseUsage.of(result.promptTokens(), result.completionTokens()));
    }

    /** The parsed calls as function_call items (only the first without parallel_tool_calls), with fresh ids. */
    List<ResponseObject.FunctionCall> calls(List<ToolCallSyntax.Call> parsed) {
        List<ResponseObject.FunctionCall> out = new ArrayList<>();
        for (ToolCallSyntax.Call c : tools.parallel() ? parsed : parsed.subList(0, 1)) {
            String id = ChatCompletionsResource.callId();
            out.add(ResponseObject.FunctionCall.of("fc_" + id, "call_" + id, c.name(), c.arguments(),
                    ResponseObject.COMPLETED));
        }
        return out;
    }

    ResponseObject.OutputMessage message(String status, String text) {
        return ResponseObject.OutputMessage.of(messageId, status,
                text == null ? List.of() : List.of(ResponseObject.OutputText.of(text)));
    }

    private ResponseObject body(String status, ResponseObject.IncompleteDetails incomplete, List<Object> output,
                                ResponseObject.ResponseUsage usage) {
        var spec = admitted.job().spec();
        return new ResponseObject(admitted.id(), ResponseObject.OBJECT, admitted.created(), status, false, null,
                incomplete, request.instructions(), request.maxOutputTokens(), admitted.model(), output,
                tools.parallel(), null, new ResponseObject.Reasoning(null, null), "default", false, spec.temperature(),
                new ResponseObject.Text(new ResponseObject.Format("text")), tools.choice(), tools.declared(), spec.topP(),
                "disabled", usage, request.user(), request.metadata() == null || request.metadata().isNull()
                        ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode() : request.metadata());
    }
}
