package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.serve.generate.ScoredToken;
import dev.secateur.serve.generate.TokenLogprobs;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * A stream's delta chunks. Without logprobs, each is rendered by splicing the JSON string of its text into the
 * chunk the mapper wrote once per choice index. The output is the mapper's own, byte for byte: the frame and the
 * string both come from it; only the per-token bean serialisation is skipped, which was a third of the request
 * thread's work per token.
 */
final class TextChunks {

    // Any text works as long as it appears once in the rendered chunk; otherwise every chunk goes through the mapper.
    private static final String MARK = "secateur-text-slot-6c1f";

    /** The chunk object of a delta that carries its tokens' log-probabilities. */
    interface WithLogprobs {
        Object chunk(int index, String text, TokenLogprobs logprobs);
    }

    private final ObjectMapper mapper;
    private final BiFunction<Integer, String, Object> chunk;
    private final WithLogprobs withLogprobs;
    private final Map<Integer, String[]> frames = new HashMap<>();

    /**
     * @param chunk        the chunk object of choice {@code index} carrying {@code text}
     * @param withLogprobs the chunk when the request asked for logprobs; null when it did not
     */
    TextChunks(ObjectMapper mapper, BiFunction<Integer, String, Object> chunk, WithLogprobs withLogprobs) {
        this.mapper = mapper;
        this.chunk = chunk;
        this.withLogprobs = withLogprobs;
    }

    /** The chunk of one delta, for SseStream: with its tokens' logprobs when asked for, else spliced text. */
    Object delta(int index, String text, List<ScoredToken> tokens) {
        return withLogprobs == null ? of(index, text) : withLogprobs.chunk(index, text, new TokenLogprobs(tokens));
    }

    /** The chunk's JSON, ready for SseStream. */
    SseStream.Rendered of(int index, String text) {
        String[] frame = text == null ? null : frames.computeIfAbsent(index, this::frame);
        if (frame == null) {
            return new SseStream.Rendered(write(chunk.apply(index, text)));
        }
        return new SseStream.Rendered(frame[0] + write(text) + frame[1]);
    }

    /** The JSON before and after the text's string, or null when the mark is not found exactly once. */
    private String[] frame(int index) {
        String whole = write(chunk.apply(index, MARK));
        String slot = write(MARK);
        int at = whole.indexOf(slot);
        if (at < 0 || whole.indexOf(slot, at + 1) >= 0) {
            return null;
        }
        return new String[] {whole.substring(0, at), whole.substring(at + slot.length())};
    }

    private String write(Object o) {
        try {
            return mapper.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
