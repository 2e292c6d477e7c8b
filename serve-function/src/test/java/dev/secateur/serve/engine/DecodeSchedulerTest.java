package dev.secateur.serve.engine;

import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.runtime.SamplingParams;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.runtime.OrtDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batched decoding on a real exported model and real ONNX Runtime against the same engine decoding each request
 * alone: same tokens, same log-probabilities, whoever else is in the batch and whenever they join or leave.
 */
class DecodeSchedulerTest {

    @TempDir
    static Path tmp;
    static Path model;
    static Path withoutEos;
    static final long[][] PROMPTS = {{17, 27, 13}, {5, 9, 44, 21, 31, 8, 19, 60, 61, 62, 70, 3}, {40}, {3, 3, 3, 3, 11},
            {90, 80, 70, 60, 50, 40, 30, 20, 10, 5, 4, 3, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18}, {33, 34}};

    OrtEngine alone;
    OrtEngine batched;
    DecodeStats stats;
    ExecutorService pool;

    @BeforeAll
    static void export() throws Exception {
        Path hf = Files.createDirectories(tmp.resolve("hf"));
        Path fixture = Path.of("../tools/reference/fixtures/llama-gqa");
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(fixture.resolve(f), hf.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        model = tmp.resolve("onnx");
        ArtifactWriter.writeFolder(hf, model, ArtifactWriter.Options.defaults(false));
        // The same weights with no end-of-sequence token, for generations that must run to their limit.
        Path config = hf.resolve("config.json");
        Files.writeString(config, Files.readString(config).replaceAll("\\s*\"eos_token_id\": 2,", ""));
        withoutEos = tmp.resolve("onnx-no-eos");
        ArtifactWriter.writeFolder(hf, withoutEos, ArtifactWriter.Options.defaults(false));
    }

    @BeforeEach
    void open() {
        alone = new OrtEngine(OrtDecoder.open(model));
        stats = new DecodeStats();
        // A small prefill chunk, so the long prompts are prefilled in pieces between other sequences' steps.
        batched = new OrtEngine(OrtDecoder.open(model), new BatchingOptions(true, 4, 5), stats, java.util.Set.of());
        pool = Executors.newFixedThreadPool(PROMPTS.length);
    }

    @AfterEach
    void close() {
        pool.shutdownNow();
        alone.close();
        batched.close();
    }

    /** What a sink saw. */
    record Seen(List<Long> tokens, List<Float> logprobs, List<Alternatives> top, Finish finish) {
    }

    static Seen run(TextGenerator e, long[] prompt, SamplingParams p, Function<Integer, Boolean> goOn) {
        List<Long> tokens = new ArrayList<>();
        List<Float> lps = new ArrayList<>();
        List<Alternatives> top = new ArrayList<>();
        Generated g = e.generate(prompt, p, new TokenSink() {
            @Override
            public boolean accept(long tokenId) {
                throw new AssertionError("the engine passes logprobs");
            }

            @Override
            public boolean accept(long tokenId, float logprob, Alternatives alternatives) {
                tokens.add(tokenId);
                lps.add(logprob);
                top.add(alternatives);
                return goOn.apply(tokens.size());
            }
        });
        return new Seen(tokens, lps, top, g.finish());
    }

    /** Every prompt at once on the batched engine, all released together. */
    List<Seen> concurrently(Function<Integer, SamplingParams> params, Function<Integer, Function<Integer, Boolean>> goOn)
            throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Seen>> fs = new ArrayList<>();
        for (int i = 0; i < PROMPTS.length; i++) {
            int idx = i;
            fs.add(pool.submit(() -> {
                start.await();
                return run(batched, PROMPTS[idx], params.apply(idx), goOn.apply(idx));
            }));
        }
        start.countDown();
        List<Seen> out = new ArrayList<>();
        for (Future<Seen> f : fs) {
            out.add(f.get(60, TimeUnit.SECONDS));
        }
        return out;
    }

    static SamplingParams greedy(int maxTokens) {
        return SamplingParams.greedy(maxTokens);
    }

    @Test
    void concurrentGreedyRequestsGetTheTokensTheyGetAlone() throws Exception {
        // Different lengths and limits, so sequences join and leave at different steps.
        Function<Integer, SamplingParams> params = i -> greedy(8 + 7 * i);
        List<Seen> batchedOut = concurrently(params, i -> n -> true);
        for (int i = 0; i < PROMPTS.length; i++) {
            Seen ref = run(alone, PROMPTS[i], params.apply(i), n -> true);
            assertEquals(ref.tokens(), batchedOut.get(i).tokens(), "prompt " + i);
            assertEquals(ref.finish(), batchedOut.get(i).finish(), "prompt " + i);
        }
        assertTrue(stats.stepRows() > stats.steps(), "sequences were decoded together: " + stats.stepRows()
                + " rows over " + stats.steps() + " steps");
        assertIdleSoon();
        assertEquals(0, stats.waiting());
    }

