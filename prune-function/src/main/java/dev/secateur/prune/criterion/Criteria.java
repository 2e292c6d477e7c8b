package dev.secateur.prune.criterion;

import ai.djl.ndarray.NDManager;
import dev.secateur.prune.mi.RenyiMutualInformation;
import java.util.List;

/** Criteria by name: mi (set form, default), mi-pairwise, magnitude, random, wanda-sp, flap (taylor and fusion need the model's gradients: TaylorEstimates; mask-opt: the engine's MaskSearch). */
public final class Criteria {
    public static final List<String> NAMES = List.of("mi", "mi-pairwise", "magnitude", "random", "wanda-sp", "flap", "taylor", "fusion");

    private Criteria() {
    }

    /** Knobs the criteria read; unused ones are ignored. */
    public record Settings(long seed, double kernelScale, int miTokens, double ridge, double maxFraction) {
        public static Settings defaults(long seed) {
            return new Settings(seed, RenyiMutualInformation.DEFAULT_H, 256, MiSetSelector.DEFAULT_RIDGE, 1.0);
        }
    }

    /** The criteria whose scores come from the gradients of a backward pass over the calibration windows. */
    public static boolean needsGradients(String name) {
        return "taylor".equals(name) || "fusion".equals(name);
    }

    public static Selector byName(String name, NDManager manager, Settings s) {
        return switch (name == null ? "" : name) {
            case "mi" -> new MiSetSelector(manager, s.ridge(), s.maxFraction());
            case "mi-pairwise" -> new MiPairwiseSelector(manager, new RenyiMutualInformation(s.kernelScale()), s.miTokens(), s.seed());
            case "magnitude" -> new ScoreSelector(new MagnitudeCriterion());
            case "random" -> new ScoreSelector(new RandomCriterion(s.seed()));
            case "wanda-sp" -> new ScoreSelector(new WandaSpCriterion());
            case "flap" -> new ScoreSelector(new FlapCriterion());
            case "taylor", "fusion" -> throw new IllegalArgumentException(name + " needs the model's gradients: build it from TaylorEstimates");
            case "mask-opt" -> throw new IllegalArgumentException("mask-opt learns its masks from forward passes of the model (the engine's MaskSearch)");
            default -> throw new IllegalArgumentException("unknown pruning method '" + name + "' (known: " + String.join(", ", NAMES) + ")");
        };
    }
}
