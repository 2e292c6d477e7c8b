package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The Responses API's stream events, each named by its {@code type} (also the SSE event line) and numbered by
 * {@code sequence_number} from 0.
 */
sealed interface ResponseEvent extends SseStream.Named {

    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Lifecycle(String type, @JsonProperty("sequence_number") int sequenceNumber, ResponseObject response)
            implements ResponseEvent {
    }

    /** output_item.added and output_item.done, of a message or a function call */
    record Item(String type, @JsonProperty("sequence_number") int sequenceNumber,
                     @JsonProperty("output_index") int outputIndex, Object item)
            implements ResponseEvent {
    }

    record ArgumentsDelta(String type, @JsonProperty("sequence_number") int sequenceNumber,
                          @JsonProperty("item_id") String itemId, @JsonProperty("output_index") int outputIndex,
                          String delta) implements ResponseEvent {
    }

    record ArgumentsDone(String type, @JsonProperty("sequence_number") int sequenceNumber,
                         @JsonProperty("item_id") String itemId, @JsonProperty("output_index") int outputIndex,
                         String name, String arguments) implements ResponseEvent {
    }

    /** content_part.added and content_part.done */
    record Part(String type, @JsonProperty("sequence_number") int sequenceNumber,
                     @JsonProperty("item_id") String itemId, @JsonProperty("output_index") int outputIndex,
                     @JsonProperty("content_index") int contentIndex, ResponseObject.OutputText part)
            implements ResponseEvent {
    }

    record TextDelta(String type, @JsonProperty("sequence_number") int sequenceNumber,
                     @JsonProperty("item_id") String itemId, @JsonProperty("output_index") int outputIndex,
                     @JsonProperty("content_index") int contentIndex, String delta, List<Object> logprobs)
            implements ResponseEvent {
    }

    record TextDone(String type, @JsonProperty("sequence_number") int sequenceNumber,
                    @JsonProperty("item_id") String itemId, @JsonProperty("output_index") int outputIndex,
                    @JsonProperty("content_index") int contentIndex, String text, List<Object> logprobs)
            implements ResponseEvent {
    }
}
