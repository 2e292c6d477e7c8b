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
