package dev.secateur.prune.engine;

import dev.secateur.events.Allocation;
import dev.secateur.model.LayerSizes;
import dev.secateur.prune.criterion.Structure;
import dev.secateur.prune.plan.FrontLoadedSchedule;
import dev.secateur.prune.plan.Target;
import dev.secateur.prune.plan.UnitAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * The ratios each step of an adaptive schedule gives the engine, so that the steps together remove exactly the units the
 * one-shot run's rounding removes: per layer under uniform allocation, over the model under global allocation.
 * A step's ratio is its units over the units it starts from, which the engine's round(ratio · units) turns back into
 * exactly that count ({@link FrontLoadedSchedule}).
 */
final class ScheduleSteps {
    private ScheduleSteps() {
    }

    /**
     * @param ffnRatio null when the step removes no FFN neurons
     * @param headRatio null when the step removes no heads
     * @param ffnUnits FFN neurons the step removes per layer (uniform) or in the model (global)
     * @param kvGroups KV groups the step removes per layer (uniform) or in the model (global)
     */
    record Step(int step, Double ffnRatio, Double headRatio, int ffnUnits, int kvGroups) {
    }

    /** The steps that remove something (a short total leaves the last ones empty, and they are not run). */
    static List<Step> of(List<LayerSizes> sizes, PruneOptions o, int steps) {
        int[] ffn = counts(sizes, o, steps, Structure.FFN_NEURONS, o.ffnRatio());
        int[] heads = counts(sizes, o, steps, Structure.ATTENTION_HEADS, o.headRatio());
        double[] ffnRatios = FrontLoadedSchedule.ratios(units(sizes, o.allocation(), Structure.FFN_NEURONS), ffn);
        double[] headRatios = FrontLoadedSchedule.ratios(units(sizes, o.allocation(), Structure.ATTENTION_HEADS), heads);
        List<Step> out = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            if (ffn[s] == 0 && heads[s] == 0) {
                break; // counts never rise again after a zero
            }
            out.add(new Step(s + 1, ffn[s] == 0 ? null : ffnRatios[s], heads[s] == 0 ? null : headRatios[s], ffn[s], heads[s]));
        }
        if (out.isEmpty()) {
            throw new InvalidOptionException("schedule", "the ratios remove no unit of this model, so there are no steps to schedule");
        }
        return out;
    }

    private static int[] counts(List<LayerSizes> sizes, PruneOptions o, int steps, Structure s, Double ratio) {
        if (ratio == null || ratio == 0) {
            return new int[steps];
        }
        int units = units(sizes, o.allocation(), s);
        int groupSize = s == Structure.ATTENTION_HEADS ? sizes.get(0).heads() / sizes.get(0).kvHeads() : 1;
        int total = UnitAllocator.total(units, new Target(s, ratio, null, o.allocation(), o.minKeep()), groupSize);
        return FrontLoadedSchedule.counts(units, total, steps);
    }

    /** One layer's units (uniform: every layer must have as many) or the model's (global). */
    private static int units(List<LayerSizes> sizes, Allocation allocation, Structure s) {
        int[] perLayer = sizes.stream().mapToInt(z -> s == Structure.ATTENTION_HEADS ? z.kvHeads() : z.ffn()).toArray();
        if (allocation.global()) {
            return java.util.Arrays.stream(perLayer).sum();
        }
        int min = java.util.Arrays.stream(perLayer).min().orElseThrow(), max = java.util.Arrays.stream(perLayer).max().orElseThrow();
        if (min != max) {
            String what = s == Structure.ATTENTION_HEADS ? "KV groups" : "FFN widths";
            // one ratio per step cannot remove the exact schedule of two different widths after rounding
            throw new InvalidOptionException("schedule", "adaptive with uniform allocation needs the same " + what + " in every layer; this model's range from "
                    + min + " to " + max + " (an already pruned model): use allocation global or schedule one-shot");
        }
        return max;
    }
}
