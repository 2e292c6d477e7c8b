package dev.secateur.prune.engine;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * The distinct token ids of some windows, and the windows rewritten as indices into that list, so that the embedding
 * table on the device holds only the rows the windows use (a few thousand instead of a vocabulary of 32k–150k).
 */
record CompactVocabulary(int[] ids, int[] indexOf, int maxId) {

    static CompactVocabulary of(long[][]... windowSets) {
        TreeSet<Integer> seen = new TreeSet<>();
        for (long[][] set : windowSets) {
            for (long[] w : set) {
                for (long id : w) {
                    seen.add(Math.toIntExact(id));
                }
            }
        }
        int[] ids = seen.stream().mapToInt(Integer::intValue).toArray();
        int max = ids.length == 0 ? 0 : ids[ids.length - 1];
        int[] index = new int[max + 1];
        Arrays.fill(index, -1);
        for (int i = 0; i < ids.length; i++) {
            index[ids[i]] = i;
        }
        return new CompactVocabulary(ids, index, max);
    }

    long[][] remap(long[][] windows) {
        long[][] out = new long[windows.length][];
        for (int i = 0; i < windows.length; i++) {
            out[i] = new long[windows[i].length];
            for (int t = 0; t < windows[i].length; t++) {
                out[i][t] = indexOf[Math.toIntExact(windows[i][t])];
            }
        }
        return out;
    }
}
