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
    private ExportChecks() {
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
