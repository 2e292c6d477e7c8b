package dev.secateur.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.runtime.Generator;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.testsupport.Fixtures;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** Exports a model folder and holds ONNX Runtime's logits to expected ones, whole and one token at a time. */
final class ExportChecks {
    /** How far ONNX Runtime's float32 logits may be from the float64 Java reference's on the tiny fixtures. */
    static final double ATOL = 1e-4;

    private ExportChecks() {
    }

    /** llama-gqa's two test sequences of 7 tokens, which every fixture recast from it is run on. */
    static long[][] ids() {
        return Fixtures.expected("llama-gqa").inputIds();
    }

    /**
     * The adapter writes a loaded folder back under the names it was stored with and the values it had; norms within
     * {@code normTolerance} (Gemma's (w + 1) − 1 in float32 is w within one ulp of 1), everything else exactly.
     */
    static void assertWrittenBackAsStored(Path dir, double normTolerance) throws java.io.IOException {
        dev.secateur.model.DecoderWeights w = dev.secateur.model.DecoderWeights.load(dir);
        Map<String, dev.secateur.checkpoint.Tensor> written =
                dev.secateur.model.ArchitectureAdapter.of(w.config()).write(w);
        try (dev.secateur.checkpoint.Checkpoint ck = dev.secateur.checkpoint.Checkpoint.open(dir)) {
            org.junit.jupiter.api.Assertions.assertEquals(new java.util.TreeSet<>(ck.names()), new java.util.TreeSet<>(written.keySet()));
            for (String n : ck.names()) {
                double diff = Fixtures.maxAbsDiff(ck.tensor(n).data(), written.get(n).data());
                assertTrue(n.endsWith("norm.weight") ? diff <= normTolerance : diff == 0, n + " written back as stored: " + diff);
            }
        }
    }

    static void assertExportMatches(Path dir, Path out, long[][] ids, float[][][] want, double atol, String what) {
        ArtifactWriter.writeFolder(dir, out, ArtifactWriter.Options.defaults(false)
                .withMetadata(Map.of(ModelExport.PLAN, "{\"criterion\":\"none\"}")));
        try (OrtDecoder d = OrtDecoder.open(out)) {
            assertTrue(Fixtures.maxAbsDiff(d.logits(ids), want) <= atol, what + " whole");
            int[] seq = Arrays.stream(ids[0]).mapToInt(v -> (int) v).toArray();
            try (Generator g = d.generator()) {
                for (int t = 0; t < seq.length; t++) {
                    float[] step = g.feed(new int[] {seq[t]});
                    assertTrue(Fixtures.maxAbsDiff(step, want[0][t]) <= atol, what + " with the KV cache at token " + t);
                }
            }
        }
    }
}