    @Test
    void seededSamplingTopKMinPPenaltiesLogitBiasAndLogprobsAreTheSameBatched() throws Exception {
        Function<Integer, SamplingParams> params = i -> new SamplingParams(20, 0.9, 20, 0.95, 0.05, 1000L + i, 0.3, 0.2, true,
                3, Set.of(), java.util.Map.of(5 + i, 2.5f, 40, -1.5f));
        List<Seen> batchedOut = concurrently(params, i -> n -> true);
        for (int i = 0; i < PROMPTS.length; i++) {
            Seen ref = run(alone, PROMPTS[i], params.apply(i), n -> true);
            Seen got = batchedOut.get(i);
            assertEquals(ref.tokens(), got.tokens(), "prompt " + i);
            for (int t = 0; t < ref.tokens().size(); t++) {
                assertEquals(ref.logprobs().get(t), got.logprobs().get(t), 1e-4, "prompt " + i + " token " + t);
                assertArrayEquals(ref.top().get(t).ids(), got.top().get(t).ids(), "prompt " + i + " token " + t);
            }
        }
    }

    @Test
    void aSequenceThatStopsLeavesWhileTheOthersContinue() throws Exception {
        // Prompt 0's sink stops after 3 tokens (as a stop string does); the others run to their limits.
        Function<Integer, SamplingParams> params = i -> greedy(40);
        List<Seen> out = concurrently(params, i -> i == 0 ? n -> n < 3 : n -> true);
        assertEquals(3, out.get(0).tokens().size());
        assertEquals(Finish.STOP, out.get(0).finish());
        for (int i = 1; i < PROMPTS.length; i++) {
            assertEquals(run(alone, PROMPTS[i], params.apply(i), n -> true).tokens(), out.get(i).tokens(), "prompt " + i);
        }
        assertIdleSoon();
    }

    @Test
    void aClientThatGoesAwayFreesItsRow() throws Exception {
        // No end-of-sequence token, so a row that is never freed runs to its limit of 120 tokens.
        batched.close();
        batched = new OrtEngine(OrtDecoder.open(withoutEos), new BatchingOptions(true, 4, 5), stats, java.util.Set.of());
        long[] prompt = {17, 27, 13};
        SamplingParams p = greedy(120);
        Seen ref;
        try (OrtEngine reference = new OrtEngine(OrtDecoder.open(withoutEos))) {
            ref = run(reference, prompt, p, n -> true);
        }
        int full = ref.tokens().size();
        Future<Seen> other = pool.submit(() -> run(batched, prompt, p, n -> true));
        Future<?> leaving = pool.submit(() -> run(batched, prompt, p, n -> {
            throw new CancellationException("client went away");
        }));
        Exception e = assertThrows(Exception.class, () -> leaving.get(60, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof CancellationException, e.toString());
        assertEquals(ref.tokens(), other.get(60, TimeUnit.SECONDS).tokens());
        long rowsOfLeaver = stats.stepRows() - stats.steps();
        assertEquals(120, full);
        assertTrue(rowsOfLeaver < full / 2, "the cancelled sequence took " + rowsOfLeaver
                + " of its " + full + " steps");
        assertIdleSoon();
    }

    @Test
    void aFailingRequestFailsAloneAndBadInputIsRefusedBeforeTheBatch() throws Exception {
        long[] outside = {5, 9, 1000};
        long[] tooLong = new long[128];
        Future<Seen> good = pool.submit(() -> run(batched, PROMPTS[1], greedy(30), n -> true));
        assertThrows(RuntimeException.class, () -> run(batched, outside, greedy(5), n -> true));
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> run(batched, tooLong, greedy(5), n -> true));
        assertTrue(tooMany.getMessage().contains("128"), tooMany.getMessage());
        assertEquals(run(alone, PROMPTS[1], greedy(30), n -> true).tokens(), good.get(60, TimeUnit.SECONDS).tokens());
        assertIdleSoon();
    }

    /** A sequence whose client stopped reading leaves at the scheduler's next step, which may come just after. */
    void assertIdleSoon() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (stats.running() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(0, stats.running(), "sequences still running");
    }
}
