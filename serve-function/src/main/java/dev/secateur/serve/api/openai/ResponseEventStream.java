package dev.secateur.serve.api.openai;

import dev.secateur.serve.engine.Finish;
import dev.secateur.serve.generate.ChoiceListener;
import dev.secateur.serve.generate.CompletionResult;
import java.util.List;

/**
 * A response streamed as the Responses API streams one: created and in_progress, the message item and its text part
 * opened, a delta per piece of text, both closed with the whole text, then completed (or incomplete at the token
 * limit) carrying the full response with its usage.
 */
final class ResponseEventStream implements ChoiceListener {

    private final SseStream.Sink sink;
    private final ResponseAnswer answer;
    private final StringBuilder text = new StringBuilder();
    private int sequence;

    ResponseEventStream(SseStream.Sink sink, ResponseAnswer answer) {
        this.sink = sink;
        this.answer = answer;
    }

    void opened() {
        ResponseObject now = answer.inProgress();
        sink.send(new ResponseEvent.Lifecycle("response.created", sequence++, now));
        sink.send(new ResponseEvent.Lifecycle("response.in_progress", sequence++, now));
    }

    @Override
    public void started(int index) {
        sink.send(new ResponseEvent.ItemAdded("response.output_item.added", sequence++, 0,
                answer.message(ResponseObject.IN_PROGRESS, null)));
        sink.send(new ResponseEvent.PartAdded("response.content_part.added", sequence++, answer.messageId, 0, 0,
                ResponseObject.OutputText.of("")));
    }

    @Override
    public void delta(int index, String piece) {
        text.append(piece);
        sink.send(new ResponseEvent.TextDelta("response.output_text.delta", sequence++, answer.messageId, 0, 0, piece,
                List.of()));
    }

    @Override
    public void finished(int index, Finish finish) {
        String whole = text.toString();
        sink.send(new ResponseEvent.TextDone("response.output_text.done", sequence++, answer.messageId, 0, 0, whole,
                List.of()));
        sink.send(new ResponseEvent.PartAdded("response.content_part.done", sequence++, answer.messageId, 0, 0,
                ResponseObject.OutputText.of(whole)));
        sink.send(new ResponseEvent.ItemAdded("response.output_item.done", sequence++, 0,
                answer.message(ResponseObject.status(finish), whole)));
    }

    void closed(CompletionResult result) {
        ResponseObject done = answer.finished(text.toString(), result);
        String type = ResponseObject.COMPLETED.equals(done.status()) ? "response.completed" : "response.incomplete";
        sink.send(new ResponseEvent.Lifecycle(type, sequence++, done));
    }
}
