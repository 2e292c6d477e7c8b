package dev.secateur.prune.plan;

import java.util.Arrays;
import java.util.List;

/**
 * Whole-layer removal from per-layer {@link LayerScores.Score}s: drop the cheapest round(ratio × layers) (ties toward
 * the smaller relative change ||out − in|| / ||in||, then the lower index), or in threshold mode every layer whose
 * information exceeds the threshold (bits; only information-valued scores, i.e. mi-pairwise), capped by the ratio
 * when one is given. At least one layer always stays.
 */
public final class LayerDrop {
    private LayerDrop() {
    }

    /** The {@code count} cheapest layers (a target shape's layers=L drops layers − L), in ascending index order. */
    public static int[] chooseCount(List<LayerScores.Score> scores, int count) {
        if (count < 0 || count >= scores.size()) {
            throw new IllegalArgumentException("dropping " + count + " of " + scores.size() + " layers would leave none");
        }
        return Arrays.stream(cheapestFirst(scores), 0, count).mapToInt(Integer::intValue).sorted().toArray();
    }

    private static Integer[] cheapestFirst(List<LayerScores.Score> scores) {
        Integer[] idx = new Integer[scores.size()];
        Arrays.setAll(idx, i -> i);
        Arrays.sort(idx, (x, y) -> {
            int c = Double.compare(scores.get(x).cost(), scores.get(y).cost());
            c = c != 0 ? c : Double.compare(scores.get(x).change(), scores.get(y).change());
            return c != 0 ? c : Integer.compare(x, y);
        });
        return idx;
    }

    public static int[] choose(List<LayerScores.Score> scores, double ratio, Double threshold) {
        int layers = scores.size();
        if (!(ratio >= 0 && ratio < 1)) {
            throw new IllegalArgumentException("layer ratio must be in [0, 1), got " + ratio);
        }
        Integer[] idx = cheapestFirst(scores);
        int k;
        if (threshold == null) {
            k = (int) Math.round(ratio * layers);
        } else {
            if (scores.stream().anyMatch(s -> Double.isNaN(s.information()))) {
                throw new IllegalArgumentException("a layer threshold needs information-valued layer scores (mi-pairwise)");
            }
            k = (int) scores.stream().filter(s -> s.information() > threshold).count();
            if (ratio > 0) {
                k = Math.min(k, (int) Math.round(ratio * layers));
            }
        }
        if (k >= layers) {
            throw new IllegalArgumentException("dropping " + k + " of " + layers + " layers would leave none");
        }
        return Arrays.stream(idx, 0, k).mapToInt(Integer::intValue).sorted().toArray();
    }
}
