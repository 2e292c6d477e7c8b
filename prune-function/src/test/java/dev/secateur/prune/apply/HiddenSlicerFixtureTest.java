package dev.secateur.prune.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.model.CheckpointWriter;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerSizes;
import dev.secateur.model.LayerWeights;
import dev.secateur.model.StreamedCheckpoint;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.prune.model.ForwardCapture;
import dev.secateur.prune.plan.HiddenPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hidden pruning against an independent reference: llama-gqa cut to hidden=24, kv-heads=1 (heads=2), ffn=64 by the kept
 * indices and norm factors in fixtures/llama-gqa-sheared/expected.json, whose logits a float64 torch forward of the
 * reference's own slicing computed (tools/reference/make_fixtures.py). The Java slicers cut the same indices, the
 * checkpoint writer writes the result, the loader reads it back as a uniform 24-wide model, and the logits agree.
 */
class HiddenSlicerFixtureTest {

    @Test
    void hiddenPrunedFixtureMatchesTheReferenceCutByTheSameIndices(@TempDir Path tmp) {
        JsonNode expected = Fixtures.json("llama-gqa-sheared/expected.json");
        JsonNode kept = expected.get("kept");
        DecoderWeights src = DecoderWeights.load(Fixtures.dir(expected.get("source").asText()));
        int layers = src.layers().size(), hd = src.headDim(), group = src.config().kvGroupSize();
        HiddenPlan plan = new HiddenPlan(src.config().hiddenSize(), ints(kept.get("hidden")), Fixtures.doubles(kept.get("attnScale")),
                Fixtures.doubles(kept.get("mlpScale")), kept.get("finalScale").asDouble(), null);

        List<LayerWeights> cut = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            int[] kv = ints(kept.get("kvGroups").get(l));
            int[] heads = IntStream.of(kv).flatMap(g -> IntStream.range(g * group, (g + 1) * group)).toArray();
            LayerWeights w = HiddenSlicer.slice(src.layers().get(l), plan, l);
            w = StructuredSlicer.sliceFfn(w, ints(kept.get("ffn").get(l)));
            cut.add(StructuredSlicer.sliceHeads(w, heads, kv, hd));
        }
        DecoderWeights sheared = new DecoderWeights(src.config(), HiddenSlicer.columns(src.tokenEmbedding(), plan), null, cut,
                HiddenSlicer.norm(src.finalNorm(), plan, plan.finalScale()), null, HiddenSlicer.reader(src.lmHead(), src.finalNorm(), plan));
        Path dir = tmp.resolve("sheared");
        CheckpointWriter.save(sheared, dir, null);

        ModelConfig c = ConfigReader.read(dir);
        assertEquals(24, c.hiddenSize());
        assertEquals(64, c.intermediateSize());
        assertEquals(2, c.numHeads());
        assertEquals(1, c.numKvHeads());
        assertEquals(8, c.headDim(), "head_dim stays explicit: hidden / heads would give 12");
        try (StreamedCheckpoint back = StreamedCheckpoint.open(dir)) {
            assertEquals(List.of(new LayerSizes(2, 1, 64), new LayerSizes(2, 1, 64)), back.layerSizes());
        }

        double atol = expected.get("atol").asDouble(), maxDiff = 0;
        long[][] ids = Fixtures.inputIds(expected);
        try (DecoderModel model = DecoderModel.load(dir, Device.cpu()); NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray out = model.forward(m.create(ids), ForwardCapture.NONE);
            float[] got = out.toFloatArray();
            int vocab = (int) out.getShape().get(2), seq = ids[0].length;
            JsonNode want = expected.get("logits");
            for (int b = 0; b < ids.length; b++) {
                for (int t = 0; t < seq; t++) {
                    double[] row = Fixtures.doubles(want.get(b).get(t));
                    for (int v = 0; v < vocab; v++) {
                        maxDiff = Math.max(maxDiff, Math.abs(row[v] - got[(b * seq + t) * vocab + v]));
                    }
                }
            }
        }
        double d = maxDiff;
        assertTrue(maxDiff <= atol, () -> "max |Δ logits| = " + d + " > " + atol);
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}
