package dev.secateur.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextTokenizerTest {

    static Path tokenizerJson() throws URISyntaxException {
        return Path.of(TextTokenizerTest.class.getResource("/fixtures/tokenizer.json").toURI());
    }

    @Test
    void encodesWithoutSpecialTokensAndDecodes() throws Exception {
        try (TextTokenizer t = TextTokenizer.load(tokenizerJson())) {
            long[] ids = t.encode("The cat sat on the tree");
            // The file's post-processor would prepend <s> (id 1); it must not appear.
            assertEquals(6, ids.length);
            assertEquals(t.tokenToId("the").orElseThrow().longValue(), ids[0]);
            assertEquals("the cat sat on the tree", t.decode(ids));
            assertEquals(97, t.vocabSize());
            assertEquals(Optional.of("<s>"), t.idToToken(1));
            assertEquals(Optional.empty(), t.tokenToId("zebra"));
            assertArrayEquals(new long[] {0}, t.encode("zebra"), "unknown words map to <unk>");
        }
    }

    /** The fixture's post-processor puts <s> (id 1) in front, as Llama's does; tokenizer_config.json may say otherwise. */
    @Test
    void promptsGetTheSpecialTokensTheTokenizerAndItsConfigAdd(@TempDir Path dir) throws Exception {
        java.nio.file.Files.copy(tokenizerJson(), dir.resolve("tokenizer.json"));
        long[] own;
        try (TextTokenizer t = TextTokenizer.load(dir)) {
            own = t.encode("the cat sat");
            assertArrayEquals(concat(new long[] {1}, own), t.encodePrompt("the cat sat"), "the post-processor's BOS");
            assertArrayEquals(new long[] {1}, t.encodePrompt(""));
        }
        java.nio.file.Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"add_bos_token\": false, \"bos_token\": \"<s>\"}");
        try (TextTokenizer t = TextTokenizer.load(dir)) {
            assertArrayEquals(own, t.encodePrompt("the cat sat"), "add_bos_token false overrides the post-processor");
        }
        java.nio.file.Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"add_bos_token\": true, \"add_eos_token\": true, \"bos_token\": {\"content\": \"<s>\"}, "
                        + "\"eos_token\": \"</s>\"}");
        try (TextTokenizer t = TextTokenizer.load(dir)) {
            long eos = t.tokenToId("</s>").orElseThrow();
            assertArrayEquals(concat(concat(new long[] {1}, own), new long[] {eos}), t.encodePrompt("the cat sat"),
                    "one BOS (not two) and the EOS add_eos_token asks for");
        }
        java.nio.file.Files.writeString(dir.resolve("tokenizer_config.json"), "{not json");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextTokenizer.load(dir));
        assertTrue(e.getMessage().contains("tokenizer_config.json"), e.getMessage());
    }

    private static long[] concat(long[] a, long[] b) {
        long[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void doesNotTruncateLongTexts() throws Exception {
        String text = "the cat sat on a tree and ".repeat(400);
        try (TextTokenizer t = TextTokenizer.load(tokenizerJson())) {
            assertEquals(2800, t.encode(text).length);
        }
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextTokenizer.load(dir));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }
}
