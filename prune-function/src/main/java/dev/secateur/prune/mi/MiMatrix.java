package dev.secateur.prune.mi;

/** All-pairs mutual information of a layer's units, in bits, row-major d×d (float to keep 11008² in 485 MB). */
public record MiMatrix(int size, float[] bits) {

    public double get(int a, int b) {
        return bits[a * size + b];
    }
}
