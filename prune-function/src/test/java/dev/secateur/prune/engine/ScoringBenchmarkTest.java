package dev.secateur.prune.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.secateur.checkpoint.Architecture;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;
import dev.secateur.prune.calibration.ModelActivationSource;
import dev.secateur.prune.compensate.LeastSquaresCompensation;
import dev.secateur.prune.criterion.Criteria;
import dev.secateur.prune.criterion.RemovalOrder;
import dev.secateur.prune.criterion.Selector;
import dev.secateur.prune.criterion.Structure;
import dev.secateur.prune.model.CaptureSite;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.prune.plan.LayerPlan;
import dev.secateur.prune.plan.UnitAllocator;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Timing, not correctness: MI scoring of one layer vs that layer's calibration forward, on a random Llama.
 * Run: mvn -pl prune-function -am test -Dtest=ScoringBenchmarkTest -Dsecateur.bench=true -Dsurefire.failIfNoSpecifiedTests=false
 * Sizes: -Dbench.hidden=512 -Dbench.ffn=1536 -Dbench.samples=32 -Dbench.seq=128 -Dbench.device=cpu
 * Criteria: -Dbench.criteria=wanda-sp,mi-pairwise,mi (the default)
 */
@EnabledIfSystemProperty(named = "secateur.bench", matches = "true")
class ScoringBenchmarkTest {

    static int prop(String name, int def) {
        return Integer.getInteger(name, def);
    }

    static Tensor random(Random r, double scale, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.numel(); i++) {
            t.data()[i] = (float) (r.nextGaussian() * scale);
        }
        return t;
    }

    static Tensor ones(int n) {
        Tensor t = Tensor.zeros(n);
        java.util.Arrays.fill(t.data(), 1f);
        return t;
    }

    static DecoderWeights randomLlama(int hidden, int ffn, int heads, int kv, int layers, int vocab) {
        Random r = new Random(1);
        int hd = hidden / heads;
        ModelConfig c = new ModelConfig(Architecture.LLAMA, hidden, layers, heads, kv, hd, ffn, vocab, 4096, 10000, null, 1e-5, false, false,
                "silu", 1, 2, null, null);
        List<LayerWeights> ls = new ArrayList<>();
        double si = 1 / Math.sqrt(hidden), sf = 1 / Math.sqrt(ffn);
        for (int l = 0; l < layers; l++) {
            ls.add(new LayerWeights(ones(hidden), null, random(r, si, heads * hd, hidden), null, random(r, si, kv * hd, hidden), null,
                    random(r, si, kv * hd, hidden), null, random(r, si, hidden, heads * hd), null, ones(hidden), null,
                    random(r, si, ffn, hidden), null, random(r, si, ffn, hidden), null, random(r, sf, hidden, ffn), null));
        }
        return new DecoderWeights(c, random(r, 1, vocab, hidden), null, ls, ones(hidden), null, random(r, si, vocab, hidden));
    }

    @Test
    void miScoringVersusCalibrationForward() {
        int hidden = prop("bench.hidden", 512), ffn = prop("bench.ffn", 1536), samples = prop("bench.samples", 32), seq = prop("bench.seq", 128);
        int layers = prop("bench.layers", 4);
        Device device = dev.secateur.prune.model.Devices.resolve(System.getProperty("bench.device", "auto"));
        DecoderWeights w = randomLlama(hidden, ffn, 8, 4, layers, 512);
        Random r = new Random(2);
        long[][] windows = new long[samples][seq];
        for (long[] win : windows) {
            for (int t = 0; t < seq; t++) {
                win[t] = r.nextInt(512);
            }
        }
        int tokens = samples * seq;
        try (DecoderModel model = new DecoderModel(w, device); NDManager m = NDManager.newBaseManager(device, "PyTorch")) {
            // warm-up pass, then one capture pass per layer (each runs the forward up to that layer)
            new ModelActivationSource(model, w, windows, 8, tokens, EnumSet.of(CaptureSite.FFN_INTERMEDIATE), 0, 1).layer(0);
            int layer = layers - 1;
            ModelActivationSource src = new ModelActivationSource(model, w, windows, 8, tokens,
                    EnumSet.of(CaptureSite.FFN_INTERMEDIATE, CaptureSite.ATTENTION_HEADS), 0, 1);
            LayerActivations a = src.layer(layer);
            double fwd = src.forwardSeconds();
            System.out.printf("device %s, random Llama hidden %d ffn %d heads 8/4, %d layers; calibration %d × %d = %d tokens%n",
                    dev.secateur.prune.model.Devices.describe(device), hidden, ffn, layers, samples, seq, tokens);
            System.out.printf("calibration forward through layer %d (%d layers run, capture + copy-out): %.3f s → %.3f s per layer%n",
                    layer, layers, fwd, fwd / layers);
            for (String name : System.getProperty("bench.criteria", "wanda-sp,mi-pairwise,mi").split(",")) {
                for (double frac : name.equals("mi") ? new double[] {0.2, 1.0} : new double[] {1.0}) {
                    Selector s = Criteria.byName(name, m, new Criteria.Settings(0, 1.0, 256, 1e-2, frac));
                    s.order(a, w.layers().get(layer), Structure.FFN_NEURONS); // warm-up
                    long t0 = System.nanoTime();
                    RemovalOrder o = s.order(a, w.layers().get(layer), Structure.FFN_NEURONS);
                    double sec = (System.nanoTime() - t0) / 1e9;
                    long t1 = System.nanoTime();
                    s.order(a, w.layers().get(layer), Structure.ATTENTION_HEADS);
                    double heads = (System.nanoTime() - t1) / 1e9;
                    System.out.printf("%-12s FFN %d neurons (exact greedy steps %.0f %%): %.3f s (%.2f × the per-layer forward); heads: %.3f s; first %d%n",
                            name, ffn, frac * 100, sec, sec / (fwd / layers), heads, o.order()[0]);
                }
            }
            LayerWeights lw = w.layers().get(layer);
            int[] kept = UnitAllocator.kept(ffn, java.util.Arrays.copyOf(Criteria.byName("wanda-sp", m, Criteria.Settings.defaults(0))
                    .order(a, lw, Structure.FFN_NEURONS).order(), ffn / 5));
            long t0 = System.nanoTime();
            new LeastSquaresCompensation(m, 1e-2, dev.secateur.prune.compensate.BiasSites.ALL).compensate(lw, a, LayerPlan.dense(layer, ffn, 8, 4).withFfn(kept));
            System.out.printf("lsq refit of down_proj from %d kept neurons: %.3f s%n", kept.length, (System.nanoTime() - t0) / 1e9);
        }
    }
}
