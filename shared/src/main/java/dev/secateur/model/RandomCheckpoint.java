package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.DType;
import dev.secateur.checkpoint.SafetensorsWriter;
import dev.secateur.json.Json;
import dev.secateur.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Writes a random-weight Hugging Face checkpoint of a real architecture's exact shape (config.json, safetensors
 * shards, index), so that memory and time at real sizes can be measured by anyone without downloading weights.
 * Tensors are generated and written one at a time. Weights are uniform with standard deviation 0.02 (the usual
 * initialiser's scale), norms are 1, biases 0: the model is meaningless, its shapes and byte counts are real.
 */
public final class RandomCheckpoint {
    /**
     * A Llama-family architecture's sizes, as its config.json states them (Phi-3's with its fused projections).
     *
     * @param headDim explicit head_dim (Qwen3, Mistral-NeMo), or 0 for hidden / heads
     * @param qkNorm Qwen3's per-head query/key RMSNorm
     * @param slidingWindow Mistral's or Phi-3's sliding_window, or 0 for none
     */
    public record Shape(String architecture, int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab,
            boolean tied, double ropeTheta, int maxPositions, boolean qkvBias, int headDim, boolean qkNorm, int slidingWindow) {
        public Shape(String architecture, int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab,
                boolean tied, double ropeTheta, int maxPositions, boolean qkvBias) {
            this(architecture, hidden, intermediate, layers, heads, kvHeads, vocab, tied, ropeTheta, maxPositions, qkvBias, 0, false, 0);
        }

        /** Gemma 2 and 3 normalise each block's attention and MLP outputs too: four norms per block. */
        public boolean postNorms() {
            return architecture.equals("Gemma2ForCausalLM") || gemma3();
        }

        /** OLMo 2: no pre-norms, norms on both outputs, q/k norms over all heads. */
        public boolean olmo() {
            return architecture.equals("Olmo2ForCausalLM");
        }

        private boolean gemma3() {
            return architecture.equals("Gemma3ForCausalLM");
        }

        /** StableLM's and StarCoder2's norms are LayerNorms: a bias beside every norm weight. */
        public boolean layerNorms() {
            return architecture.equals("StableLmForCausalLM") || starcoder2() || nemotron();
        }

        /** InternLM2: Llama's sizes under its own names, q/k/v fused per key/value group. */
        public boolean internLm2() {
            return architecture.equals("InternLM2ForCausalLM");
        }

        /** GPT-NeoX: q/k/v fused per head, biases and LayerNorms everywhere, an ungated MLP, its own tensor names. */
        public boolean gptNeox() {
            return architecture.equals("GPTNeoXForCausalLM");
        }

        /** Phi: one LayerNorm per block, biases on every linear layer and on lm_head, an ungated fc1/fc2 MLP. */
        public boolean phi() {
            return architecture.equals("PhiForCausalLM");
        }

        /** GPT-J: Phi's block under GPT-2-style names, no attention biases, an interleaved partial rotary (config). */
        public boolean gptj() {
            return architecture.equals("GPTJForCausalLM");
        }

        /** Falcon (7B's layout): q/k/v fused as [queries; key; value] (multi-query), one LayerNorm per block, no linear biases. */
        public boolean falcon() {
            return architecture.equals("FalconForCausalLM");
        }

        /** OPT: pre-LN LayerNorms, learned positions (two extra rows), biases everywhere, fc1 / fc2, tied. */
        public boolean opt() {
            return architecture.equals("OPTForCausalLM");
        }

        /** Nemotron: LayerNorm1P norms (a bias beside each weight) and an ungated up/down MLP under relu2. */
        public boolean nemotron() {
            return architecture.equals("NemotronForCausalLM");
        }

        /** StarCoder2: an ungated MLP (mlp.c_fc, mlp.c_proj) and a bias on every linear layer. */
        public boolean starcoder2() {
            return architecture.equals("Starcoder2ForCausalLM");
        }

        /** Phi-3 stores q/k/v as one qkv_proj and gate/up as one gate_up_proj. */
        public boolean fused() {
            return architecture.equals("Phi3ForCausalLM");
        }

        public int effectiveHeadDim() {
            return headDim > 0 ? headDim : hidden / heads;
        }

        public long parameters() {
            if (gptNeox()) {
                long block = 4L * hidden * hidden + 4L * hidden + 2L * hidden * intermediate + intermediate + hidden + 4L * hidden;
                return 2L * vocab * hidden + layers * block + 2L * hidden;
            }
            if (opt()) {
                long block = 4L * hidden * hidden + 4L * hidden + 2L * hidden * intermediate + intermediate + hidden + 4L * hidden;
                return (long) vocab * hidden * (tied ? 1 : 2) + (long) (maxPositions + 2) * hidden + layers * block + 2L * hidden;
            }
            if (falcon()) {
                long block = (long) (heads + 2 * kvHeads) * effectiveHeadDim() * hidden + (long) hidden * hidden
                        + 2L * hidden * intermediate + 2L * hidden;
                return (long) vocab * hidden * (tied ? 1 : 2) + layers * block + 2L * hidden;
            }
            if (gptj()) {
                long block = 4L * hidden * hidden + 2L * hidden * intermediate + intermediate + hidden + 2L * hidden;
                return 2L * vocab * hidden + vocab + layers * block + 2L * hidden;
            }
            if (phi()) {
                int q = heads * effectiveHeadDim(), kv = kvHeads * effectiveHeadDim();
                long block = 2L * hidden * q + 2L * hidden * kv + q + 2L * kv + hidden + 2L * hidden * intermediate + intermediate
                        + hidden + 2L * hidden;
                return 2L * vocab * hidden + vocab + layers * block + 2L * hidden;
            }
            int hd = effectiveHeadDim();
            long attn = (long) hidden * heads * hd * 2 + (long) hidden * kvHeads * hd * 2 + (qkvBias ? (long) (heads + 2 * kvHeads) * hd : 0)
                    + (olmo() ? (long) (heads + kvHeads) * hd : qkNorm ? 2L * hd : 0);
            int normSize = layerNorms() ? 2 * hidden : hidden;
            long mlp = starcoder2() ? 2L * hidden * intermediate + intermediate + hidden
                    : nemotron() ? 2L * hidden * intermediate : 3L * hidden * intermediate;
            long oBias = starcoder2() ? hidden : 0;
            long block = attn + oBias + mlp + (postNorms() ? 4L : 2L) * normSize;
            return (long) vocab * hidden * (tied ? 1 : 2) + layers * block + normSize;
        }
    }

    public static final Map<String, Shape> SHAPES = shapes();

    private static Map<String, Shape> shapes() {
        Map<String, Shape> m = new LinkedHashMap<>();
        m.put("llama-125m", new Shape("LlamaForCausalLM", 768, 2048, 12, 12, 12, 32000, false, 10000, 2048, false));
        m.put("smollm-360m", new Shape("LlamaForCausalLM", 960, 2560, 32, 15, 5, 49152, true, 10000, 2048, false));
        m.put("qwen2.5-0.5b", new Shape("Qwen2ForCausalLM", 896, 4864, 24, 14, 2, 151936, true, 1000000, 32768, true));
        m.put("tinyllama-1.1b", new Shape("LlamaForCausalLM", 2048, 5632, 22, 32, 4, 32000, false, 10000, 2048, false));
        m.put("llama-3.2-1b", new Shape("LlamaForCausalLM", 2048, 8192, 16, 32, 8, 128256, true, 500000, 131072, false));
        m.put("llama-3.2-3b", new Shape("LlamaForCausalLM", 3072, 8192, 28, 24, 8, 128256, true, 500000, 131072, false));
        m.put("llama-2-7b", new Shape("LlamaForCausalLM", 4096, 11008, 32, 32, 32, 32000, false, 10000, 4096, false));
        m.put("llama-3-8b", new Shape("LlamaForCausalLM", 4096, 14336, 32, 32, 8, 128256, false, 500000, 8192, false));
        // Qwen3's published configs: head_dim 128 whatever hidden / heads is; 0.6B ties its embeddings, 8B does not
        m.put("qwen3-0.6b", new Shape("Qwen3ForCausalLM", 1024, 3072, 28, 16, 8, 151936, true, 1000000, 40960, false, 128, true, 0));
        m.put("qwen3-8b", new Shape("Qwen3ForCausalLM", 4096, 12288, 36, 32, 8, 151936, false, 1000000, 40960, false, 128, true, 0));
        // Mistral-7B v0.1: sliding_window 4096 caps the usable context below max_position_embeddings 32768
        m.put("mistral-7b", new Shape("MistralForCausalLM", 4096, 14336, 32, 32, 8, 32000, false, 10000, 32768, false, 0, false, 4096));
        // Gemma-2-2B: head_dim 256, four norms per block, tied 256k vocabulary, sliding_window 4096 below 8192 positions
        m.put("gemma-2-2b", new Shape("Gemma2ForCausalLM", 2304, 9216, 26, 8, 4, 256000, true, 10000, 8192, false, 256, false, 4096));
        // SmolLM3-3B: Llama's block, no rotary positions on every fourth layer (no_rope_layer_interval 4 by default)
        m.put("smollm3-3b", new Shape("SmolLM3ForCausalLM", 2048, 11008, 36, 16, 4, 128256, true, 5_000_000, 65536, false));
        // Gemma-3-1B: Gemma 2's block with query/key norms, one KV head, a 262k vocabulary, 512-token windows on 5 layers in 6
        m.put("gemma-3-1b", new Shape("Gemma3ForCausalLM", 1152, 6912, 26, 4, 1, 262144, true, 1_000_000, 32768, false, 256, true, 512));
        // Granite-3.3-2B: Llama's block with Granite's multipliers (below), tied 49k vocabulary
        m.put("granite-3.3-2b", new Shape("GraniteForCausalLM", 2048, 8192, 40, 32, 8, 49159, true, 10_000_000, 131072, false));
        // OLMo-2-0425-1B: untied 100k vocabulary, 16 heads without GQA
        m.put("olmo-2-1b", new Shape("Olmo2ForCausalLM", 2048, 8192, 16, 16, 16, 100352, false, 500_000, 4096, false));
        // Gemma-2B (the first Gemma): one KV head, head_dim 256, a 16,384-wide GeGLU MLP, tied 256k vocabulary
        m.put("gemma-2b", new Shape("GemmaForCausalLM", 2048, 16384, 18, 8, 1, 256000, true, 10000, 8192, false, 256, false, 0));
        // StableLM-2-1.6B: LayerNorms, q/k/v biases, untied 100k vocabulary, 32 heads without GQA
        m.put("stablelm-2-1.6b", new Shape("StableLmForCausalLM", 2048, 5632, 24, 32, 32, 100352, false, 10000, 4096, true));
        // StarCoder2-3B: 24 heads and 2 KV heads of 128, biases everywhere, an ungated 12,288-wide MLP, tied, windows of 4096
        m.put("starcoder2-3b", new Shape("Starcoder2ForCausalLM", 3072, 12288, 30, 24, 2, 49152, true, 999999.4420358813, 16384,
                true, 0, false, 4096));
        // Minitron-4B (Nemotron): head_dim 128 ≠ 3072 / 24, 8 KV heads, an ungated 9216-wide relu² MLP, untied 256k vocabulary
        m.put("minitron-4b", new Shape("NemotronForCausalLM", 3072, 9216, 32, 24, 8, 256000, false, 10000, 4096, false, 128, false, 0));
        // Pythia-1B (GPT-NeoX): 8 heads of 256, the parallel block, untied 50k vocabulary
        m.put("pythia-1b", new Shape("GPTNeoXForCausalLM", 2048, 8192, 16, 8, 8, 50304, false, 10000, 2048, true));
        // MiniCPM-2B: 36 heads without GQA, 40 layers, a tied 122,753-token vocabulary, µP scalars (config)
        m.put("minicpm-2b", new Shape("MiniCPMForCausalLM", 2304, 5760, 40, 36, 36, 122753, true, 10000, 4096, false));
        // InternLM2.5-1.8B: 16 heads in 8 key/value groups of 128, untied 92k vocabulary, rope_theta 1,000,000
        m.put("internlm2.5-1.8b", new Shape("InternLM2ForCausalLM", 2048, 8192, 24, 16, 8, 92544, false, 1_000_000, 32768, false));
        // Phi-2: one LayerNorm feeding attention and the MLP side by side, 32 heads of 80, biases everywhere (lm_head's too)
        m.put("phi-2", new Shape("PhiForCausalLM", 2560, 10240, 32, 32, 32, 51200, false, 10000, 2048, true));
        // GPT-J-6B: 16 heads of 256 with rotary_dim 64 (interleaved pairs), FFN 16,384, untied 50,400 vocabulary with a bias
        m.put("gpt-j-6b", new Shape("GPTJForCausalLM", 4096, 16384, 28, 16, 16, 50400, false, 10000, 2048, false));
        // Falcon-7B: 71 query heads of 64 sharing one key/value head, FFN 18,176, tied 65,024 vocabulary
        m.put("falcon-7b", new Shape("FalconForCausalLM", 4544, 18176, 32, 71, 1, 65024, true, 10000, 2048, false));
        // OPT-1.3B: 32 heads of 64, a ReLU FFN of 8192, learned positions, tied 50,272 vocabulary
        m.put("opt-1.3b", new Shape("OPTForCausalLM", 2048, 8192, 24, 32, 32, 50272, true, 0, 2048, true));
        // Phi-3-mini-4k: fused projections, no GQA, sliding_window 2047 below max_position_embeddings 4096
        m.put("phi-3-mini", new Shape("Phi3ForCausalLM", 3072, 8192, 32, 32, 32, 32064, false, 10000, 4096, false, 0, false, 2047));
        return java.util.Collections.unmodifiableMap(m);
    }

    private RandomCheckpoint() {
    }

    /** @param shards how many safetensors files the blocks are spread over (the embeddings go to the first, the head to the last) */
    public static void write(Shape s, DType dtype, int shards, long seed, Path dir) {
        if (shards < 1 || shards > s.layers() + 2) {
            throw new IllegalArgumentException("--shards must be between 1 and " + (s.layers() + 2) + ", was " + shards);
        }
        List<Map<String, int[]>> parts = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            parts.add(new LinkedHashMap<>());
        }
        if (s.gptNeox()) {
            neoxTensors(s, parts);
        } else if (s.internLm2()) {
            internLm2Tensors(s, parts);
        } else if (s.phi()) {
            phiTensors(s, parts);
        } else if (s.gptj()) {
            gptjTensors(s, parts);
        } else if (s.falcon()) {
            falconTensors(s, parts);
        } else if (s.opt()) {
            optTensors(s, parts);
        } else {
            llamaTensors(s, parts);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot create folder (" + e.getMessage() + ")", e);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, String> weightMap = new TreeMap<>();
        long total = 0;
        for (int i = 0; i < shards; i++) {
            String file = shards == 1 ? Checkpoint.SINGLE : String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, shards);
            SafetensorsWriter.write(dir.resolve(file), parts.get(i), dtype, Map.of(), name -> values(name, parts, rng));
            for (Map.Entry<String, int[]> e : parts.get(i).entrySet()) {
                weightMap.put(e.getKey(), file);
                total += dev.secateur.checkpoint.Tensor.numel(e.getValue()) * dtype.bytes();
            }
        }
        if (shards > 1) {
            ObjectNode index = Json.mapper().createObjectNode();
            index.putObject("metadata").put("total_size", total);
            ObjectNode map = index.putObject("weight_map");
            weightMap.forEach(map::put);
            AtomicFiles.writeAtomically(dir.resolve(Checkpoint.INDEX), Json.toPrettyBytes(index));
        }
        AtomicFiles.writeAtomically(dir.resolve("config.json"), Json.toPrettyBytes(config(s, dtype)));
    }

    /** Every tensor's name and shape under Llama's names (and its variants'), the blocks spread evenly over the shards. */
    private static void llamaTensors(Shape s, List<Map<String, int[]>> parts) {
        int shards = parts.size();
        int hd = s.effectiveHeadDim();
        parts.get(0).put("model.embed_tokens.weight", new int[] {s.vocab(), s.hidden()});
        for (int l = 0; l < s.layers(); l++) {
            Map<String, int[]> part = parts.get((int) ((long) l * shards / s.layers()));
            String p = "model.layers." + l + ".";
            if (!s.olmo()) {
                part.put(p + "input_layernorm.weight", new int[] {s.hidden()});
            }
            if (s.layerNorms()) {
                part.put(p + "input_layernorm.bias", new int[] {s.hidden()});
                part.put(p + "post_attention_layernorm.bias", new int[] {s.hidden()});
            }
            if (s.fused()) {
                part.put(p + "self_attn.qkv_proj.weight", new int[] {(s.heads() + 2 * s.kvHeads()) * hd, s.hidden()});
            } else {
                part.put(p + "self_attn.q_proj.weight", new int[] {s.heads() * hd, s.hidden()});
                part.put(p + "self_attn.k_proj.weight", new int[] {s.kvHeads() * hd, s.hidden()});
                part.put(p + "self_attn.v_proj.weight", new int[] {s.kvHeads() * hd, s.hidden()});
            }
            if (s.qkvBias()) {
                part.put(p + "self_attn.q_proj.bias", new int[] {s.heads() * hd});
                part.put(p + "self_attn.k_proj.bias", new int[] {s.kvHeads() * hd});
                part.put(p + "self_attn.v_proj.bias", new int[] {s.kvHeads() * hd});
            }
            if (s.olmo()) {
                part.put(p + "self_attn.q_norm.weight", new int[] {s.heads() * hd});
                part.put(p + "self_attn.k_norm.weight", new int[] {s.kvHeads() * hd});
            } else if (s.qkNorm()) {
                part.put(p + "self_attn.q_norm.weight", new int[] {hd});
                part.put(p + "self_attn.k_norm.weight", new int[] {hd});
            }
            part.put(p + "self_attn.o_proj.weight", new int[] {s.hidden(), s.heads() * hd});
            if (s.starcoder2()) {
                part.put(p + "self_attn.o_proj.bias", new int[] {s.hidden()});
            }
            part.put(p + "post_attention_layernorm.weight", new int[] {s.hidden()});
            if (s.postNorms()) {
                part.put(p + "pre_feedforward_layernorm.weight", new int[] {s.hidden()});
                part.put(p + "post_feedforward_layernorm.weight", new int[] {s.hidden()});
            } else if (s.olmo()) {
                part.put(p + "post_feedforward_layernorm.weight", new int[] {s.hidden()});
            }
            if (s.starcoder2()) {
                part.put(p + "mlp.c_fc.weight", new int[] {s.intermediate(), s.hidden()});
                part.put(p + "mlp.c_fc.bias", new int[] {s.intermediate()});
                part.put(p + "mlp.c_proj.weight", new int[] {s.hidden(), s.intermediate()});
                part.put(p + "mlp.c_proj.bias", new int[] {s.hidden()});
            } else {
                if (s.fused()) {
                    part.put(p + "mlp.gate_up_proj.weight", new int[] {2 * s.intermediate(), s.hidden()});
                } else {
                    if (!s.nemotron()) {
                        part.put(p + "mlp.gate_proj.weight", new int[] {s.intermediate(), s.hidden()});
                    }
                    part.put(p + "mlp.up_proj.weight", new int[] {s.intermediate(), s.hidden()});
                }
                part.put(p + "mlp.down_proj.weight", new int[] {s.hidden(), s.intermediate()});
            }
        }
        parts.get(shards - 1).put("model.norm.weight", new int[] {s.hidden()});
        if (s.layerNorms()) {
            parts.get(shards - 1).put("model.norm.bias", new int[] {s.hidden()});
        }
        if (!s.tied()) {
            parts.get(shards - 1).put("lm_head.weight", new int[] {s.vocab(), s.hidden()});
        }
    }

    /** InternLM2's names: q/k/v fused per key/value group in wqkv, feed_forward.w1 / w3 / w2, output. */
    private static void internLm2Tensors(Shape s, List<Map<String, int[]>> parts) {
        int shards = parts.size(), h = s.hidden(), f = s.intermediate(), hd = s.effectiveHeadDim();
        parts.get(0).put("model.tok_embeddings.weight", new int[] {s.vocab(), h});
        for (int l = 0; l < s.layers(); l++) {
            Map<String, int[]> part = parts.get((int) ((long) l * shards / s.layers()));
            String p = "model.layers." + l + ".";
            part.put(p + "attention_norm.weight", new int[] {h});
            part.put(p + "attention.wqkv.weight", new int[] {(s.heads() + 2 * s.kvHeads()) * hd, h});
            part.put(p + "attention.wo.weight", new int[] {h, s.heads() * hd});
            part.put(p + "ffn_norm.weight", new int[] {h});
            part.put(p + "feed_forward.w1.weight", new int[] {f, h});
            part.put(p + "feed_forward.w3.weight", new int[] {f, h});
            part.put(p + "feed_forward.w2.weight", new int[] {h, f});
        }
        parts.get(shards - 1).put("model.norm.weight", new int[] {h});
        parts.get(shards - 1).put("output.weight", new int[] {s.vocab(), h});
    }

    /** GPT-NeoX's names: q/k/v fused, a bias on every linear layer and norm, embed_in and embed_out. */
    private static void neoxTensors(Shape s, List<Map<String, int[]>> parts) {
        int shards = parts.size(), h = s.hidden(), f = s.intermediate();
        parts.get(0).put("gpt_neox.embed_in.weight", new int[] {s.vocab(), h});
        for (int l = 0; l < s.layers(); l++) {
            Map<String, int[]> part = parts.get((int) ((long) l * shards / s.layers()));
            String p = "gpt_neox.layers." + l + ".";
            for (String norm : new String[] {"input_layernorm", "post_attention_layernorm"}) {
                part.put(p + norm + ".weight", new int[] {h});
                part.put(p + norm + ".bias", new int[] {h});
            }
            part.put(p + "attention.query_key_value.weight", new int[] {3 * h, h});
            part.put(p + "attention.query_key_value.bias", new int[] {3 * h});
            part.put(p + "attention.dense.weight", new int[] {h, h});
            part.put(p + "attention.dense.bias", new int[] {h});
            part.put(p + "mlp.dense_h_to_4h.weight", new int[] {f, h});
            part.put(p + "mlp.dense_h_to_4h.bias", new int[] {f});
            part.put(p + "mlp.dense_4h_to_h.weight", new int[] {h, f});
            part.put(p + "mlp.dense_4h_to_h.bias", new int[] {h});
        }
        parts.get(shards - 1).put("gpt_neox.final_layer_norm.weight", new int[] {h});
        parts.get(shards - 1).put("gpt_neox.final_layer_norm.bias", new int[] {h});
        parts.get(shards - 1).put("embed_out.weight", new int[] {s.vocab(), h});
    }

    /** Phi's names: one input_layernorm, self_attn.dense, mlp.fc1 / fc2, final_layernorm, lm_head with a bias. */
    private static void phiTensors(Shape s, List<Map<String, int[]>> parts) {
        int shards = parts.size(), h = s.hidden(), f = s.intermediate(), hd = s.effectiveHeadDim();
        parts.get(0).put("model.embed_tokens.weight", new int[] {s.vocab(), h});
        for (int l = 0; l < s.layers(); l++) {
            Map<String, int[]> part = parts.get((int) ((long) l * shards / s.layers()));
            String p = "model.layers." + l + ".";
            withBias(part, p + "input_layernorm", h);
            withBias(part, p + "self_attn.q_proj", s.heads() * hd, h);
            withBias(part, p + "self_attn.k_proj", s.kvHeads() * hd, h);
            withBias(part, p + "self_attn.v_proj", s.kvHeads() * hd, h);
            withBias(part, p + "self_attn.dense", h, s.heads() * hd);
            withBias(part, p + "mlp.fc1", f, h);
            withBias(part, p + "mlp.fc2", h, f);
        }
        withBias(parts.get(shards - 1), "model.final_layernorm", h);
        withBias(parts.get(shards - 1), "lm_head", s.vocab(), h);
    }

    /** GPT-J's names: transformer.wte, h.N.ln_1, attn.*_proj without biases, mlp.fc_in / fc_out, ln_f, lm_head with a bias. */
    private static void gptjTensors(Shape s, List<Map<String, int[]>> parts) {
        int shards = parts.size(), h = s.hidden(), f = s.intermediate();
        parts.get(0).put("transformer.wte.weight", new int[] {s.vocab(), h});
        for (int l = 0; l < s.layers(); l++) {
            Map<String, int[]> part = parts.get((int) ((long) l * shards / s.layers()));
            String p = "transformer.h." + l + ".";
            withBias(part, p + "ln_1", h);
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                part.put(p + "attn." + proj + ".weight", new int[] {h, h});
            }
            withBias(part, p + "mlp.fc_in", f, h);
            withBias(part, p + "mlp.fc_out", h, f);
        }
        withBias(parts.get(shards - 1), "transformer.ln_f", h);
        withBias(parts.get(shards - 1), "lm_head", s.vocab(), h);
    }

    /** Falcon-7B's names: transformer.word_embeddings, h.N.input_layernorm, self_attention.*, mlp.dense_*, ln_f; tied. */
    private static void falconTensors(Shape s, List<Map<String, int[]>> parts) {
        int shards = parts.size(), h = s.hidden(), f = s.intermediate(), hd = s.effectiveHeadDim();
        parts.get(0).put("transformer.word_embeddings.weight", new int[] {s.vocab(), h});
        for (int l = 0; l < s.layers(); l++) {
            Map<String, int[]> part = parts.get((int) ((long) l * shards / s.layers()));
            String p = "transformer.h." + l + ".";
            withBias(part, p + "input_layernorm", h);
            part.put(p + "self_attention.query_key_value.weight", new int[] {(s.heads() + 2 * s.kvHeads()) * hd, h});
            part.put(p + "self_attention.dense.weight", new int[] {h, s.heads() * hd});
            part.put(p + "mlp.dense_h_to_4h.weight", new int[] {f, h});
            part.put(p + "mlp.dense_4h_to_h.weight", new int[] {h, f});
        }
        withBias(parts.get(shards - 1), "transformer.ln_f", h);
        if (!s.tied()) {
            parts.get(shards - 1).put("lm_head.weight", new int[] {s.vocab(), h});
        }
    }

    /** OPT's names: model.decoder.embed_tokens / embed_positions, layers.N.self_attn*, final_layer_norm, fc1, fc2; tied. */
    private static void optTensors(Shape s, List<Map<String, int[]>> parts) {
        int shards = parts.size(), h = s.hidden(), f = s.intermediate();
        String d = "model.decoder.";
        parts.get(0).put(d + "embed_tokens.weight", new int[] {s.vocab(), h});
        parts.get(0).put(d + "embed_positions.weight", new int[] {s.maxPositions() + 2, h});
        for (int l = 0; l < s.layers(); l++) {
            Map<String, int[]> part = parts.get((int) ((long) l * shards / s.layers()));
            String p = d + "layers." + l + ".";
            withBias(part, p + "self_attn_layer_norm", h);
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                withBias(part, p + "self_attn." + proj, h, h);
            }
            withBias(part, p + "final_layer_norm", h);
            withBias(part, p + "fc1", f, h);
            withBias(part, p + "fc2", h, f);
        }
        withBias(parts.get(shards - 1), d + "final_layer_norm", h);
    }

    /** A weight of this shape and a bias as long as its first dimension. */
    private static void withBias(Map<String, int[]> part, String prefix, int... shape) {
        part.put(prefix + ".weight", shape);
        part.put(prefix + ".bias", new int[] {shape[0]});
    }

    private static float[] values(String name, List<Map<String, int[]>> parts, SplittableRandom rng) {
        int[] shape = parts.stream().filter(p -> p.containsKey(name)).findFirst().orElseThrow().get(name);
        float[] v = new float[Math.toIntExact(dev.secateur.checkpoint.Tensor.numel(shape))];
        if (name.endsWith("norm.weight")) {
            java.util.Arrays.fill(v, 1f);
        } else if (!name.endsWith(".bias")) {
            // uniform on [-a, a] has standard deviation a / √3
            float a = (float) (0.02 * Math.sqrt(3));
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((rng.nextDouble() * 2 - 1) * a);
            }
        }
        return v;
    }

    /** GPTNeoXConfig's keys, as Pythia's config.json has them. */
    private static ObjectNode neoxConfig(Shape s, DType dtype) {
        ObjectNode c = base(s, dtype, "gpt_neox");
        c.put("hidden_size", s.hidden());
        c.put("intermediate_size", s.intermediate());
        c.put("num_hidden_layers", s.layers());
        c.put("num_attention_heads", s.heads());
        c.put("max_position_embeddings", s.maxPositions());
        c.put("rotary_pct", 0.25);
        c.put("rotary_emb_base", s.ropeTheta());
        c.put("layer_norm_eps", 1e-5);
        c.put("hidden_act", "gelu");
        c.put("use_parallel_residual", true);
        c.put("tie_word_embeddings", false);
        c.put("bos_token_id", 0);
        c.put("eos_token_id", 0);
        return c;
    }

    /** PhiConfig's keys, as Phi-2's config.json has them. */
    private static ObjectNode phiConfig(Shape s, DType dtype) {
        ObjectNode c = base(s, dtype, "phi");
        c.put("hidden_size", s.hidden());
        c.put("intermediate_size", s.intermediate());
        c.put("num_hidden_layers", s.layers());
        c.put("num_attention_heads", s.heads());
        c.put("num_key_value_heads", s.kvHeads());
        c.put("max_position_embeddings", s.maxPositions());
        c.put("partial_rotary_factor", 0.4);
        c.put("rope_theta", s.ropeTheta());
        c.put("layer_norm_eps", 1e-5);
        c.put("hidden_act", "gelu_new");
        c.put("qk_layernorm", false);
        c.put("tie_word_embeddings", false);
        c.put("bos_token_id", 50256);
        c.put("eos_token_id", 50256);
        return c;
    }

    /** OPTConfig's keys, as OPT-1.3B's config.json has them. */
    private static ObjectNode optConfig(Shape s, DType dtype) {
        ObjectNode c = base(s, dtype, "opt");
        c.put("hidden_size", s.hidden());
        c.put("word_embed_proj_dim", s.hidden());
        c.put("ffn_dim", s.intermediate());
        c.put("num_hidden_layers", s.layers());
        c.put("num_attention_heads", s.heads());
        c.put("max_position_embeddings", s.maxPositions());
        c.put("activation_function", "relu");
        c.put("do_layer_norm_before", true);
        c.put("enable_bias", true);
        c.put("bos_token_id", 2);
        c.put("eos_token_id", 2);
        return c;
    }

    /** FalconConfig's keys, as Falcon-7B's config.json has them. */
    private static ObjectNode falconConfig(Shape s, DType dtype) {
        ObjectNode c = base(s, dtype, "falcon");
        c.put("hidden_size", s.hidden());
        c.put("num_hidden_layers", s.layers());
        c.put("num_attention_heads", s.heads());
        c.put("multi_query", s.kvHeads() == 1);
        c.put("parallel_attn", true);
        c.put("new_decoder_architecture", false);
        c.put("alibi", false);
        c.put("bias", false);
        c.put("layer_norm_epsilon", 1e-5);
        c.put("bos_token_id", 11);
        c.put("eos_token_id", 11);
        return c;
    }

    /** GPTJConfig's keys, as GPT-J-6B's config.json has them. */
    private static ObjectNode gptjConfig(Shape s, DType dtype) {
        ObjectNode c = base(s, dtype, "gptj");
        c.put("n_embd", s.hidden());
        c.put("n_inner", s.intermediate());
        c.put("n_layer", s.layers());
        c.put("n_head", s.heads());
        c.put("n_positions", s.maxPositions());
        c.put("rotary_dim", 64);
        c.put("layer_norm_epsilon", 1e-5);
        c.put("activation_function", "gelu_new");
        c.put("tie_word_embeddings", false);
        c.put("bos_token_id", 50256);
        c.put("eos_token_id", 50256);
        return c;
    }

    static ObjectNode config(Shape s, DType dtype) {
        if (s.gptNeox()) {
            return neoxConfig(s, dtype);
        }
        if (s.phi()) {
            return phiConfig(s, dtype);
        }
        if (s.gptj()) {
            return gptjConfig(s, dtype);
        }
        if (s.falcon()) {
            return falconConfig(s, dtype);
        }
        if (s.opt()) {
            return optConfig(s, dtype);
        }
        ObjectNode c = base(s, dtype, s.architecture().replace("ForCausalLM", "").toLowerCase(Locale.ROOT));
        c.put("hidden_size", s.hidden());
        c.put("intermediate_size", s.intermediate());
        c.put("num_hidden_layers", s.layers());
        c.put("num_attention_heads", s.heads());
        c.put("num_key_value_heads", s.kvHeads());
        if (s.headDim() > 0) {
            c.put("head_dim", s.headDim());
        }
        if (s.qkNorm()) {
            c.put("attention_bias", false);
        }
        if (s.slidingWindow() > 0) {
            c.put("sliding_window", s.slidingWindow());
        }
        c.put("max_position_embeddings", s.maxPositions());
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", s.ropeTheta());
        if (s.gemma3()) {
            c.put("model_type", "gemma3_text");
            c.put("hidden_activation", "gelu_pytorch_tanh");
            c.put("query_pre_attn_scalar", s.effectiveHeadDim());
            c.putNull("attn_logit_softcapping");
            c.putNull("final_logit_softcapping");
            c.put("sliding_window_pattern", 6);
            c.put("rope_local_base_freq", 10000.0);
        } else if (s.postNorms()) {
            c.put("hidden_activation", "gelu_pytorch_tanh");
            c.put("query_pre_attn_scalar", s.effectiveHeadDim());
            c.put("attn_logit_softcapping", 50.0);
            c.put("final_logit_softcapping", 30.0);
        }
        if (s.nemotron()) {
            // Minitron-4B's config.json: relu2, half of each head rotating, LayerNorm epsilon under its own key
            c.put("partial_rotary_factor", 0.5);
            c.put("norm_eps", 1e-5);
            c.remove("rms_norm_eps");
        } else if (s.starcoder2()) {
            // StarCoder2-3B's config.json: one switch for every bias, LayerNorm epsilon under its own key
            c.put("use_bias", true);
            c.put("norm_epsilon", 1e-5);
            c.remove("rms_norm_eps");
        } else if (s.layerNorms()) {
            // StableLM-2-1.6B's config.json: q/k/v biases by use_qkv_bias, a quarter of each head rotating
            c.put("use_qkv_bias", s.qkvBias());
            c.put("partial_rotary_factor", 0.25);
            c.put("layer_norm_eps", 1e-5);
            c.remove("rms_norm_eps");
        }
        if (s.architecture().equals("GemmaForCausalLM")) {
            // as google/gemma-2b's config.json: the legacy hidden_act beside the hidden_activation GemmaMLP reads
            c.put("hidden_activation", "gelu_pytorch_tanh");
        }
        if (s.internLm2()) {
            c.put("bias", false); // InternLM2.5's config.json; InternLM2Config's default is true
        }
        if (s.architecture().equals("MiniCPMForCausalLM")) {
            // MiniCPM-2B's published µP scalars
            c.put("scale_emb", 12);
            c.put("scale_depth", 1.4);
            c.put("dim_model_base", 256);
        }
        if (s.architecture().equals("GraniteForCausalLM")) {
            // granite-3.x-2b's published scalars
            c.put("embedding_multiplier", 12.0);
            c.put("attention_multiplier", 0.015625);
            c.put("residual_multiplier", 0.22);
            c.put("logits_scaling", 8.0);
        }
        c.put("hidden_act", s.postNorms() || s.starcoder2() ? "gelu_pytorch_tanh" : s.architecture().equals("GemmaForCausalLM") ? "gelu"
                : s.nemotron() ? "relu2" : "silu");
        c.put("tie_word_embeddings", s.tied());
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        return c;
    }

    /** The keys every config.json here starts with: the architecture, model_type, vocab_size and torch_dtype. */
    private static ObjectNode base(Shape s, DType dtype, String modelType) {
        ObjectNode c = Json.mapper().createObjectNode();
        c.putArray("architectures").add(s.architecture());
        c.put("model_type", modelType);
        c.put("vocab_size", s.vocab());
        c.put("torch_dtype", switch (dtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
        });
        return c;
    }
}
