package dev.secateur.prune.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.model.BlockMath;
import dev.secateur.prune.model.DeviceBlock;
import dev.secateur.prune.plan.MaskPolicy;
import dev.secateur.prune.plan.MaskSettings;
import dev.secateur.prune.plan.StructuredMaskPolicy;
import dev.secateur.prune.plan.UnitMask;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Forward-only mask optimisation (after Gao et al., arXiv 2406.10576) on the streamed model: every step samples K
 * masks from the policy, runs the same calibration windows through the model once per mask, block by block (each block
 * read once per step and masked K times: a removed FFN neuron's down_proj column and a removed KV group's o_proj columns
 * zeroed, a removed layer skipped so that its input passes on unchanged), scores each mask by the mean next-token NLL and
 * moves θ by the policy-gradient estimate. No gradient of the model is computed. Resident: one block, the head's pieces
 * at the end of a pass, and K + 1 copies of the windows' hidden states.
 *
 * <p>Cost: (iterations · samples + 3) forward passes over {@code windows} windows (the three: dense, the start's most
 * likely mask, the final one), plus one read of every block per pass of a step.
 */
final class MaskSearch {
    /**
     * @param lossCurve mean loss of the step's sampled masks, per step
     * @param denseLoss the unmasked model's loss on the same windows
     * @param startLoss loss of the most likely mask before the first step (with mi init: mi's own global plan, uncompensated)
     * @param finalLoss loss of the final (most likely) mask
     */
    record Result(double[] lossCurve, double denseLoss, double startLoss, double finalLoss, int windows, double seconds) {
    }

    /** What the search moves: masks drawn from it, a step from their losses, its most likely mask, its state in words. */
    interface Policy {
        UnitMask sample(SplittableRandom random);

        void step(List<UnitMask> masks, double[] losses, double lr);

        UnitMask mostLikely();

        String expected();

        static Policy of(MaskPolicy p) {
            return new Policy() {
                public UnitMask sample(SplittableRandom random) {
                    return UnitMask.ofFfn(p.sample(random));
                }

                public void step(List<UnitMask> masks, double[] losses, double lr) {
                    p.step(masks.stream().map(UnitMask::ffn).toList(), losses, lr);
                }

                public UnitMask mostLikely() {
                    return UnitMask.ofFfn(p.mostLikely());
                }

                public String expected() {
                    return "expected FFN widths " + widths(p.expectedWidths());
                }
            };
        }

        static Policy of(StructuredMaskPolicy p) {
            return new Policy() {
                public UnitMask sample(SplittableRandom random) {
                    return p.sample(random);
                }

                public void step(List<UnitMask> masks, double[] losses, double lr) {
                    p.step(masks, losses, lr);
                }

                public UnitMask mostLikely() {
                    return p.mostLikely();
                }

                public String expected() {
                    return p.expected();
                }
            };
        }
    }

    private final DecoderFamily model;
    private final NDManager root;
    private final BlockMath f;
    private final long[][] windows;
    private final CalibrationLoss loss;

    MaskSearch(DecoderFamily model, NDManager root, int windowCount) {
        this.model = model;
        this.root = root;
        this.f = model.math();
        this.windows = model.firstWindows(windowCount);
        this.loss = new CalibrationLoss(model.checkpoint(), windows, model.batchSize());
    }

