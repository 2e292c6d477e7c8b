package dev.secateur.prune.train;

import ai.djl.ndarray.NDArray;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.prune.model.ForwardCapture;
import java.util.Map;

/** The DJL decoder forward as a {@link CausalLm}. */
public record DecoderLm(DecoderModel model) implements CausalLm {

    @Override
    public NDArray logits(NDArray ids) {
        return model.forward(ids, ForwardCapture.NONE);
    }

    @Override
    public Map<String, NDArray> parameters() {
        return model.parameters();
    }
}
