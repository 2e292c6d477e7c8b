package dev.secateur.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.secateur.model.DecoderWeights;
import dev.secateur.runtime.Generator;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.OnnxChecker;
import dev.secateur.testsupport.ReferenceForward;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Exported graphs against the independent torch reference logits, with and without the KV cache. */
class DecoderExportTest {
    static final double ATOL = 1e-4;

    @TempDir
    Path tmp;

    private Path export(String fixture, boolean fp16) {
        Path out = tmp.resolve(fixture + (fp16 ? "-fp16" : "-fp32"));
        ArtifactWriter.writeFolder(Fixtures.dir(fixture), out, ArtifactWriter.Options.defaults(fp16)
                .withMetadata(Map.of(ModelExport.PLAN, "{\"criterion\":\"none\"}")));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "llama-tied-bf16", "qwen2", "gpt2", "qwen3", "mistral", "llama-rope-linear", "phi3"})
    void exportedLogitsMatchTorchReference(String fixture) {
        Fixtures.Expected exp = Fixtures.expected(fixture);
        Path out = export(fixture, false);
        for (OptLevel level : new OptLevel[] {OptLevel.ALL_OPT, OptLevel.NO_OPT}) {
            try (OrtDecoder d = OrtDecoder.open(out, OrtDecoder.Options.defaults().withOptLevel(level))) {
                double diff = Fixtures.maxAbsDiff(d.logits(exp.inputIds()), exp.logits());
                assertTrue(diff <= ATOL, fixture + " " + level + ": max |Δlogit| " + diff);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "llama-tied-bf16", "qwen2", "gpt2", "qwen3", "mistral", "llama-rope-linear", "phi3"})
    void javaReferenceMatchesTorchReference(String fixture) {
        // The test-only Java forward is the reference for sliced weights below; check it first.
        Fixtures.Expected exp = Fixtures.expected(fixture);
        DecoderWeights w = DecoderWeights.load(Fixtures.dir(fixture));
        for (int b = 0; b < exp.inputIds().length; b++) {
            float[][] ref = ReferenceForward.logits(w, exp.inputIds()[b]);
            for (int t = 0; t < ref.length; t++) {
                double diff = Fixtures.maxAbsDiff(ref[t], exp.logits()[b][t]);
                assertTrue(diff <= ATOL, fixture + " row " + b + " pos " + t + ": " + diff);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "llama-tied-bf16", "qwen2", "gpt2", "qwen3", "mistral", "llama-rope-linear", "phi3"})
    void decodingWithKvCacheEqualsFullSequence(String fixture) {
        Fixtures.Expected exp = Fixtures.expected(fixture);
        Path out = export(fixture, false);
        try (OrtDecoder d = OrtDecoder.open(out)) {
            float[][][] full = d.logits(exp.inputIds());
            for (int b = 0; b < exp.inputIds().length; b++) {
                int[] ids = java.util.Arrays.stream(exp.inputIds()[b]).mapToInt(v -> (int) v).toArray();
                // One token at a time.
                try (Generator g = d.generator()) {
                    for (int t = 0; t < ids.length; t++) {
                        float[] step = g.feed(new int[] {ids[t]});
                        double diff = Fixtures.maxAbsDiff(step, full[b][t]);
                        assertTrue(diff <= ATOL, fixture + " token " + t + ": " + diff);
                    }
                    assertEquals(ids.length, g.length());
                }
                // A prompt chunk, then a multi-token chunk on top of the cache.
                try (Generator g = d.generator()) {
                    float[][] first = g.feedAll(java.util.Arrays.copyOfRange(ids, 0, 3));
                    float[][] rest = g.feedAll(java.util.Arrays.copyOfRange(ids, 3, ids.length));
                    for (int t = 0; t < ids.length; t++) {
                        float[] got = t < 3 ? first[t] : rest[t - 3];
                        assertTrue(Fixtures.maxAbsDiff(got, full[b][t]) <= ATOL, fixture + " chunked pos " + t);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "gpt2"})
    void leftPaddedRowMatchesTheRowAlone(String fixture) {
        Fixtures.Expected exp = Fixtures.expected(fixture);
        Path out = export(fixture, false);
        long[] row1 = exp.inputIds()[1];
        int pad = 3;
        long[][] ids = {exp.inputIds()[0], new long[row1.length]};
        long[][] mask = {new long[row1.length], new long[row1.length]};
        java.util.Arrays.fill(mask[0], 1);
        for (int t = 0; t < row1.length; t++) {
            ids[1][t] = t < pad ? 0 : row1[t - pad];
            mask[1][t] = t < pad ? 0 : 1;
        }
        try (OrtDecoder d = OrtDecoder.open(out)) {
            float[][][] got = d.logits(ids, mask);
            float[][][] alone = d.logits(new long[][] {java.util.Arrays.copyOf(row1, row1.length - pad)});
            for (int t = pad; t < row1.length; t++) {
                assertTrue(Fixtures.maxAbsDiff(got[1][t], alone[0][t - pad]) <= ATOL, fixture + " padded pos " + t);
            }
            for (int t = 0; t < row1.length; t++) {
                assertTrue(Fixtures.maxAbsDiff(got[0][t], exp.logits()[0][t]) <= ATOL, fixture + " unpadded row pos " + t);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "llama-tied-bf16", "qwen2", "gpt2", "qwen3", "mistral", "llama-rope-linear", "phi3"})
    void fp16ExportIsCloseAndHalfTheSize(String fixture) throws Exception {
        Fixtures.Expected exp = Fixtures.expected(fixture);
        Path out16 = export(fixture, true);
        Path out32 = export(fixture, false);
        try (OrtDecoder d = OrtDecoder.open(out16)) {
            assertEquals("float16", d.metadata().get(ModelExport.DTYPE));
            double diff = Fixtures.maxAbsDiff(d.logits(exp.inputIds()), exp.logits());
            assertTrue(diff <= 3e-2, fixture + " fp16: max |Δlogit| " + diff);
            // The fp16 cache round-trips through the Generator as well.
            int[] ids = java.util.Arrays.stream(exp.inputIds()[0]).mapToInt(v -> (int) v).toArray();
            try (Generator g = d.generator()) {
                g.feed(java.util.Arrays.copyOf(ids, 4));
                float[] last = null;
                for (int t = 4; t < ids.length; t++) {
                    last = g.feed(new int[] {ids[t]});
                }
                assertTrue(Fixtures.maxAbsDiff(last, exp.logits()[0][ids.length - 1]) <= 3e-2);
            }
        }
        long s16 = Files.size(out16.resolve("model.onnx"));
        long s32 = Files.size(out32.resolve("model.onnx"));
        assertTrue(s16 < 0.6 * s32, "fp16 " + s16 + " bytes vs fp32 " + s32);
        OnnxChecker.checkIfAvailable(out16.resolve("model.onnx"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "llama-tied-bf16", "qwen2", "gpt2", "qwen3", "mistral", "llama-rope-linear", "phi3"})
    void onnxCheckerAcceptsTheModel(String fixture) {
        OnnxChecker.assumeAndCheck(export(fixture, false).resolve("model.onnx"));
    }
}
