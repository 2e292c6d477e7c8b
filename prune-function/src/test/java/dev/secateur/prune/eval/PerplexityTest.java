package dev.secateur.prune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.prune.model.ForwardCapture;
import dev.secateur.tokenizer.TextTokenizer;
import java.io.StringReader;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PerplexityTest {
    private static DjlLanguageModel lm;
    private static DecoderModel model;
    private static TextTokenizer tokenizer;

    static Path resource(String name) {
        try {
            return Path.of(PerplexityTest.class.getResource("/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    static void open() {
        model = DecoderModel.load(Fixtures.dir("llama-gqa"), Device.cpu());
        lm = new DjlLanguageModel(model);
        tokenizer = TextTokenizer.load(resource("fixtures/tokenizer.json"));
    }

    @AfterAll
    static void close() {
        lm.close();
        tokenizer.close();
    }

    @Test
    void equalsExpOfMeanNllFromFullLogits() throws Exception {
        int seqLen = 16;
        Path text = resource("text/words.txt");
        Perplexity.Result r = new Perplexity(seqLen, 0, 4).evaluate(lm, tokenizer, text);

        long[] ids = tokenizer.encode(Files.readString(text));
        int windows = (ids.length - 1) / seqLen;
        double sum = 0;
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (int w = 0; w < windows; w++) {
                long[] input = Arrays.copyOfRange(ids, w * seqLen, w * seqLen + seqLen);
                float[] logits = model.forward(m.create(new long[][] {input}), ForwardCapture.NONE).toFloatArray();
                int vocab = logits.length / seqLen;
                for (int t = 0; t < seqLen; t++) {
                    double max = Double.NEGATIVE_INFINITY, z = 0;
                    for (int v = 0; v < vocab; v++) {
                        max = Math.max(max, logits[t * vocab + v]);
                    }
                    for (int v = 0; v < vocab; v++) {
                        z += Math.exp(logits[t * vocab + v] - max);
                    }
                    long target = ids[w * seqLen + t + 1];
                    sum += max + Math.log(z) - logits[t * vocab + (int) target];
                }
            }
        }
        long tokens = (long) windows * seqLen;
        assertEquals(tokens, r.tokens());
        assertEquals(windows, r.windows());
        assertEquals(Math.exp(sum / tokens), r.perplexity(), 1e-5 * r.perplexity());
    }

    @Test
    void streamingInSmallPiecesGivesTheSameResult() {
        Path text = resource("text/words.txt");
        Perplexity.Result whole = new Perplexity(16, 0, 1).evaluate(lm, tokenizer, text);
        Perplexity.Result pieces = new Perplexity(16, 0, 3, 37).evaluate(lm, tokenizer, text);
        assertEquals(whole.tokens(), pieces.tokens());
        assertEquals(whole.perplexity(), pieces.perplexity(), 1e-6 * whole.perplexity());
    }

    @Test
    void maxTokensStopsAtWholeWindows() {
        Perplexity.Result r = new Perplexity(16, 40, 4).evaluate(lm, tokenizer, resource("text/words.txt"));
        assertEquals(2, r.windows());
        assertEquals(32, r.tokens());
    }

    @Test
    void textShorterThanOneWindowIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Perplexity(16, 0, 1).evaluate(lm, tokenizer, resource("text/short.txt")));
        assertTrue(e.getMessage().contains("short.txt: text has 6 tokens, fewer than one window of seqLen+1 = 17"), e.getMessage());
    }

    @Test
    void idsOutsideTheVocabularyAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> lm.nextTokenNll(new long[][] {{1, 2, 500}}));
        assertTrue(e.getMessage().contains("token id 500"), e.getMessage());
    }

    @Test
    void chunksCutAfterLineBreaksAndLoseNothing() {
        String text = "one two three\nfour five six seven\neight\n" + "x".repeat(30) + " nine";
        TextChunks chunks = new TextChunks(new StringReader(text), 20);
        StringBuilder back = new StringBuilder();
        for (String p = chunks.next(); p != null; p = chunks.next()) {
            assertTrue(p.length() <= 20, p);
            back.append(p);
            if (back.length() < 30) {
                assertTrue(p.endsWith("\n"), "'" + p + "' should end at a line break");
            }
        }
        assertEquals(text, back.toString());
    }
}
