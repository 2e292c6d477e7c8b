package dev.secateur.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.testsupport.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rows decoded together give each sequence the logits it gets alone, whatever joins and leaves around it: the
 * scheduler's batching is only safe if padding, position ids and regrouping are invisible to every row.
 */
class DecodeBatchTest {
    @TempDir
    static Path tmp;
    static final Map<String, OrtDecoder> MODELS = new java.util.HashMap<>();
    static final int[][] PROMPTS = {{17, 27, 13}, {5, 9, 44, 2, 31, 8, 19}, {40}, {3, 3, 3, 3, 11}};

    @BeforeAll
    static void export() {
        ArtifactWriter.writeFolder(Fixtures.dir("llama-gqa"), tmp.resolve("llama"), ArtifactWriter.Options.defaults(false));
        ArtifactWriter.writeFolder(Fixtures.dir("llama-gqa"), tmp.resolve("llama-fp16"), ArtifactWriter.Options.defaults(true));
        ArtifactWriter.writeFolder(Fixtures.dir("gpt2"), tmp.resolve("gpt2"), ArtifactWriter.Options.defaults(false));
        // a 4-token window on its first layer: rows of different lengths decode past it together
        ArtifactWriter.writeFolder(Fixtures.dir("gemma3"), tmp.resolve("gemma3"), ArtifactWriter.Options.defaults(false));
        for (String name : List.of("llama", "llama-fp16", "gpt2", "gemma3")) {
            MODELS.put(name, OrtDecoder.open(tmp.resolve(name)));
        }
    }

    @AfterAll
    static void close() {
        MODELS.values().forEach(OrtDecoder::close);
    }

    /** Greedy tokens and the logits at each step, for one prompt decoded alone. */
    private record Alone(List<Integer> tokens, List<float[]> logits) {
    }

    private static Alone alone(OrtDecoder d, int[] prompt, int steps) {
        List<Integer> tokens = new ArrayList<>();
        List<float[]> logits = new ArrayList<>();
        try (Generator g = d.generator()) {
            float[] l = g.feed(prompt);
            for (int s = 0; s < steps; s++) {
                logits.add(l);
                int t = Sampler.argmax(l);
                tokens.add(t);
                l = g.feed(new int[] {t});
            }
        }
        return new Alone(tokens, logits);
    }

    private static Generator prefilled(OrtDecoder d, int[] prompt, List<Integer> firstToken) {
        Generator g = d.generator();
        float[] l = g.feed(prompt);
        firstToken.add(Sampler.argmax(l));
        return g;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama-fp16", "gpt2", "gemma3"})
    void rowsJoiningAndLeavingDecodeAsIfAlone(String name) {
        OrtDecoder d = MODELS.get(name);
        int steps = 10;
        double tol = name.endsWith("fp16") ? 2e-2 : 1e-4;
        List<Alone> ref = new ArrayList<>();
        for (int[] p : PROMPTS) {
            ref.add(alone(d, p, steps));
        }
        // Sequence i's generated tokens so far, and which prompt each row holds.
        List<List<Integer>> got = new ArrayList<>();
        for (int i = 0; i < PROMPTS.length; i++) {
            got.add(new ArrayList<>());
        }
        List<Integer> rowSeq = new ArrayList<>();
        try (DecodeBatch batch = d.decodeBatch()) {
            // Prompt 0 starts alone (no copy), 1 and 2 join after two steps, 0 leaves after five, 3 joins at six.
            join(d, batch, rowSeq, got, new int[] {}, 0);
            for (int step = 0; step < 16; step++) {
                if (step == 2) {
                    join(d, batch, rowSeq, got, identity(rowSeq.size()), 1, 2);
                }
                if (step == 5) {
                    int[] keep = rowsExcept(rowSeq, 0);
                    List<Integer> kept = new ArrayList<>();
                    for (int r : keep) {
                        kept.add(rowSeq.get(r));
                    }
                    batch.regroup(keep, List.of());
                    rowSeq.clear();
                    rowSeq.addAll(kept);
                }
                if (step == 6) {
                    join(d, batch, rowSeq, got, identity(rowSeq.size()), 3);
                }
                long[] feed = new long[rowSeq.size()];
                List<Integer> active = new ArrayList<>();
                for (int r = 0; r < rowSeq.size(); r++) {
                    List<Integer> seq = got.get(rowSeq.get(r));
                    feed[r] = seq.get(seq.size() - 1);
                    active.add(r);
                }
                float[][] logits = batch.step(feed);
                for (int r : active) {
                    int s = rowSeq.get(r);
                    List<Integer> seq = got.get(s);
                    if (seq.size() >= steps) {
                        continue;
                    }
                    assertArrayEquals(ref.get(s).logits().get(seq.size()), logits[r], (float) tol,
                            name + ": prompt " + s + " at its token " + seq.size() + " (batch of " + rowSeq.size() + ")");
                    seq.add(Sampler.argmax(logits[r]));
                }
            }
        }
        assertEquals(ref.get(0).tokens().subList(0, 6), got.get(0), "prompt 0 left after 6 tokens");
        for (int s = 1; s < PROMPTS.length; s++) {
            assertEquals(ref.get(s).tokens(), got.get(s), name + ": prompt " + s + " greedy tokens");
        }
    }

    private static void join(OrtDecoder d, DecodeBatch batch, List<Integer> rowSeq, List<List<Integer>> got, int[] keep,
                             int... prompts) {
        List<Generator> joining = new ArrayList<>();
        for (int p : prompts) {
            joining.add(prefilled(d, PROMPTS[p], got.get(p)));
        }
        batch.regroup(keep, joining);
        for (Generator g : joining) {
            assertEquals(0, g.length(), "the cache moved into the batch");
            g.close();
        }
        for (int p : prompts) {
            rowSeq.add(p);
        }
        for (int r = 0; r < rowSeq.size(); r++) {
            assertEquals(PROMPTS[rowSeq.get(r)].length + got.get(rowSeq.get(r)).size() - 1, batch.length(r),
                    "row " + r + " cache length");
        }
    }

    private static int[] identity(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }

    private static int[] rowsExcept(List<Integer> rowSeq, int seq) {
        return java.util.stream.IntStream.range(0, rowSeq.size()).filter(r -> rowSeq.get(r) != seq).toArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama"})
    void badInputIsRefused(String name) {
        OrtDecoder d = MODELS.get(name);
        try (DecodeBatch batch = d.decodeBatch(); Generator empty = d.generator()) {
            assertThrows(IllegalArgumentException.class, () -> batch.step(new long[] {1}));
            assertThrows(IllegalArgumentException.class, () -> batch.regroup(new int[] {}, List.of(empty)));
        }
    }
}
