package dev.secateur.serve.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** The spliced chunks are the mapper's own JSON, whatever the text holds. */
class TextChunksTest {

    final ObjectMapper mapper = new ObjectMapper();

    static List<String> texts() {
        List<String> out = new ArrayList<>(List.of("", " the", "\"", "\\", "\n\r\t\b\f", "\u0000\u001f\u007f",
                "é漢字", "\uD83D\uDE00 emoji", "\uD800 lone surrogate", "\u2028\u2029", "</script>", "{\"a\":1}",
                "secateur-text-slot-6c1f"));
        Random r = new Random(7);
        for (int i = 0; i < 500; i++) {
            StringBuilder b = new StringBuilder();
            int n = r.nextInt(12);
            for (int k = 0; k < n; k++) {
                b.append((char) (r.nextBoolean() ? r.nextInt(0x80) : r.nextInt(0x10000)));
            }
            out.add(b.toString());
        }
        return out;
    }

    void assertSameAsMapper(BiFunction<Integer, String, Object> chunk) throws Exception {
        TextChunks texts = new TextChunks(mapper, chunk, null);
        for (int index = 0; index < 3; index++) {
            for (String t : texts()) {
                assertEquals(mapper.writeValueAsString(chunk.apply(index, t)), texts.of(index, t).json(), t);
            }
        }
    }

    @Test
    void completionChunks() throws Exception {
        assertSameAsMapper((index, text) -> new CompletionResponse("cmpl-1", CompletionResponse.OBJECT, 7, "m:1",
                List.of(new CompletionResponse.ChoiceBody(text, index, null, null)), null));
    }

    @Test
    void chatChunksIncludingANullContent() throws Exception {
        ChatHeader header = new ChatHeader("chatcmpl-1", ChatCompletionChunk.OBJECT, 7, "m:1", "secateur-m:1");
        BiFunction<Integer, String, Object> chunk = (index, text) -> new ChatCompletionChunk(header,
                List.of(new ChatCompletionChunk.ChoiceBody(index, new ChatCompletionChunk.Delta(null, text), null, null)),
                null);
        assertSameAsMapper(chunk);
        assertEquals(mapper.writeValueAsString(chunk.apply(0, null)), new TextChunks(mapper, chunk, null).of(0, null).json());
    }

    @Test
    void aTextThatAppearsTwiceInTheChunkStillComesOutRight() throws Exception {
        assertSameAsMapper((index, text) -> Map.of("a", text, "b", List.of(text, index)));
    }
}
