package dev.secateur.prune.model;

import dev.secateur.testsupport.Fixtures;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DecoderModelTest {
    private static final long[][] IDS = {{5, 9, 13, 2, 40}, {1, 1, 96, 0, 7}};

    /** Records the shape seen at each site of one layer, and can stop after a layer. */
    private static final class ShapeCapture implements ForwardCapture {
        final int layer;
        final int stopAfter;
        final Map<CaptureSite, Shape> shapes = new EnumMap<>(CaptureSite.class);
        int lastLayerSeen = -1;

        ShapeCapture(int layer, int stopAfter) {
            this.layer = layer;
            this.stopAfter = stopAfter;
        }

        @Override
        public boolean wants(CaptureSite site, int l) {
            lastLayerSeen = Math.max(lastLayerSeen, l);
            return l == layer;
        }

        @Override
        public void record(CaptureSite site, int l, NDArray value) {
            assertEquals(layer, l, "record called for a layer that was not wanted");
            shapes.put(site, value.getShape());
        }

        @Override
        public boolean stopAfter(int l) {
            return l == stopAfter;
        }
    }

    @Test
    void captureSeesEachSiteWithItsShape() {
        try (DecoderModel model = DecoderModel.load(Fixtures.dir("llama-gqa"), Device.cpu());
                NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            ShapeCapture c = new ShapeCapture(1, -1);
            NDArray logits = model.forward(m.create(IDS), c);
            assertEquals(new Shape(2, 5, 97), logits.getShape());
            assertEquals(new Shape(2, 5, 32), c.shapes.get(CaptureSite.BLOCK_INPUT));
            assertEquals(new Shape(2, 5, 32), c.shapes.get(CaptureSite.ATTENTION_INPUT));
            assertEquals(new Shape(2, 5, 4, 8), c.shapes.get(CaptureSite.ATTENTION_HEADS));
            assertEquals(new Shape(2, 5, 32), c.shapes.get(CaptureSite.MID_RESIDUAL));
            assertEquals(new Shape(2, 5, 32), c.shapes.get(CaptureSite.FFN_INPUT));
            assertEquals(new Shape(2, 5, 96), c.shapes.get(CaptureSite.FFN_INTERMEDIATE));
            assertEquals(new Shape(2, 5, 32), c.shapes.get(CaptureSite.BLOCK_OUTPUT));
        }
    }

    @Test
    void stopAfterEndsThePassEarly() {
        try (DecoderModel model = DecoderModel.load(Fixtures.dir("llama-gqa"), Device.cpu());
                NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            ShapeCapture c = new ShapeCapture(0, 0);
            assertNull(model.forward(m.create(IDS), c));
            assertEquals(0, c.lastLayerSeen, "layer 1 must not run");
            assertEquals(CaptureSite.values().length, c.shapes.size(), "every capture site of layer 0: " + c.shapes.keySet());
        }
    }

    @Test
    void perLayerSizesComeFromTheWeights() {
        // Prune layer 0 to 2 heads (one KV head) and 40 FFN neurons, layer 1 untouched: the forward must follow.
        DecoderWeights w = DecoderWeights.load(Fixtures.dir("llama-gqa"));
        LayerWeights l0 = w.layers().get(0);
        int[] heads = range(0, 16), kv = range(0, 8), ffn = range(0, 40);
        LayerWeights pruned = l0.withAttention(l0.q().selectRows(heads), null, l0.k().selectRows(kv), null,
                        l0.v().selectRows(kv), null, l0.o().selectColumns(heads), null)
                .withMlp(l0.gate().selectRows(ffn), null, l0.up().selectRows(ffn), null, l0.down().selectColumns(ffn), null);
        DecoderWeights small = w.withLayers(java.util.List.of(pruned, w.layers().get(1)));
        try (DecoderModel model = new DecoderModel(small, Device.cpu());
                NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            ShapeCapture c = new ShapeCapture(0, -1);
            assertEquals(new Shape(2, 5, 97), model.forward(m.create(IDS), c).getShape());
            assertEquals(new Shape(2, 5, 2, 8), c.shapes.get(CaptureSite.ATTENTION_HEADS));
            assertEquals(new Shape(2, 5, 40), c.shapes.get(CaptureSite.FFN_INTERMEDIATE));
        }
    }

    private static int[] range(int from, int to) {
        return java.util.stream.IntStream.range(from, to).toArray();
    }

    @Test
    void forwardLeavesNoArraysBehind() {
        try (DecoderModel model = DecoderModel.load(Fixtures.dir("gpt2"), Device.cpu());
                NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray ids = m.create(IDS);
            int before = m.getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                model.forward(ids, ForwardCapture.NONE).close();
            }
            assertEquals(before, m.getManagedArrays().size(), "caller's manager keeps only what it owned");
            // The model's own manager holds the weights and, after each pass, nothing else.
            int weights = model.parameters().size();
            assertEquals(weights, countArrays(model), "model manager holds exactly its weights");
        }
    }

    private static int countArrays(DecoderModel model) {
        NDManager owner = model.parameters().get("tokenEmbedding").getManager();
        return owner.getManagedArrays().size();
    }

    @Test
    void parametersAndToWeightsRoundTrip() {
        DecoderWeights w = DecoderWeights.load(Fixtures.dir("llama-tied-bf16"));
        try (DecoderModel model = new DecoderModel(w, Device.cpu())) {
            Map<String, NDArray> p = model.parameters();
            assertTrue(p.containsKey("layers.1.down"));
            assertTrue(!p.containsKey("lmHead"), "tied head is the embedding");
            assertEquals(w.parameterCount(), p.values().stream().mapToLong(a -> a.getShape().size()).sum());
            DecoderWeights back = model.toWeights();
            assertTrue(back.tied());
            assertEquals(w.layers().get(1).q(), back.layers().get(1).q());
            assertEquals(w.tokenEmbedding(), back.tokenEmbedding());
        }
    }

    @Test
    void gradientsReachTheWeights() {
        try (DecoderModel model = DecoderModel.load(Fixtures.dir("qwen2"), Device.cpu());
                NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            model.parameters().values().forEach(a -> a.setRequiresGradient(true));
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray logits = model.forward(m.create(IDS), ForwardCapture.NONE);
                gc.backward(logits.logSoftmax(2).get(":, :, 3").mean().neg());
            }
            NDArray grad = model.parameters().get("layers.0.qBias").getGradient();
            assertNotNull(grad);
            assertTrue(grad.abs().sum().getFloat() > 0, "q bias gets a gradient");
            assertTrue(model.parameters().get("layers.1.down").getGradient().abs().sum().getFloat() > 0);
        }
    }

    @Test
    void badInputsAreNamed() {
        try (DecoderModel model = DecoderModel.load(Fixtures.dir("gpt2"), Device.cpu());
                NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(m.create(new long[] {1, 2}), ForwardCapture.NONE));
            assertTrue(rank.getMessage().contains("[batch, seq]"), rank.getMessage());
            IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(m.zeros(new Shape(1, 33), ai.djl.ndarray.types.DataType.INT64), ForwardCapture.NONE));
            assertTrue(tooLong.getMessage().contains("32 learned positions"), tooLong.getMessage());
        }
    }

    @Test
    void tiedHeadSharesTheEmbeddingArray() {
        try (DecoderModel model = DecoderModel.load(Fixtures.dir("gpt2"), Device.cpu())) {
            DecoderWeights back = model.toWeights();
            assertSame(back.tokenEmbedding(), back.lmHead());
            assertArrayEquals(new int[] {97, 32}, back.tokenEmbedding().shape());
        }
    }
}
