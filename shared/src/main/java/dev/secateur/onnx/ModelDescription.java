package dev.secateur.onnx;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.secateur.json.Json;
import dev.secateur.model.DecoderSource;
import dev.secateur.model.EncoderWeights;
import dev.secateur.model.LayerSizes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an exported model is, whichever its kind: the facts its graph's metadata_props and its manifest.json both
 * record, taken from the weights once so the two cannot disagree.
 *
 * @param kind {@link ExportManifest#DECODER} or {@link ExportManifest#ENCODER}
 * @param architecture the Hugging Face class name (LlamaForCausalLM, BertModel, ...)
 * @param maxPositions the usable context: a decoder's capped at its sliding window, an encoder's position table
 */
public record ModelDescription(String kind, String architecture, String dtype, long parameters, List<LayerSizes> layerSizes,
        int headDim, int hiddenSize, int vocabSize, int maxPositions) {

    public ModelDescription {
        layerSizes = List.copyOf(layerSizes);
    }

    public static ModelDescription of(DecoderSource w, boolean fp16) {
        return new ModelDescription(ExportManifest.DECODER, w.config().architecture().hfName(), fp16 ? "float16" : "float32",
                w.parameterCount(), w.layerSizes(), w.headDim(), w.config().hiddenSize(), w.config().vocabSize(),
                w.config().contextLength());
    }

    /** Encoders are exported in float32 only. */
    public static ModelDescription of(EncoderWeights w) {
        return new ModelDescription(ExportManifest.ENCODER, w.config().architecture().hfName(), "float32", w.parameterCount(),
                w.layerSizes(), w.headDim(), w.hiddenSize(), w.wordEmbedding().dim(0), w.positionEmbedding().dim(0));
    }

    /** The secateur.* metadata_props every export carries; each kind adds its own (token ids, pooling). */
    public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(ModelExport.KIND, kind);
        m.put(ModelExport.ARCHITECTURE, architecture);
        ArrayNode sizes = Json.mapper().createArrayNode();
        for (LayerSizes s : layerSizes) {
            sizes.addObject().put("heads", s.heads()).put("kvHeads", s.kvHeads()).put("ffn", s.ffn());
        }
        m.put(ModelExport.LAYER_SIZES, sizes.toString());
        m.put(ModelExport.HEAD_DIM, Integer.toString(headDim));
        m.put(ModelExport.HIDDEN_SIZE, Integer.toString(hiddenSize));
        m.put(ModelExport.NUM_LAYERS, Integer.toString(layerSizes.size()));
        m.put(ModelExport.VOCAB_SIZE, Integer.toString(vocabSize));
        // serve-function refuses prompts and completions past this
        m.put(ModelExport.MAX_POSITIONS, Integer.toString(maxPositions));
        m.put(ModelExport.TOKENIZER, ModelExport.TOKENIZER_FILE);
        m.put(ModelExport.DTYPE, dtype);
        m.put(ModelExport.PARAMETERS, Long.toString(parameters));
        return m;
    }

    /** The manifest of a folder holding this model and the given files. */
    public ExportManifest manifest(List<ExportManifest.FileEntry> files) {
        return new ExportManifest(ExportManifest.FORMAT, kind, architecture, dtype, parameters, layerSizes, files);
    }
}
