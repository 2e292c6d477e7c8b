package dev.secateur.serve.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.serve.engine.TextCodec;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextAssemblerTest {

    /** Token id i decodes to the i-th piece. */
    static final String[] PIECES = {"he", "llo", " wo", "rld", " E", "ND", " more"};

    static final TextCodec CODEC = new TextCodec() {
        public long[] encode(String text) { return new long[0]; }
        public long[] encodePrompt(String text) { return new long[0]; }
        public String decode(long[] ids) {
            StringBuilder b = new StringBuilder();
            for (long id : ids) {
                b.append(PIECES[(int) id]);
            }
            return b.toString();
        }
        public dev.secateur.tokenizer.TokenBytes tokenBytes() {
            byte[][] out = new byte[PIECES.length][];
            for (int i = 0; i < PIECES.length; i++) {
                out[i] = PIECES[i].getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
            return new dev.secateur.tokenizer.TokenBytes(out);
        }
        public void close() { }
    };

    @Test
    void stopSequenceSpanningTokensCutsTextAndStreamsNothingOfIt() {
        TextAssembler t = new TextAssembler(CODEC, List.of(" END"));
        StringBuilder streamed = new StringBuilder();
        for (int id = 0; id < PIECES.length; id++) {
            boolean stop = t.add(id);
            streamed.append(t.drain(false));
            if (stop) {
                break;
            }
        }
        streamed.append(t.drain(true));
        assertTrue(t.stopped());
        assertEquals("hello world", t.text());
        assertEquals(t.text(), streamed.toString());
    }

    @Test
    void withoutStopsEverythingIsReleased() {
        TextAssembler t = new TextAssembler(CODEC, List.of());
        StringBuilder streamed = new StringBuilder();
        for (int id = 0; id < PIECES.length; id++) {
            assertFalse(t.add(id));
            streamed.append(t.drain(false));
        }
        streamed.append(t.drain(true));
        assertEquals("hello world END more", streamed.toString());
    }
}
