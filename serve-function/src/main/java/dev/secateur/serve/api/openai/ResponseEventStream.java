package dev.secateur.serve.api.openai;

import dev.secateur.serve.engine.Finish;
import dev.secateur.serve.generate.ChoiceListener;
import dev.secateur.serve.generate.CompletionResult;
import java.util.ArrayList;
import java.util.List;

/**
 * A response streamed as the Responses API streams one: created and in_progress; the message item and its text part
 * opened at the first text, a delta per piece, both closed with the whole text; each function call the answer makes
 * as its own item with its arguments; then completed (or incomplete at the token limit) carrying the full response.
 */
final class ResponseEventStream implements ChoiceListener {

    private final SseStream.Sink sink;
    private final ResponseAnswer answer;
    private final StringBuilder text = new StringBuilder();
    private final List<ResponseObject.FunctionCall> calls = new ArrayList<>();
    private int sequence;
    private boolean messageOpen;
    private boolean messageSent;
    private Finish finish = Finish.STOP;

    ResponseEventStream(SseStream.Sink sink, ResponseAnswer answer) {
        this.sink = sink;
        this.answer = answer;
    }

    void opened() {
        ResponseObject now = answer.inProgress();
        sink.send(new ResponseEvent.Lifecycle("response.created", sequence++, now));
        sink.send(new ResponseEvent.Lifecycle("response.in_progress", sequence++, now));
    }

    private void openMessage() {
        if (!messageOpen && !messageSent) {
            messageOpen = true;
            sink.send(new ResponseEvent.Item("response.output_item.added", sequence++, 0,
                    answer.message(ResponseObject.IN_PROGRESS, null)));
            sink.send(new ResponseEvent.Part("response.content_part.added", sequence++, answer.messageId, 0, 0,
                    ResponseObject.OutputText.of("")));
        }
    }

    private void closeMessage(String status) {
        if (messageOpen) {
            String whole = text.toString();
            sink.send(new ResponseEvent.TextDone("response.output_text.done", sequence++, answer.messageId, 0, 0, whole,
                    List.of()));
            sink.send(new ResponseEvent.Part("response.content_part.done", sequence++, answer.messageId, 0, 0,
                    ResponseObject.OutputText.of(whole)));
            sink.send(new ResponseEvent.Item("response.output_item.done", sequence++, 0,
                    answer.message(status, whole)));
            messageOpen = false;
            messageSent = true;
        }
    }

    @Override
    public void delta(int index, String piece) {
        if (piece.isEmpty()) {
            return;
        }
        openMessage();
        text.append(piece);
        sink.send(new ResponseEvent.TextDelta("response.output_text.delta", sequence++, answer.messageId, 0, 0, piece,
                List.of()));
    }

    @Override
    public void finished(int index, Finish finish) {
        this.finish = finish;
        openMessage();
        closeMessage(ResponseObject.status(finish));
    }

    /** The answer's calls, each an output item after the message (if the answer had text before them). */
    void calls(List<ResponseObject.FunctionCall> made) {
        closeMessage(ResponseObject.COMPLETED);
        int first = messageSent ? 1 : 0;
        for (int k = 0; k < made.size(); k++) {
            ResponseObject.FunctionCall c = made.get(k);
            int at = first + k;
            sink.send(new ResponseEvent.Item("response.output_item.added", sequence++, at,
                    ResponseObject.FunctionCall.of(c.id(), c.callId(), c.name(), "", ResponseObject.IN_PROGRESS)));
            sink.send(new ResponseEvent.ArgumentsDelta("response.function_call_arguments.delta", sequence++, c.id(), at,
                    c.arguments()));
            sink.send(new ResponseEvent.ArgumentsDone("response.function_call_arguments.done", sequence++, c.id(), at,
                    c.name(), c.arguments()));
            sink.send(new ResponseEvent.Item("response.output_item.done", sequence++, at, c));
        }
        calls.addAll(made);
    }

    void closed(CompletionResult result) {
        String content = messageSent ? text.toString() : null;
        ResponseObject done = answer.finished(content, List.copyOf(calls), finish, result);
        String type = ResponseObject.COMPLETED.equals(done.status()) ? "response.completed" : "response.incomplete";
        sink.send(new ResponseEvent.Lifecycle(type, sequence++, done));
    }
}
