package dev.secateur.prune.mi;

import dev.secateur.checkpoint.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Seeded choice of n token rows (sorted, without replacement); all rows when there are no more than n. */
public final class TokenSubsample {
    private TokenSubsample() {
    }

    public static int[] indices(int rows, int n, long seed) {
        if (n >= rows) {
            int[] all = new int[rows];
            Arrays.setAll(all, i -> i);
            return all;
        }
        int[] perm = new int[rows];
        Arrays.setAll(perm, i -> i);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            int j = i + r.nextInt(rows - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int[] out = Arrays.copyOf(perm, n);
        Arrays.sort(out);
        return out;
    }

    public static Tensor rows(Tensor z, int n, long seed) {
        return n >= z.dim(0) ? z : z.selectRows(indices(z.dim(0), n, seed));
    }
}