    Result run(Policy policy, MaskSettings s, long seed, ProgressListener listener) {
        long t0 = System.nanoTime();
        SplittableRandom random = new SplittableRandom(seed);
        try (HiddenStates embedded = model.embedWindows(root, windows)) {
            double dense = losses(embedded, java.util.Collections.singletonList((UnitMask) null))[0];
            double start = losses(embedded, java.util.Collections.singletonList(policy.mostLikely()))[0];
            double[] curve = new double[s.iterations()];
            for (int it = 0; it < s.iterations(); it++) {
                List<UnitMask> masks = new ArrayList<>();
                for (int k = 0; k < s.samples(); k++) {
                    masks.add(policy.sample(random));
                }
                double[] l = losses(embedded, masks);
                curve[it] = Arrays.stream(l).average().orElse(Double.NaN);
                policy.step(masks, l, s.learningRate());
                listener.progress("mask", (it + 1.0) / s.iterations(), String.format(Locale.ROOT,
                        "mask-opt step %d/%d: mean loss %.4f (dense %.4f, start %.4f), %s", it + 1, s.iterations(), curve[it],
                        dense, start, policy.expected()));
            }
            double end = losses(embedded, java.util.Collections.singletonList(policy.mostLikely()))[0];
            return new Result(curve, dense, start, end, windows.length, (System.nanoTime() - t0) / 1e9);
        }
    }

    /** The loss of each of these masks (null: the dense model) on the search's windows. */
    double[] lossesOf(List<boolean[][]> masks) {
        return unitLossesOf(masks.stream().map(UnitMask::ofFfn).toList());
    }

    /** The loss of each of these masks over any structures (null: the dense model) on the search's windows. */
    double[] unitLossesOf(List<UnitMask> masks) {
        try (HiddenStates embedded = model.embedWindows(root, windows)) {
            return losses(embedded, masks);
        }
    }

    static String widths(double[] w) {
        StringBuilder b = new StringBuilder("[");
        for (int l = 0; l < w.length; l++) {
            b.append(l == 0 ? "" : ", ").append(Math.round(w[l]));
        }
        return b.append(']').toString();
    }

    /** One loss per mask (a null mask: the dense model), each from its own copy of the embedded windows. */
    private double[] losses(HiddenStates embedded, List<UnitMask> masks) {
        List<HiddenStates> states = new ArrayList<>();
        try {
            for (int k = 0; k < masks.size(); k++) {
                states.add(embedded.copy());
            }
            int headDim = model.headDim();
            for (int l = 0; l < model.numLayers(); l++) {
                LayerWeights w = model.layer(l);
                int groupSize = w.numHeads(headDim) / w.numKvHeads(headDim);
                try (DeviceBlock block = DeviceBlock.load(l, w, root)) {
                    for (int k = 0; k < masks.size(); k++) {
                        UnitMask mask = masks.get(k);
                        if (mask == null) {
                            states.get(k).advance(f, block, null);
                            continue;
                        }
                        if (!mask.keepsLayer(l)) {
                            // a dropped layer is the identity: its input goes on as its output
                            continue;
                        }
                        try (NDManager m = root.newSubManager()) {
                            NDArray ffnKeep = mask.ffn() == null ? null : m.create(floats(mask.ffn()[l]));
                            NDArray oKeep = mask.groups() == null ? null : m.create(oColumns(mask.groups()[l], groupSize, headDim));
                            try (DeviceBlock masked = block.withMasks(ffnKeep, oKeep)) {
                                states.get(k).advance(f, masked, null);
                            }
                        }
                    }
                }
            }
            double[] out = new double[masks.size()];
            for (int k = 0; k < out.length; k++) {
                out[k] = loss.meanNll(states.get(k), root);
            }
            return out;
        } finally {
            states.forEach(HiddenStates::close);
        }
    }

    /** o_proj's column multipliers for kept KV groups: group g owns query heads g·size … (g + 1)·size − 1, headDim columns each. */
    static float[] oColumns(boolean[] groups, int groupSize, int headDim) {
        float[] f = new float[groups.length * groupSize * headDim];
        for (int g = 0; g < groups.length; g++) {
            if (groups[g]) {
                Arrays.fill(f, g * groupSize * headDim, (g + 1) * groupSize * headDim, 1f);
            }
        }
        return f;
    }

    private static float[] floats(boolean[] b) {
        float[] f = new float[b.length];
        for (int i = 0; i < b.length; i++) {
            f[i] = b[i] ? 1f : 0f;
        }
        return f;
    }
}
