package dev.secateur.serve.api.openai;

import dev.secateur.serve.generate.Choice;
import dev.secateur.serve.generate.CompletionResult;
import java.util.List;

/** The response object of one admitted request, as it stands while generating and once it is done. */
final class ResponseAnswer {

    private final AdmittedCompletion admitted;
    private final ResponseRequest request;
    final String messageId;

    ResponseAnswer(AdmittedCompletion admitted, ResponseRequest request) {
        this.admitted = admitted;
        this.request = request;
        // the message item's id: the response's own id under OpenAI's item prefix
        this.messageId = "msg_" + admitted.id().substring("resp_".length());
    }

    ResponseObject inProgress() {
        return body(ResponseObject.IN_PROGRESS, null, List.of(), null);
    }

    ResponseObject finished(String text, CompletionResult result) {
        Choice choice = result.choices().get(0);
        return body(ResponseObject.status(choice.finish()), ResponseObject.details(choice.finish()),
                List.of(message(ResponseObject.status(choice.finish()), text)),
                ResponseObject.ResponseUsage.of(result.promptTokens(), result.completionTokens()));
    }

    ResponseObject.OutputMessage message(String status, String text) {
        return ResponseObject.OutputMessage.of(messageId, status,
                text == null ? List.of() : List.of(ResponseObject.OutputText.of(text)));
    }

    private ResponseObject body(String status, ResponseObject.IncompleteDetails incomplete,
                                List<ResponseObject.OutputMessage> output, ResponseObject.ResponseUsage usage) {
        var spec = admitted.job().spec();
        return new ResponseObject(admitted.id(), ResponseObject.OBJECT, admitted.created(), status, false, null,
                incomplete, request.instructions(), request.maxOutputTokens(), admitted.model(), output,
                request.parallelToolCalls() == null || request.parallelToolCalls(), null,
                new ResponseObject.Reasoning(null, null), "default", false, spec.temperature(),
                new ResponseObject.Text(new ResponseObject.Format("text")), "auto", List.of(), spec.topP(), "disabled",
                usage, request.user(), request.metadata() == null || request.metadata().isNull()
                        ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode() : request.metadata());
    }
}
