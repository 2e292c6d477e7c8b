package dev.secateur.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The reference fixtures made by tools/reference/make_fixtures.py (an independent float64 torch implementation of
 * the Hugging Face forward): a tiny HF folder each, and expected.json with input_ids [2][7] and logits [2][7][97].
 * They live once, in tools/reference/fixtures, which the modules' builds copy into their test classpath.
 */
public final class Fixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {
    }

    public record Expected(long[][] inputIds, float[][][] logits, double atol) {
    }

    public static Path dir(String name) {
        String first = name.contains("/") ? name.substring(0, name.indexOf('/')) : name;
        if (DERIVED_FROM.containsKey(first)) {
            return name.equals(first) ? derived(first) : derived(first).resolve(name.substring(first.length() + 1));
        }
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("no fixture " + name, e);
        }
    }

    /** Fixtures made at test time from a committed one: its config.json rewritten, for phi3 and gemma2 its weights too. */
    private static final java.util.Map<String, String> DERIVED_FROM = java.util.Map.of("mistral", "llama-gqa", "phi3", "llama-gqa",
            "gemma2", "llama-gqa", "gemma3", "llama-gqa", "smollm3", "llama-gqa",
            "granite", "llama-gqa");

    /**
     * "mistral": the llama-gqa weights under a MistralForCausalLM config with sliding_window 32. Mistral's block is
     * Llama's and the 7 test tokens lie inside the window, so llama-gqa's reference logits are Mistral's too; the
     * window (below max_position_embeddings 128) caps the usable context at 32.
     *
     * <p>"phi3": the same weights as Phi3ForCausalLM stores them, fused here by hand in Hugging Face's layout:
     * self_attn.qkv_proj = [q_proj; k_proj; v_proj] and mlp.gate_up_proj = [gate_proj; up_proj] (rows stacked, the
     * order Phi3Attention and Phi3MLP slice them in), everything else under its Llama name, sliding_window 64. Phi-3's
     * block computes Llama's from those parts, so llama-gqa's reference logits are Phi-3's too.
     *
     * <p>"gemma2": llama-gqa's attention and MLP weights under a Gemma2ForCausalLM config, its norms stored as Gemma
     * stores them (offsets from 1: input_layernorm, its pre-MLP norm as pre_feedforward_layernorm, the final norm), new
     * post_attention_layernorm / post_feedforward_layernorm offsets N(0, 0.1) (seeded), query_pre_attn_scalar 16 (not
     * head_dim 8), soft caps 2 on attention scores and 5 on logits (small enough to bite on this model), the gated
     * gelu_pytorch_tanh MLP, sliding_window 64. Gemma's block differs from Llama's, so it has no expected.json: tests
     * hold it to {@link ReferenceForward}.
     *
     * <p>"smollm3": llama-gqa's weights under a SmolLM3ForCausalLM config whose second layer has no rotary positions
     * (no_rope_layers [1, 0]); no expected.json, tests hold it to {@link ReferenceForward}.
     *
     * <p>"gemma3": gemma2's weights plus self_attn.q_norm / k_norm offsets N(0, 0.1) (seeded), under a
     * Gemma3ForCausalLM config without soft caps (Gemma 3's default), sliding_window 4 on every other layer
     * (sliding_window_pattern 2: layer 0 slides, layer 1 is full), so the 7 test tokens reach past the window, and
     * rope_theta 1,000,000 on the full layer against rope_local_base_freq 10,000 on the sliding one.
     *
     * <p>"granite": llama-gqa's weights under a GraniteForCausalLM config with embedding_multiplier 4, attention_multiplier
     * 0.2 (not head_dim^−½ = 0.354), residual_multiplier 0.5 and logits_scaling 3; no expected.json, tests hold it to
     * {@link ReferenceForward}.
     */
    private static final java.util.Set<String> MADE = new java.util.HashSet<>();

    private static synchronized Path derived(String name) {
        Path dir = Path.of("target", "derived-fixtures", name).toAbsolutePath();
        try {
            // written afresh once per JVM, so a changed derivation never meets a stale folder
            if (MADE.add(name)) {
                Path source = dir(DERIVED_FROM.get(name));
                // phi3 and gemma2 write their own weights; gemma2's block is not Llama's, so llama-gqa's logits are not its
                boolean llamaWeights = name.equals("mistral") || name.equals("smollm3") || name.equals("granite");
                copyFiles(source, dir, f -> !f.equals("config.json") && (llamaWeights || !f.endsWith(".safetensors"))
                        && !((name.startsWith("gemma") || name.equals("smollm3") || name.equals("granite")) && f.equals("expected.json")));
                com.fasterxml.jackson.databind.node.ObjectNode c =
                        (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(source.resolve("config.json").toFile());
                if (name.equals("granite")) {
                    c.putArray("architectures").add("GraniteForCausalLM");
                    c.put("model_type", "granite");
                    c.put("embedding_multiplier", 4.0);
                    c.put("attention_multiplier", 0.2);
                    c.put("residual_multiplier", 0.5);
                    c.put("logits_scaling", 3.0);
                    c.remove(java.util.List.of("pretraining_tp"));
                } else if (name.equals("smollm3")) {
                    c.putArray("architectures").add("SmolLM3ForCausalLM");
                    c.put("model_type", "smollm3");
                    c.putArray("no_rope_layers").add(1).add(0);
                    c.put("use_sliding_window", false);
                    c.putNull("sliding_window");
                } else if (name.equals("gemma3")) {
                    gemma2Weights(source, dir, true);
                    c.putArray("architectures").add("Gemma3ForCausalLM");
                    c.put("model_type", "gemma3_text");
                    c.put("sliding_window", 4);
                    c.put("sliding_window_pattern", 2);
                    c.put("rope_theta", 1_000_000.0);
                    c.put("rope_local_base_freq", 10_000.0);
                    c.put("query_pre_attn_scalar", 16);
                    c.put("hidden_activation", "gelu_pytorch_tanh");
                    c.remove(java.util.List.of("mlp_bias", "pretraining_tp", "hidden_act"));
                } else if (name.equals("gemma2")) {
                    gemma2Weights(source, dir, false);
                    c.putArray("architectures").add("Gemma2ForCausalLM");
                    c.put("model_type", "gemma2");
                    c.put("sliding_window", 64);
                    c.put("query_pre_attn_scalar", 16);
                    c.put("attn_logit_softcapping", 2.0);
                    c.put("final_logit_softcapping", 5.0);
                    c.put("hidden_activation", "gelu_pytorch_tanh");
                    c.put("hidden_act", "gelu_pytorch_tanh");
                    c.remove(java.util.List.of("mlp_bias", "pretraining_tp"));
                } else if (name.equals("phi3")) {
                    fusePhi3(source, dir);
                    c.putArray("architectures").add("Phi3ForCausalLM");
                    c.put("model_type", "phi3");
                    c.put("sliding_window", 64);
                    c.remove(java.util.List.of("mlp_bias", "pretraining_tp", "attention_bias"));
                } else {
                    c.putArray("architectures").add("MistralForCausalLM");
                    c.put("model_type", "mistral");
                    c.put("sliding_window", 32);
                    c.remove(java.util.List.of("mlp_bias", "pretraining_tp"));
                }
                Path tmp = dir.resolve("config.json.tmp");
                JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), c);
                java.nio.file.Files.move(tmp, dir.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The gemma3 fixture as a Gemma3ForConditionalGeneration stores it: its config as text_config beside a vision
     * config, its tensors under {@code prefix} (language_model.model. as transformers 4.50 saved Gemma-3-4B, or
     * model.language_model. as 4.52 on saves it) beside two stand-in vision tensors that a text model must not read.
     */
    public static synchronized Path gemma3Multimodal(String prefix) {
        Path source = dir("gemma3");
        Path out = Path.of("target", "derived-fixtures", "gemma3-mm-" + prefix.replace('.', '-')).toAbsolutePath();
        try {
            copyFiles(source, out, n -> !n.equals("config.json") && !n.endsWith(".safetensors"));
            java.util.Map<String, dev.secateur.checkpoint.Tensor> tensors = new java.util.LinkedHashMap<>();
            try (dev.secateur.checkpoint.Checkpoint ck = dev.secateur.checkpoint.Checkpoint.open(source)) {
                for (String n : new java.util.TreeSet<>(ck.names())) {
                    tensors.put(n.startsWith("model.") ? prefix + n.substring("model.".length()) : n, ck.tensor(n));
                }
            }
            tensors.put(prefix.startsWith("model.") ? "model.vision_tower.patch_embedding.weight"
                    : "vision_tower.vision_model.embeddings.patch_embedding.weight",
                    new dev.secateur.checkpoint.Tensor(new int[] {4, 3}, new float[12]));
            tensors.put("multi_modal_projector.mm_input_projection_weight",
                    new dev.secateur.checkpoint.Tensor(new int[] {3, 32}, new float[96]));
            dev.secateur.checkpoint.SafetensorsWriter.write(out.resolve("model.safetensors"), tensors,
                    dev.secateur.checkpoint.DType.F32, java.util.Map.of("format", "pt"));
            com.fasterxml.jackson.databind.node.ObjectNode text =
                    (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(source.resolve("config.json").toFile());
            text.remove(java.util.List.of("architectures", "bos_token_id", "eos_token_id"));
            com.fasterxml.jackson.databind.node.ObjectNode c = JSON.createObjectNode();
            c.putArray("architectures").add("Gemma3ForConditionalGeneration");
            c.put("model_type", "gemma3");
            c.set("text_config", text);
            c.putObject("vision_config").put("model_type", "siglip_vision_model").put("hidden_size", 4);
            c.put("bos_token_id", 1);
            c.putArray("eos_token_id").add(2).add(3);
            JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("config.json").toFile(), c);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * llama-gqa recast as an Olmo2ForCausalLM: its projections, with no input_layernorm, its post_attention_layernorm
     * now on the attention output, and random (1 + 0.1·N(0, 1)) weights for post_feedforward_layernorm and for q_norm /
     * k_norm over all query (4 × 8) and key (2 × 8) rows. No torch reference: held to {@link ReferenceForward}.
     */
    public static synchronized Path olmo2() {
        java.util.Random random = new java.util.Random(2);
        return recast("olmo2", (c, n, t, out) -> {
            if (n.endsWith("input_layernorm.weight")) {
                String p = n.substring(0, n.length() - "input_layernorm.weight".length());
                dev.secateur.checkpoint.ModelConfig mc = c.config();
                out.put(p + "post_feedforward_layernorm.weight", aroundOne(mc.hiddenSize(), random));
                out.put(p + "self_attn.q_norm.weight", aroundOne(mc.numHeads() * mc.headDim(), random));
                out.put(p + "self_attn.k_norm.weight", aroundOne(mc.numKvHeads() * mc.headDim(), random));
            } else {
                out.put(n, t);
            }
        }, c -> {
            c.putArray("architectures").add("Olmo2ForCausalLM");
            c.put("model_type", "olmo2");
            c.remove(java.util.List.of("mlp_bias", "pretraining_tp", "head_dim"));
        });
    }

    /**
     * llama-gqa's weights as GemmaForCausalLM (the first Gemma) stores them: every RMSNorm weight as its offset from 1,
     * under Llama's names; the config as Gemma-2B's first config.json has it: hidden_act "gelu" and no
     * hidden_activation (GemmaMLP runs gelu_pytorch_tanh then), and no head_dim default to rely on (8, not Gemma's 256).
     * Its block is not Llama's (embeddings × √hidden, a GeGLU gate), so it has no expected.json.
     */
    public static synchronized Path gemma() {
        return recast("gemma", (c, n, t, out) -> out.put(n, n.endsWith("norm.weight") ? plus(t, -1f) : t), c -> {
            c.putArray("architectures").add("GemmaForCausalLM");
            c.put("model_type", "gemma");
            c.put("hidden_act", "gelu");
            c.remove(java.util.List.of("mlp_bias", "pretraining_tp"));
        });
    }

    /**
     * llama-gqa's weights as a StableLmForCausalLM: every norm a LayerNorm, its bias new N(0, 0.1) (seeded) beside the
     * weight, q/k/v biases N(0, 0.1) (use_qkv_bias), and rotary positions on half of each head (partial_rotary_factor
     * 0.5: 4 of 8 dimensions, where StableLM's default is 0.25). No expected.json: tests hold it to {@link ReferenceForward}.
     */
    public static synchronized Path stablelm() {
        java.util.Random random = new java.util.Random(3);
        return recast("stablelm", (c, n, t, out) -> {
            out.put(n, t);
            if (n.endsWith("norm.weight") || n.matches(".*self_attn\\.[qkv]_proj\\.weight")) {
                out.put(n.replace(".weight", ".bias"), aroundZero(t.dim(0), random));
            }
        }, c -> {
            c.putArray("architectures").add("StableLmForCausalLM");
            c.put("model_type", "stablelm");
            c.put("use_qkv_bias", true);
            c.put("partial_rotary_factor", 0.5);
            c.put("layer_norm_eps", 1e-5);
            c.remove(java.util.List.of("mlp_bias", "pretraining_tp", "attention_bias", "rms_norm_eps"));
        });
    }

    /**
     * llama-gqa as a Starcoder2ForCausalLM: its gate dropped, up_proj stored as mlp.c_fc and down_proj as mlp.c_proj (an
     * ungated gelu_pytorch_tanh MLP), every linear layer and norm given a bias N(0, 0.1) (seeded; use_bias), LayerNorms,
     * sliding_window 4 (shorter than the 7 test tokens). No expected.json: tests hold it to {@link ReferenceForward}.
     */
    public static synchronized Path starcoder2() {
        java.util.Random random = new java.util.Random(4);
        return recast("starcoder2", (c, n, t, out) -> {
            if (n.endsWith("mlp.gate_proj.weight")) {
                return;
            }
            String name = n.replace("mlp.up_proj", "mlp.c_fc").replace("mlp.down_proj", "mlp.c_proj");
            out.put(name, t);
            if (name.startsWith("model.layers.") || name.equals("model.norm.weight")) {
                out.put(name.replace(".weight", ".bias"), aroundZero(t.dim(0), random));
            }
        }, c -> {
            c.putArray("architectures").add("Starcoder2ForCausalLM");
            c.put("model_type", "starcoder2");
            c.put("use_bias", true);
            c.put("norm_epsilon", 1e-5);
            c.put("hidden_act", "gelu_pytorch_tanh");
            c.put("sliding_window", 4);
            c.remove(java.util.List.of("mlp_bias", "pretraining_tp", "attention_bias", "rms_norm_eps", "head_dim"));
        });
    }

    /**
     * llama-gqa as a NemotronForCausalLM: its gate dropped (an ungated up/down MLP under relu2), every norm a
     * LayerNorm1P stored as Nemotron stores it (the weight's offset from 1, beside a new bias N(0, 0.1), seeded), and
     * rotary positions on half of each head (NemotronConfig's default partial_rotary_factor, left implicit).
     */
    public static synchronized Path nemotron() {
        java.util.Random random = new java.util.Random(5);
        return recast("nemotron", (c, n, t, out) -> {
            if (n.endsWith("mlp.gate_proj.weight")) {
                return;
            }
            if (n.endsWith("norm.weight")) {
                out.put(n, plus(t, -1f));
                out.put(n.replace(".weight", ".bias"), aroundZero(t.dim(0), random));
            } else {
                out.put(n, t);
            }
        }, c -> {
            c.putArray("architectures").add("NemotronForCausalLM");
            c.put("model_type", "nemotron");
            c.put("hidden_act", "relu2");
            c.put("norm_eps", 1e-5);
            c.remove(java.util.List.of("pretraining_tp", "rms_norm_eps"));
        });
    }

    /**
     * llama-mha-repeated-kv (4 heads, each with its own key and value) as GPTNeoXForCausalLM stores it: under gpt_neox.,
     * q/k/v interleaved per head in attention.query_key_value, o_proj as attention.dense, up/down as
     * mlp.dense_h_to_4h / dense_4h_to_h (the gate dropped: an ungated exact-GELU MLP), the head as embed_out, every
     * linear layer and norm given a bias N(0, 0.1) (seeded), rotary_pct 0.5, the parallel block.
     */
    public static synchronized Path gptNeox() {
        java.util.Random random = new java.util.Random(6);
        return recast("llama-mha-repeated-kv", "gpt-neox", (ck, n, t, out) -> {
            String l = n.replaceFirst("^model\\.layers\\.(\\d+)\\..*", "$1");
            String p = "gpt_neox.layers." + l + ".";
            java.util.function.BiConsumer<String, dev.secateur.checkpoint.Tensor> withBias = (name, w) -> {
                out.put(name + ".weight", w);
                out.put(name + ".bias", aroundZero(w.dim(0), random));
            };
            if (n.equals("model.embed_tokens.weight")) {
                out.put("gpt_neox.embed_in.weight", t);
            } else if (n.equals("lm_head.weight")) {
                out.put("embed_out.weight", t);
            } else if (n.equals("model.norm.weight")) {
                withBias.accept("gpt_neox.final_layer_norm", t);
            } else if (n.endsWith("input_layernorm.weight")) {
                withBias.accept(p + "input_layernorm", t);
            } else if (n.endsWith("post_attention_layernorm.weight")) {
                withBias.accept(p + "post_attention_layernorm", t);
            } else if (n.endsWith("self_attn.q_proj.weight")) {
                String s = n.replace("q_proj.weight", "");
                int hd = ck.config().headDim(), heads = ck.config().numHeads(), h = ck.config().hiddenSize();
                float[] q = t.data(), k = ck.tensor(s + "k_proj.weight").data(), v = ck.tensor(s + "v_proj.weight").data();
                float[] qkv = new float[3 * heads * hd * h];
                for (int head = 0; head < heads; head++) {
                    float[][] parts = {q, k, v};
                    for (int which = 0; which < 3; which++) {
                        System.arraycopy(parts[which], head * hd * h, qkv, (3 * head + which) * hd * h, hd * h);
                    }
                }
                withBias.accept(p + "attention.query_key_value", new dev.secateur.checkpoint.Tensor(new int[] {3 * heads * hd, h}, qkv));
            } else if (n.endsWith("self_attn.o_proj.weight")) {
                withBias.accept(p + "attention.dense", t);
            } else if (n.endsWith("mlp.up_proj.weight")) {
                withBias.accept(p + "mlp.dense_h_to_4h", t);
            } else if (n.endsWith("mlp.down_proj.weight")) {
                withBias.accept(p + "mlp.dense_4h_to_h", t);
            }
        }, c -> {
            c.putArray("architectures").add("GPTNeoXForCausalLM");
            c.put("model_type", "gpt_neox");
            c.put("hidden_act", "gelu");
            c.put("rotary_pct", 0.5);
            c.put("rotary_emb_base", 10000);
            c.put("layer_norm_eps", 1e-5);
            c.put("use_parallel_residual", true);
            c.put("attention_bias", true);
            c.remove(java.util.List.of("mlp_bias", "pretraining_tp", "rms_norm_eps", "head_dim", "num_key_value_heads",
                    "rope_theta", "rope_scaling"));
        });
    }

    /**
     * llama-mha-repeated-kv as a PhiForCausalLM: its gate and post_attention_layernorm dropped (one LayerNorm per block
     * feeds attention and the MLP side by side), o_proj stored as self_attn.dense, up/down as mlp.fc1 / fc2, the final
     * norm as model.final_layernorm, and a seeded N(0, 0.1) bias on every linear layer, norm and lm_head; gelu_new, half
     * of each head rotating. No expected.json: tests hold it to {@link ReferenceForward}.
     */
    public static synchronized Path phi() {
        java.util.Random random = new java.util.Random(7);
        return recast("llama-mha-repeated-kv", "phi", (ck, n, t, out) -> {
            if (n.endsWith("mlp.gate_proj.weight") || n.endsWith("post_attention_layernorm.weight")) {
                return;
            }
            String name = n.equals("model.norm.weight") ? "model.final_layernorm.weight"
                    : n.replace("self_attn.o_proj", "self_attn.dense").replace("mlp.up_proj", "mlp.fc1").replace("mlp.down_proj", "mlp.fc2");
            out.put(name, t);
            if (!name.equals("model.embed_tokens.weight")) {
                out.put(name.replace(".weight", ".bias"), aroundZero(t.dim(0), random));
            }
        }, c -> {
            c.putArray("architectures").add("PhiForCausalLM");
            c.put("model_type", "phi");
            c.put("hidden_act", "gelu_new");
            c.put("partial_rotary_factor", 0.5);
            c.put("layer_norm_eps", 1e-5);
            c.put("qk_layernorm", false);
            c.put("tie_word_embeddings", false);
            c.remove(java.util.List.of("mlp_bias", "pretraining_tp", "attention_bias", "rms_norm_eps", "head_dim"));
        });
    }

    /**
     * llama-mha-repeated-kv as a GPTJForCausalLM: its gate and post_attention_layernorm dropped, the rest under GPT-J's
     * names (transformer.wte, h.N.ln_1, attn.q_proj / k_proj / v_proj / out_proj without biases, mlp.fc_in / fc_out,
     * transformer.ln_f, lm_head) with a seeded N(0, 0.1) bias on the norms, the MLP and lm_head; rotary_dim 4 of head_dim 8,
     * rotated in interleaved pairs as GPT-J does, so the same stored q/k rows mean something else than in the source.
     */
    public static synchronized Path gptj() {
        java.util.Random random = new java.util.Random(8);
        return recast("llama-mha-repeated-kv", "gptj", (ck, n, t, out) -> {
            if (n.endsWith("mlp.gate_proj.weight") || n.endsWith("post_attention_layernorm.weight")) {
                return;
            }
            String name = n.equals("model.embed_tokens.weight") ? "transformer.wte.weight"
                    : n.equals("model.norm.weight") ? "transformer.ln_f.weight"
                    : n.replace("model.layers.", "transformer.h.").replace("input_layernorm", "ln_1").replace("self_attn.o_proj", "attn.out_proj")
                            .replace("self_attn.", "attn.").replace("mlp.up_proj", "mlp.fc_in").replace("mlp.down_proj", "mlp.fc_out");
            out.put(name, t);
            if (name.contains("ln_") || name.contains("mlp.") || name.equals("lm_head.weight")) {
                out.put(name.replace(".weight", ".bias"), aroundZero(t.dim(0), random));
            }
        }, c -> {
            c.putArray("architectures").add("GPTJForCausalLM");
            c.put("model_type", "gptj");
            c.put("n_embd", c.get("hidden_size").asInt());
            c.put("n_layer", c.get("num_hidden_layers").asInt());
            c.put("n_head", c.get("num_attention_heads").asInt());
            c.put("n_inner", c.get("intermediate_size").asInt());
            c.put("n_positions", c.path("max_position_embeddings").asInt(2048));
            c.put("rotary_dim", 4);
            c.put("layer_norm_epsilon", 1e-5);
            c.put("activation_function", "gelu_new");
            c.put("tie_word_embeddings", false);
            c.remove(java.util.List.of("mlp_bias", "pretraining_tp", "attention_bias", "rms_norm_eps", "head_dim", "hidden_size",
                    "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "intermediate_size", "max_position_embeddings",
                    "rope_theta", "rope_scaling", "hidden_act"));
        });
    }

    /**
     * llama-gqa as a Falcon-7B-style FalconForCausalLM (multi_query, parallel_attn, no linear biases): the gate and
     * post_attention_layernorm dropped, only the first key/value head's rows of k_proj and v_proj kept (one key and value
     * for every query head), q/k/v fused in self_attention.query_key_value as [all queries; key; value], the rest under
     * Falcon's names, a seeded N(0, 0.1) bias on every LayerNorm, exact GELU, untied.
     */
    public static synchronized Path falcon() {
        return falcon("falcon", false);
    }

    /**
     * llama-gqa as a Falcon-40B-style FalconForCausalLM (new_decoder_architecture, two key/value groups): ln_attn and
     * ln_mlp (llama-gqa's two norms, with biases) of the same block input, q/k/v fused group by group.
     */
    public static synchronized Path falconNewDecoder() {
        return falcon("falcon-new-decoder", true);
    }

    private static Path falcon(String as, boolean newDecoder) {
        java.util.Random random = new java.util.Random(newDecoder ? 10 : 9);
        return recast("llama-gqa", as, (ck, n, t, out) -> {
            String l = n.replaceFirst("^model\\.layers\\.(\\d+)\\..*", "$1");
            String p = "transformer.h." + l + ".";
            java.util.function.BiConsumer<String, dev.secateur.checkpoint.Tensor> withBias = (name, w) -> {
                out.put(name + ".weight", w);
                out.put(name + ".bias", aroundZero(w.dim(0), random));
            };
            if (n.equals("model.embed_tokens.weight")) {
                out.put("transformer.word_embeddings.weight", t);
            } else if (n.equals("lm_head.weight")) {
                out.put(n, t);
            } else if (n.equals("model.norm.weight")) {
                withBias.accept("transformer.ln_f", t);
            } else if (n.endsWith("input_layernorm.weight")) {
                withBias.accept(p + (newDecoder ? "ln_attn" : "input_layernorm"), t);
            } else if (n.endsWith("post_attention_layernorm.weight") && newDecoder) {
                withBias.accept(p + "ln_mlp", t);
            } else if (n.endsWith("self_attn.q_proj.weight")) {
                String s = n.replace("q_proj.weight", "");
                int hd = ck.config().headDim(), h = ck.config().hiddenSize();
                int groups = newDecoder ? ck.config().numKvHeads() : 1, per = ck.config().numHeads() / groups, block = hd * h;
                float[] q = t.data(), k = ck.tensor(s + "k_proj.weight").data(), v = ck.tensor(s + "v_proj.weight").data();
                float[] qkv = new float[groups * (per + 2) * block];
                for (int g = 0; g < groups; g++) {
                    System.arraycopy(q, g * per * block, qkv, g * (per + 2) * block, per * block);
                    System.arraycopy(k, g * block, qkv, (g * (per + 2) + per) * block, block);
                    System.arraycopy(v, g * block, qkv, (g * (per + 2) + per + 1) * block, block);
                }
                out.put(p + "self_attention.query_key_value.weight",
                        new dev.secateur.checkpoint.Tensor(new int[] {groups * (per + 2) * hd, h}, qkv));
            } else if (n.endsWith("self_attn.o_proj.weight")) {
                out.put(p + "self_attention.dense.weight", t);
            } else if (n.endsWith("mlp.up_proj.weight")) {
                out.put(p + "mlp.dense_h_to_4h.weight", t);
            } else if (n.endsWith("mlp.down_proj.weight")) {
                out.put(p + "mlp.dense_4h_to_h.weight", t);
            }
        }, c -> {
            c.putArray("architectures").add("FalconForCausalLM");
            c.put("model_type", "falcon");
            c.put("activation", "gelu");
            c.put("layer_norm_epsilon", 1e-5);
            c.put("alibi", false);
            c.put("bias", false);
            c.put("parallel_attn", true);
            c.put("multi_query", !newDecoder);
            c.put("new_decoder_architecture", newDecoder);
            if (newDecoder) {
                c.put("num_kv_heads", c.get("num_key_value_heads").asInt());
            }
            c.put("ffn_hidden_size", c.get("intermediate_size").asInt());
            c.put("tie_word_embeddings", false);
            c.remove(java.util.List.of("mlp_bias", "pretraining_tp", "attention_bias", "rms_norm_eps", "head_dim", "hidden_act",
                    "num_key_value_heads", "intermediate_size"));
        });
    }

    /**
     * llama-mha-repeated-kv as an OPTForCausalLM: its gate dropped, the rest under OPT's names (model.decoder.embed_tokens,
     * layers.N.self_attn_layer_norm, self_attn.*_proj with out_proj for o_proj, final_layer_norm before fc1 / fc2,
     * model.decoder.final_layer_norm, lm_head untied), a seeded N(0, 0.1) bias on every linear layer and norm, ReLU, and a
     * seeded N(0, 0.5) learned position table of max_position_embeddings + 2 rows, whose first two no position reads.
     */
    public static synchronized Path opt() {
        java.util.Random random = new java.util.Random(12);
        return recast("llama-mha-repeated-kv", "opt", (ck, n, t, out) -> {
            if (n.endsWith("mlp.gate_proj.weight")) {
                return;
            }
            if (n.equals("model.embed_tokens.weight")) {
                out.put("model.decoder.embed_tokens.weight", t);
                int rows = ck.config().maxPositions() + 2, h = ck.config().hiddenSize();
                float[] table = new float[rows * h];
                for (int i = 0; i < table.length; i++) {
                    table[i] = (float) (0.5 * random.nextGaussian());
                }
                out.put("model.decoder.embed_positions.weight", new dev.secateur.checkpoint.Tensor(new int[] {rows, h}, table));
                return;
            }
            if (n.equals("lm_head.weight")) {
                out.put(n, t);
                return;
            }
            String name = n.equals("model.norm.weight") ? "model.decoder.final_layer_norm.weight"
                    : n.replace("model.layers.", "model.decoder.layers.").replace("input_layernorm", "self_attn_layer_norm")
                            .replace("post_attention_layernorm", "final_layer_norm").replace("self_attn.o_proj", "self_attn.out_proj")
                            .replace("mlp.up_proj", "fc1").replace("mlp.down_proj", "fc2");
            out.put(name, t);
            out.put(name.replace(".weight", ".bias"), aroundZero(t.dim(0), random));
        }, c -> {
            c.putArray("architectures").add("OPTForCausalLM");
            c.put("model_type", "opt");
            c.put("ffn_dim", c.get("intermediate_size").asInt());
            c.put("activation_function", "relu");
            c.put("do_layer_norm_before", true);
            c.put("enable_bias", true);
            c.put("word_embed_proj_dim", c.get("hidden_size").asInt());
            c.put("tie_word_embeddings", false);
            c.remove(java.util.List.of("mlp_bias", "pretraining_tp", "attention_bias", "rms_norm_eps", "head_dim", "hidden_act",
                    "num_key_value_heads", "intermediate_size", "rope_theta", "rope_scaling"));
        });
    }

    /**
     * llama-gqa's weights under a MiniCPMForCausalLM config (as MiniCPM-2B's, its remote-code architecture): scale_emb 4,
     * scale_depth 1.4 (each update × 1.4 / √2 on these 2 layers), dim_model_base 8 (logits ÷ 32 / 8).
     */
    public static synchronized Path minicpm() {
        return withConfig("llama-gqa", "minicpm", c -> {
            c.putArray("architectures").add("MiniCPMForCausalLM");
            c.put("model_type", "minicpm");
            c.put("scale_emb", 4.0);
            c.put("scale_depth", 1.4);
            c.put("dim_model_base", 8);
            c.remove(java.util.List.of("mlp_bias", "pretraining_tp"));
        });
    }

    /**
     * llama-gqa as InternLM2ForCausalLM stores it: the same weights under InternLM2's names, q/k/v fused in attention.wqkv
     * per key/value group (its two query heads, its key head, its value head). The math is Llama's, so llama-gqa's
     * torch-made expected.json is this fixture's too.
     */
    public static synchronized Path internlm2() {
        return recast("internlm2", (ck, n, t, out) -> {
            String l = n.replaceFirst("^model\\.layers\\.(\\d+)\\..*", "$1"), p = "model.layers." + l + ".";
            if (n.equals("model.embed_tokens.weight")) {
                out.put("model.tok_embeddings.weight", t);
            } else if (n.equals("lm_head.weight")) {
                out.put("output.weight", t);
            } else if (n.equals("model.norm.weight")) {
                out.put(n, t);
            } else if (n.endsWith("input_layernorm.weight")) {
                out.put(p + "attention_norm.weight", t);
            } else if (n.endsWith("post_attention_layernorm.weight")) {
                out.put(p + "ffn_norm.weight", t);
            } else if (n.endsWith("self_attn.q_proj.weight")) {
                String s = n.replace("q_proj.weight", "");
                int hd = ck.config().headDim(), groups = ck.config().numKvHeads(), per = ck.config().numHeads() / groups;
                int h = ck.config().hiddenSize(), block = hd * h;
                float[] q = t.data(), k = ck.tensor(s + "k_proj.weight").data(), v = ck.tensor(s + "v_proj.weight").data();
                float[] wqkv = new float[groups * (per + 2) * block];
                for (int g = 0; g < groups; g++) {
                    System.arraycopy(q, g * per * block, wqkv, g * (per + 2) * block, per * block);
                    System.arraycopy(k, g * block, wqkv, (g * (per + 2) + per) * block, block);
                    System.arraycopy(v, g * block, wqkv, (g * (per + 2) + per + 1) * block, block);
                }
                out.put(p + "attention.wqkv.weight", new dev.secateur.checkpoint.Tensor(new int[] {groups * (per + 2) * hd, h}, wqkv));
            } else if (n.endsWith("self_attn.o_proj.weight")) {
                out.put(p + "attention.wo.weight", t);
            } else if (n.endsWith("mlp.gate_proj.weight")) {
                out.put(p + "feed_forward.w1.weight", t);
            } else if (n.endsWith("mlp.up_proj.weight")) {
                out.put(p + "feed_forward.w3.weight", t);
            } else if (n.endsWith("mlp.down_proj.weight")) {
                out.put(p + "feed_forward.w2.weight", t);
            }
        }, c -> {
            c.putArray("architectures").add("InternLM2ForCausalLM");
            c.put("model_type", "internlm2");
            c.put("bias", false);
            c.remove(java.util.List.of("mlp_bias", "pretraining_tp", "attention_bias", "head_dim"));
        });
    }

    /** What one of llama-gqa's tensors becomes in a recast fixture (any number of tensors, or none). */
    private interface Recast {
        void put(dev.secateur.checkpoint.Checkpoint source, String name, dev.secateur.checkpoint.Tensor t,
                 java.util.Map<String, dev.secateur.checkpoint.Tensor> out);
    }

    /**
     * llama-gqa's folder recast as another architecture under target/derived-fixtures/{@code as}: every tensor passed
     * through {@code tensors} into one F32 safetensors file, config.json edited by {@code config}, the tokenizer copied,
     * no expected.json (tests hold such fixtures to {@link ReferenceForward}).
     */
    private static Path recast(String as, Recast tensors,
                               java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> config) {
        return recast("llama-gqa", as, tensors, config);
    }

    private static Path recast(String from, String as, Recast tensors,
                               java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> config) {
        Path source = dir(from);
        Path out = Path.of("target", "derived-fixtures", as).toAbsolutePath();
        try {
            copyFiles(source, out, n -> !n.equals("config.json") && !n.equals("expected.json") && !n.endsWith(".safetensors"));
            java.util.Map<String, dev.secateur.checkpoint.Tensor> written = new java.util.LinkedHashMap<>();
            try (dev.secateur.checkpoint.Checkpoint ck = dev.secateur.checkpoint.Checkpoint.open(source)) {
                for (String n : new java.util.TreeSet<>(ck.names())) {
                    tensors.put(ck, n, ck.tensor(n), written);
                }
            }
            dev.secateur.checkpoint.SafetensorsWriter.write(out.resolve("model.safetensors"), written,
                    dev.secateur.checkpoint.DType.F32, java.util.Map.of("format", "pt"));
            com.fasterxml.jackson.databind.node.ObjectNode c =
                    (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(source.resolve("config.json").toFile());
            config.accept(c);
            JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("config.json").toFile(), c);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** t + by, element by element (norms stored as offsets from 1, and back). */
    public static dev.secateur.checkpoint.Tensor plus(dev.secateur.checkpoint.Tensor t, float by) {
        float[] v = t.data().clone();
        for (int i = 0; i < v.length; i++) {
            v[i] += by;
        }
        return new dev.secateur.checkpoint.Tensor(t.shape(), v);
    }

    private static dev.secateur.checkpoint.Tensor aroundZero(int n, java.util.Random random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.1 * random.nextGaussian());
        }
        return new dev.secateur.checkpoint.Tensor(new int[] {n}, v);
    }

    /**
     * The olmo2 fixture as an Olmo3ForCausalLM: layer 0 slides with a window of 3 (shorter than the test tokens),
     * layer 1 attends to the whole prefix, and the rotary frequencies take a YaRN scaling (factor 4 over 16), as
     * OLMo-3-7B's config has both.
     */
    public static synchronized Path olmo3() {
        return withConfig(olmo2(), "olmo3", c -> {
            c.putArray("architectures").add("Olmo3ForCausalLM");
            c.put("model_type", "olmo3");
            c.put("sliding_window", 3);
            c.putArray("layer_types").add("sliding_attention").add("full_attention");
            com.fasterxml.jackson.databind.node.ObjectNode rs = c.putObject("rope_scaling");
            rs.put("rope_type", "yarn");
            rs.put("factor", 4.0);
            rs.put("original_max_position_embeddings", 16);
        });
    }

    private static dev.secateur.checkpoint.Tensor aroundOne(int n, java.util.Random random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (1 + 0.1 * random.nextGaussian());
        }
        return new dev.secateur.checkpoint.Tensor(new int[] {n}, v);
    }

    /** The files of a fixture folder whose names {@code keep} accepts, copied into {@code to} (created). */
    private static void copyFiles(Path from, Path to, java.util.function.Predicate<String> keep) throws IOException {
        java.nio.file.Files.createDirectories(to);
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(from)) {
            for (Path f : files.toList()) {
                if (keep.test(f.getFileName().toString())) {
                    java.nio.file.Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void gemma2Weights(Path llama, Path dir, boolean qkNorms) {
        java.util.Map<String, dev.secateur.checkpoint.Tensor> out = new java.util.LinkedHashMap<>();
        java.util.Random random = new java.util.Random(2);
        try (dev.secateur.checkpoint.Checkpoint ck = dev.secateur.checkpoint.Checkpoint.open(llama)) {
            int hidden = ck.config().hiddenSize();
            for (String n : new java.util.TreeSet<>(ck.names())) {
                dev.secateur.checkpoint.Tensor t = ck.tensor(n);
                if (n.endsWith("norm.weight")) {
                    out.put(n.replace("post_attention_layernorm", "pre_feedforward_layernorm"), plus(t, -1f));
                    if (n.endsWith("post_attention_layernorm.weight")) {
                        String p = n.substring(0, n.length() - "post_attention_layernorm.weight".length());
                        for (String post : new String[] {"post_attention_layernorm.weight", "post_feedforward_layernorm.weight"}) {
                            float[] v = new float[hidden];
                            for (int i = 0; i < hidden; i++) {
                                v[i] = (float) (0.1 * random.nextGaussian());
                            }
                            out.put(p + post, new dev.secateur.checkpoint.Tensor(new int[] {hidden}, v));
                        }
                        int headDim = ck.config().headDim();
                        for (String qk : qkNorms ? new String[] {"self_attn.q_norm.weight", "self_attn.k_norm.weight"} : new String[0]) {
                            float[] v = new float[headDim];
                            for (int i = 0; i < headDim; i++) {
                                v[i] = (float) (0.1 * random.nextGaussian());
                            }
                            out.put(p + qk, new dev.secateur.checkpoint.Tensor(new int[] {headDim}, v));
                        }
                    }
                } else {
                    out.put(n, t);
                }
            }
        }
        dev.secateur.checkpoint.SafetensorsWriter.write(dir.resolve("model.safetensors"), out,
                dev.secateur.checkpoint.DType.F32, java.util.Map.of("format", "pt"));
    }

    private static void fusePhi3(Path llama, Path dir) {
        java.util.Map<String, dev.secateur.checkpoint.Tensor> out = new java.util.LinkedHashMap<>();
        try (dev.secateur.checkpoint.Checkpoint ck = dev.secateur.checkpoint.Checkpoint.open(llama)) {
            for (String n : new java.util.TreeSet<>(ck.names())) {
                String p = n.replaceAll("(q_proj|k_proj|v_proj|gate_proj|up_proj)\\.weight$", "");
                if (n.endsWith("self_attn.q_proj.weight")) {
                    out.put(p + "qkv_proj.weight", dev.secateur.checkpoint.Tensor.concatRows(ck.tensor(n),
                            ck.tensor(p + "k_proj.weight"), ck.tensor(p + "v_proj.weight")));
                } else if (n.endsWith("mlp.gate_proj.weight")) {
                    out.put(p + "gate_up_proj.weight", dev.secateur.checkpoint.Tensor.concatRows(ck.tensor(n),
                            ck.tensor(p + "up_proj.weight")));
                } else if (!n.matches(".*(k_proj|v_proj|up_proj)\\.weight$")) {
                    out.put(n, ck.tensor(n));
                }
            }
        }
        dev.secateur.checkpoint.SafetensorsWriter.write(dir.resolve("model.safetensors"), out,
                dev.secateur.checkpoint.DType.F32, java.util.Map.of("format", "pt"));
    }

    /**
     * A fixture's folder with its config.json edited (weights and tokenizer copied), under target/derived-fixtures/as.
     * Its logits have no torch reference: tests hold it to {@link ReferenceForward}, written from the math.
     */
    public static synchronized Path withConfig(String fixture, String as,
                                               java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> edit) {
        return withConfig(dir(fixture), as, edit);
    }

    /** {@link #withConfig(String, String, java.util.function.Consumer)} of any model folder. */
    public static synchronized Path withConfig(Path source, String as,
                                               java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> edit) {
        Path dir = Path.of("target", "derived-fixtures", as).toAbsolutePath();
        try {
            copyFiles(source, dir, n -> !n.equals("config.json") && !n.equals("expected.json"));
            com.fasterxml.jackson.databind.node.ObjectNode c =
                    (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(source.resolve("config.json").toFile());
            edit.accept(c);
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), c);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The phi3 fixture with Phi-3.5 / Phi-4-mini's rotary variants: "longrope" (short_factor 1, 1.5, 2.5, 4 over its 4
     * frequencies, max_position_embeddings 512 over original 128, so cos/sin are scaled by √(1 + ln 4 / ln 128)),
     * "partial" (partial_rotary_factor 0.5: the first 4 of 8 head dimensions turn) or "longrope-partial" (both, with
     * short_factor 1.5, 3 over the 2 rotated frequencies).
     */
    public static Path phi3Rotary(String variant) {
        return withConfig("phi3", "phi3-" + variant, c -> {
            boolean partial = variant.contains("partial"), longrope = variant.contains("longrope");
            if (partial) {
                c.put("partial_rotary_factor", 0.5);
            }
            if (longrope) {
                c.remove("sliding_window"); // so that longrope's own limit is the context's
                c.put("max_position_embeddings", 512);
                c.put("original_max_position_embeddings", 128);
                com.fasterxml.jackson.databind.node.ObjectNode rs = c.putObject("rope_scaling");
                rs.put("type", "longrope");
                var shortFactor = rs.putArray("short_factor");
                var longFactor = rs.putArray("long_factor");
                for (double f : partial ? new double[] {1.5, 3} : new double[] {1, 1.5, 2.5, 4}) {
                    shortFactor.add(f);
                    longFactor.add(8 * f); // past 128 tokens only, which the context never reaches
                }
            }
        });
    }

    /**
     * The llama-gqa fixture with a YaRN rope_scaling as Qwen's model cards add it: factor 4 over an original length
     * of 16. Its 4 rotated frequencies turn 2.5, 0.25, 0.025 and 0.0025 times over 16 positions; the ramp runs from
     * index 0 (beta_fast's index, negative, clamped) to index 1 (beta_slow's, 0.41, rounded up), so frequency 0 keeps
     * its speed and the other three are divided by 4; cos/sin are scaled by 0.1 · ln 4 + 1.
     */
    public static Path llamaYarn() {
        return withConfig("llama-gqa", "llama-gqa-yarn", c -> {
            com.fasterxml.jackson.databind.node.ObjectNode rs = c.putObject("rope_scaling");
            rs.put("rope_type", "yarn");
            rs.put("factor", 4.0);
            rs.put("original_max_position_embeddings", 16);
        });
    }

    public static Expected expected(String name) {
        try {
            JsonNode root = JSON.readTree(dir(name).resolve("expected.json").toFile());
            JsonNode ids = root.get("input_ids");
            long[][] inputIds = new long[ids.size()][];
            for (int b = 0; b < ids.size(); b++) {
                inputIds[b] = new long[ids.get(b).size()];
                for (int t = 0; t < inputIds[b].length; t++) {
                    inputIds[b][t] = ids.get(b).get(t).asLong();
                }
            }
            JsonNode lg = root.get("logits");
            float[][][] logits = new float[lg.size()][][];
            for (int b = 0; b < lg.size(); b++) {
                logits[b] = new float[lg.get(b).size()][];
                for (int t = 0; t < logits[b].length; t++) {
                    JsonNode row = lg.get(b).get(t);
                    logits[b][t] = new float[row.size()];
                    for (int v = 0; v < row.size(); v++) {
                        logits[b][t][v] = (float) row.get(v).asDouble();
                    }
                }
            }
            return new Expected(inputIds, logits, root.path("atol").asDouble(1e-4));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JSON file under the fixtures folder, e.g. "formulas.json" or "llama-gqa/expected.json". */
    public static JsonNode json(String relative) {
        try {
            return JSON.readTree(dir(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static long[][] inputIds(JsonNode expected) {
        JsonNode ids = expected.get("input_ids");
        long[][] out = new long[ids.size()][];
        for (int b = 0; b < out.length; b++) {
            out[b] = new long[ids.get(b).size()];
            for (int t = 0; t < out[b].length; t++) {
                out[b][t] = ids.get(b).get(t).asLong();
            }
        }
        return out;
    }

    public static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    /** Copies a fixture's HF folder (without expected.json) to {@code dest}. */
    public static Path copy(String name, Path dest) {
        try (Stream<Path> files = Files.list(dir(name))) {
            Files.createDirectories(dest);
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals("expected.json")) {
                    Files.copy(f, dest.resolve(f.getFileName()));
                }
            }
            return dest;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static double maxAbsDiff(float[][][] a, float[][][] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                m = Math.max(m, maxAbsDiff(a[i][j], b[i][j]));
            }
        }
        return m;
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths " + a.length + " vs " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
