package dev.secateur.prune.criterion;

/**
 * A criterion's verdict on one layer: the order in which its units should go, first removed first.
 *
 * @param order every unit of the layer, each once
 * @param cost the criterion's cost of removing order[i] at that step (lower goes first); used to compare
 *     layers under global allocation after per-layer normalisation
 * @param information MI in bits of order[i] with what stays, at that step (threshold mode: remove while
 *     information > Tr); NaN for criteria that are not information measures
 */
public record RemovalOrder(int[] order, double[] cost, double[] information) {

    public RemovalOrder {
        if (order.length != cost.length || order.length != information.length) {
            throw new IllegalArgumentException("order, cost and information must have one entry per unit");
        }
    }

    public int units() {
        return order.length;
    }

    /** Units sorted by ascending score (ties: lower index first); the score is the cost. */
    public static RemovalOrder ascending(double[] score) {
        Integer[] idx = new Integer[score.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (a, b) -> {
            int c = Double.compare(score[a], score[b]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] order = new int[score.length];
        double[] cost = new double[score.length];
        double[] info = new double[score.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = idx[i];
            cost[i] = score[idx[i]];
            info[i] = Double.NaN;
        }
        return new RemovalOrder(order, cost, info);
    }
}
