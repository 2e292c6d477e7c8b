package dev.secateur.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.testsupport.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GenerationTest {
    @TempDir
    static Path tmp;
    static OrtDecoder llama;
    static OrtDecoder gpt2;
    static final int[] PROMPT = {17, 27, 13};

    @BeforeAll
    static void export() {
        ArtifactWriter.writeFolder(Fixtures.dir("llama-gqa"), tmp.resolve("llama"), ArtifactWriter.Options.defaults(false));
        ArtifactWriter.writeFolder(Fixtures.dir("gpt2"), tmp.resolve("gpt2"), ArtifactWriter.Options.defaults(false));
        llama = OrtDecoder.open(tmp.resolve("llama"));
        gpt2 = OrtDecoder.open(tmp.resolve("gpt2"));
    }

    @AfterAll
    static void close() {
        llama.close();
        gpt2.close();
    }

    private static OrtDecoder model(String name) {
        return name.equals("llama") ? llama : gpt2;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2"})
    void greedyEqualsArgmaxOfFullLogitsStepByStep(String name) {
        OrtDecoder d = model(name);
        List<Integer> streamed = new ArrayList<>();
        GenerationResult r = d.generate(PROMPT, SamplingParams.greedy(12), id -> streamed.add(id));
        assertEquals(12, r.tokens().size());
        assertEquals(GenerationResult.LENGTH, r.finishReason());
        assertEquals(r.tokens(), streamed);
        long[] seq = Arrays.stream(PROMPT).asLongStream().toArray();
        for (int i = 0; i < r.tokens().size(); i++) {
            float[][][] full = d.logits(new long[][] {seq});
            float[] last = full[0][seq.length - 1];
            assertEquals(Sampler.argmax(last), r.tokens().get(i), "step " + i);
            assertEquals(Sampler.logSoftmax(last, r.tokens().get(i)), r.logprobs().get(i), 1e-4);
            seq = Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = r.tokens().get(i);
        }
    }

    @Test
    void seededSamplingIsReproducible() {
        SamplingParams p = SamplingParams.sampled(16, 1.3, 40, 0.95, 42L);
        GenerationResult a = llama.generate(PROMPT, p, TokenCallback.NONE);
        GenerationResult b = llama.generate(PROMPT, p, TokenCallback.NONE);
        assertEquals(a.tokens(), b.tokens());
        Set<List<Integer>> seen = new HashSet<>();
        for (long seed = 1; seed <= 4; seed++) {
            seen.add(llama.generate(PROMPT, SamplingParams.sampled(16, 1.3, 40, 0.95, seed), TokenCallback.NONE).tokens());
        }
        assertTrue(seen.size() > 1, "different seeds should give different samples");
        assertNotEquals(llama.generate(PROMPT, SamplingParams.greedy(16), TokenCallback.NONE).tokens(), a.tokens());
    }

    @Test
    void concurrentRequestsShareTheSessionSafely() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Integer>>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                long seed = i % 4;
                futures.add(pool.submit(() -> llama.generate(PROMPT, SamplingParams.sampled(10, 1.0, 0, 1.0, seed), TokenCallback.NONE).tokens()));
            }
            for (int i = 0; i < 8; i++) {
                List<Integer> expected = llama.generate(PROMPT, SamplingParams.sampled(10, 1.0, 0, 1.0, (long) (i % 4)), TokenCallback.NONE).tokens();
                assertEquals(expected, futures.get(i).get());
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void stopTokensCallbackAndContextLength() {
        List<Integer> greedy = llama.generate(PROMPT, SamplingParams.greedy(8), TokenCallback.NONE).tokens();
        int stopAt = greedy.indexOf(greedy.get(2)); // first occurrence of the third token
        GenerationResult stopped = llama.generate(PROMPT, SamplingParams.greedy(8).withStopTokens(Set.of(greedy.get(2))), TokenCallback.NONE);
        assertEquals(GenerationResult.STOP, stopped.finishReason());
        assertEquals(greedy.subList(0, stopAt), stopped.tokens());

        int[] count = {0};
        GenerationResult cut = llama.generate(PROMPT, SamplingParams.greedy(8), id -> ++count[0] < 2);
        assertEquals(GenerationResult.STOP, cut.finishReason());
        assertEquals(greedy.subList(0, 2), cut.tokens());

        // GPT-2 here has 32 positions: a 30-token prompt leaves room to predict 3 more tokens.
        int[] longPrompt = new int[30];
        Arrays.fill(longPrompt, 5);
        GenerationResult full = gpt2.generate(longPrompt, SamplingParams.greedy(10), TokenCallback.NONE);
        assertEquals(GenerationResult.LENGTH, full.finishReason());
        assertEquals(3, full.tokens().size());
        assertEquals(0, llama.generate(PROMPT, SamplingParams.greedy(0), TokenCallback.NONE).tokens().size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "gpt2"})
    void negLogLikelihoodMatchesReferenceLogits(String fixture) {
        OrtDecoder d = fixture.equals("gpt2") ? gpt2 : llama;
        Fixtures.Expected exp = Fixtures.expected(fixture);
        for (int b = 0; b < exp.inputIds().length; b++) {
            int[] ids = Arrays.stream(exp.inputIds()[b]).mapToInt(v -> (int) v).toArray();
            double expected = 0;
            for (int t = 0; t + 1 < ids.length; t++) {
                expected -= Sampler.logSoftmax(exp.logits()[b][t], ids[t + 1]);
            }
            Nll nll = d.negLogLikelihood(ids);
            assertEquals(ids.length - 1, nll.count());
            assertEquals(expected, nll.sum(), 1e-3);
            assertEquals(Math.exp(expected / (ids.length - 1)), nll.perplexity(), 1e-3);
        }
    }
}
