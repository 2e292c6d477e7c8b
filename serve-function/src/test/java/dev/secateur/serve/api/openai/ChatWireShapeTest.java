package dev.secateur.serve.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chat objects' JSON, key for key and in order, as the OpenAI SDKs read it. */
class ChatWireShapeTest {

    final ObjectMapper mapper = new ObjectMapper();
    final Usage usage = new Usage(3, 2, 5);

    static ChatHeader header(String object) {
        return new ChatHeader("chatcmpl-1", object, 7, "m:1", "secateur-m:1");
    }

    @Test
    void aChatCompletionKeepsItsKeysAndOrder() throws Exception {
        ChatCompletionResponse r = new ChatCompletionResponse(header(ChatCompletionResponse.OBJECT), List.of(new ChatCompletionResponse.ChoiceBody(0,
                        new ChatCompletionResponse.Message(ChatCompletionResponse.ASSISTANT, "hi"), null, "stop")),
                usage);
        assertEquals("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":7,\"model\":\"m:1\","
                + "\"system_fingerprint\":\"secateur-m:1\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"hi\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}", mapper.writeValueAsString(r));
    }

    @Test
    void aChunkKeepsItsKeysAndLeavesUsageOutUntilTheLast() throws Exception {
        ChatCompletionChunk delta = new ChatCompletionChunk(header(ChatCompletionChunk.OBJECT), List.of(new ChatCompletionChunk.ChoiceBody(0, new ChatCompletionChunk.Delta(null, "hi"),
                        null, null)), null);
        assertEquals("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"m:1\","
                + "\"system_fingerprint\":\"secateur-m:1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},"
                + "\"logprobs\":null,\"finish_reason\":null}]}", mapper.writeValueAsString(delta));
        ChatCompletionChunk last = new ChatCompletionChunk(header(ChatCompletionChunk.OBJECT), List.of(), usage);
        assertEquals("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"m:1\","
                + "\"system_fingerprint\":\"secateur-m:1\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}", mapper.writeValueAsString(last));
    }
}
