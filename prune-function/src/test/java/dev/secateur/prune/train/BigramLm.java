package dev.secateur.prune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Embedding;
import ai.djl.ndarray.types.SparseFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** A tiny test model (embedding → linear head) that exercises the training loop without the decoder. */
final class BigramLm implements CausalLm, AutoCloseable {
    final NDManager manager = NDManager.newBaseManager();
    final Map<String, NDArray> params = new LinkedHashMap<>();

    BigramLm(int vocab, int hidden, long seed) {
        manager.getEngine().setRandomSeed((int) seed);
        params.put("embed", manager.randomNormal(0, 0.5f, new Shape(vocab, hidden), ai.djl.ndarray.types.DataType.FLOAT32));
        params.put("head", manager.randomNormal(0, 0.5f, new Shape(vocab, hidden), ai.djl.ndarray.types.DataType.FLOAT32));
        params.put("bias", manager.zeros(new Shape(vocab)));
    }

    @Override
    public NDArray logits(NDArray ids) {
        NDArray x = Embedding.embedding(ids, params.get("embed"), SparseFormat.DENSE).singletonOrThrow();
        NDArray out = x.matMul(params.get("head").transpose()).add(params.get("bias"));
        out.attach(ids.getManager());
        return out;
    }

    @Override
    public Map<String, NDArray> parameters() {
        return params;
    }

    @Override
    public void close() {
        manager.close();
    }
}
