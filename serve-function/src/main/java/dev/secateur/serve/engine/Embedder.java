package dev.secateur.serve.engine;

import java.util.List;

/** An encoder: sentence embeddings. */
public interface Embedder extends Engine {

    /** Embeddings of several texts, in order, and the real (unpadded) tokens they took. */
    record Embedded(float[][] vectors, long tokens) {
    }

    /** Width of one embedding. */
    int dimensions();

    /** Whether embeddings come out at unit length (so a shortened one is renormalised). */
    boolean normalized();

    Embedded embed(List<String> texts);

    /** Token-id sequences taken as they are (the caller includes the special tokens it wants). */
    Embedded embedIds(List<long[]> ids);
}
