package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Records per-layer sizes in config.json under "secateur_layer_sizes". Hugging Face configs cannot express
 * a different width per layer; Secateur's readers take sizes from the weights and this entry documents them.
 */
final class LayerSizesJson {
    private LayerSizesJson() {
    }

    static void record(ObjectNode config, java.util.List<LayerSizes> sizes) {
        ArrayNode arr = config.putArray("secateur_layer_sizes");
        for (LayerSizes s : sizes) {
            arr.addObject().put("num_attention_heads", s.heads()).put("num_key_value_heads", s.kvHeads())
                    .put("intermediate_size", s.ffn());
        }
    }
}
