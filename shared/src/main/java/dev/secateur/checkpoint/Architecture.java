package dev.secateur.checkpoint;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The Hugging Face architectures Secateur reads, by the name config.json gives in "architectures". */
public enum Architecture {
    LLAMA("LlamaForCausalLM"),
    /** Llama's block and weights; config.json adds sliding_window (see {@link ModelConfig#contextLength()}). */
    MISTRAL("MistralForCausalLM"),
    QWEN2("Qwen2ForCausalLM"),
    /** Llama-like with an explicit head_dim and an RMSNorm over head_dim on every query and key head before RoPE. */
    QWEN3("Qwen3ForCausalLM"),
    /**
     * Llama's block with q/k/v fused into one qkv_proj and gate/up into one gate_up_proj (Phi-3-mini/medium with the
     * default rotary embedding); config.json's sliding_window applies when it is set.
     */
    PHI3("Phi3ForCausalLM"),
    /** Llama's block and names; every no_rope_layer_interval-th layer (4) attends without rotary positions (NoPE). */
    SMOLLM3("SmolLM3ForCausalLM"),
    /**
     * Gemma (the first, 2B and 7B): Llama's block and names with RMSNorm weights stored as offsets from 1, embeddings
     * scaled by √hidden, a GeGLU MLP (gelu_pytorch_tanh unless hidden_activation says otherwise), head_dim 256 and tied
     * embeddings by default; no post norms, no soft caps, attention scaled by head_dim^−½, no sliding window.
     */
    GEMMA("GemmaForCausalLM"),
    /**
     * Gemma 2: Llama's attention and gated MLP (gelu_pytorch_tanh) with a norm after attention and after the MLP as
     * well as before each, RMSNorm weights stored as offsets from 1, embeddings scaled by √hidden, attention scaled by
     * query_pre_attn_scalar^−½, attention and final logits soft-capped.
     */
    GEMMA2("Gemma2ForCausalLM"),
    /**
     * Gemma 3's text model (Gemma-3-1B; the larger sizes ship as Gemma3ForConditionalGeneration with a vision tower):
     * Gemma 2's block without the soft caps, with Qwen3-style query/key norms (stored as offsets from 1 too), and five
     * sliding-window layers with their own rotary base (rope_local_base_freq) for every full-attention layer.
     */
    GEMMA3("Gemma3ForCausalLM"),
    /**
     * IBM Granite 3.x: Llama's block and names with four scalars: embeddings × embedding_multiplier, attention scores ×
     * attention_multiplier (instead of head_dim^−½), each block's attention and MLP updates × residual_multiplier before
     * they join the residual stream, logits ÷ logits_scaling.
     */
    GRANITE("GraniteForCausalLM"),
    /**
     * OpenBMB's MiniCPM (MiniCPM-1B, MiniCPM-2B; remote code, Llama's block and names) with µP scalars: embeddings ×
     * scale_emb, each block's attention and MLP updates × scale_depth / √num_hidden_layers, logits ÷ (hidden_size /
     * dim_model_base).
     */
    MINICPM("MiniCPMForCausalLM"),
    /**
     * Shanghai AI Lab's InternLM2 and InternLM2.5 (1.8B, 7B, 20B; remote code): Llama's math under other names, with
     * q/k/v fused per key/value group in attention.wqkv (each group's query heads, then its key, then its value).
     */
    INTERNLM2("InternLM2ForCausalLM"),
    /**
     * OLMo 2 (AI2): Llama's attention and gated SiLU MLP with no norm before either; instead an RMSNorm of the attention
     * output (post_attention_layernorm) and of the MLP output (post_feedforward_layernorm) before each joins the
     * residual, and an RMSNorm over all query heads together (q_norm, [heads × head_dim]) and over all key heads
     * (k_norm) before RoPE.
     */
    OLMO2("Olmo2ForCausalLM"),
    /** OLMo 3: OLMo 2's block with three sliding-window layers in four (layer_types; sliding_window 4096 by default). */
    OLMO3("Olmo3ForCausalLM"),
    /**
     * Stability AI's StableLM (StableLM-2-1.6B, StableLM-3B-4E1T, StableLM-Zephyr): Llama's tensor names and gated SiLU
     * MLP with a LayerNorm (weight and bias) for every norm, q/k/v biases by use_qkv_bias, no o_proj bias, and rotary
     * positions on the first partial_rotary_factor (0.25) of each head.
     */
    STABLELM("StableLmForCausalLM"),
    /**
     * BigCode's StarCoder2 (3B, 7B, 15B): Llama's attention with biases on every linear layer (use_bias), LayerNorms,
     * an ungated gelu_pytorch_tanh MLP (mlp.c_fc, mlp.c_proj), and sliding_window when set.
     */
    STARCODER2("Starcoder2ForCausalLM"),
    /**
     * NVIDIA's Nemotron (Minitron-4B/8B, Nemotron-Mini-4B): Llama's names with an ungated MLP (up_proj, down_proj) under
     * relu², LayerNorms whose weights are stored as offsets from 1 (LayerNorm1P), rotary positions on the first
     * partial_rotary_factor (0.5) of each head.
     */
    NEMOTRON("NemotronForCausalLM"),
    /**
     * EleutherAI's GPT-NeoX (Pythia 160M–12B, GPT-NeoX-20B, Dolly v2, RedPajama-INCITE): attention and MLP side by side
     * from two LayerNorms of the same input (use_parallel_residual), q/k/v fused per head in query_key_value, biases on
     * every linear layer, an ungated exact-GELU MLP, rotary positions on the first rotary_pct (0.25) of each head.
     */
    GPT_NEOX("GPTNeoXForCausalLM"),
    /**
     * Microsoft's Phi-1, Phi-1.5 and Phi-2: one LayerNorm per block whose output feeds attention and the MLP side by side
     * (x + attn(ln(x)) + mlp(ln(x))), q/k/v/dense and fc1/fc2 with biases, an ungated gelu_new MLP, rotary positions on
     * the first partial_rotary_factor (0.5) of each head, and an output projection with a bias.
     */
    PHI("PhiForCausalLM"),
    /**
     * EleutherAI's GPT-J (GPT-J-6B and its fine-tunes): Phi's side-by-side block under GPT-2-style names and config keys,
     * q/k/v/out_proj without biases, fc_in/fc_out with them, an output bias, and rotary positions on the first rotary_dim
     * dimensions of each head rotated in interleaved pairs (rotate_every_two).
     */
    GPTJ("GPTJForCausalLM"),
    /**
     * TII's Falcon (Falcon-7B, Falcon-40B, Falcon2-11B): q/k/v fused in query_key_value group by group (multi-query: all
     * queries, then one key and one value), attention and MLP side by side from one LayerNorm (or ln_attn / ln_mlp on the
     * new decoder architecture), an ungated exact-GELU MLP, rotary positions on the whole head, and one switch (bias)
     * for every linear bias.
     */
    FALCON("FalconForCausalLM"),
    /**
     * Meta's OPT (OPT-125M … 66B): pre-LN blocks with LayerNorms, learned positions (a table two rows longer than the
     * context), biases on every linear layer, an ungated ReLU MLP (fc1, fc2), tied embeddings.
     */
    OPT("OPTForCausalLM"),
    GPT2("GPT2LMHeadModel"),
    /** A BERT-family encoder (BERT, MiniLM, ...): post-LN blocks, learned absolute positions, token types. */
    BERT("BertModel", false);

    private final String hfName;
    private final boolean decoder;

    Architecture(String hfName) {
        this(hfName, true);
    }

    Architecture(String hfName, boolean decoder) {
        this.hfName = hfName;
        this.decoder = decoder;
    }

    public String hfName() {
        return hfName;
    }

    /** Decoder-only language models load as DecoderWeights; encoders as EncoderWeights. */
    public boolean isDecoder() {
        return decoder;
    }

    /**
     * The rotary decoders whose blocks map onto Llama's canonical block (attention, an MLP with or without a gate, RMS-
     * or LayerNorms); their adapters translate their tensor names and fused layouts to it.
     */
    public boolean isLlamaFamily() {
        return this == LLAMA || this == MISTRAL || this == QWEN2 || this == QWEN3 || this == PHI3 || isGemma()
                || this == SMOLLM3 || this == GRANITE || this == MINICPM || this == INTERNLM2 || isOlmo() || this == STABLELM
                || this == STARCODER2 || this == NEMOTRON || this == GPT_NEOX || this == PHI || this == GPTJ
                || this == FALCON;
    }

    /**
     * Whether the MLP multiplies a gate into its up projection (every decoder but GPT-2's, StarCoder2's, Nemotron's,
     * GPT-NeoX's, Phi's, GPT-J's, Falcon's, OPT's).
     */
    public boolean hasGatedMlp() {
        return isDecoder() && this != GPT2 && this != OPT && this != STARCODER2 && this != NEMOTRON && this != GPT_NEOX && this != PHI
                && this != GPTJ && this != FALCON;
    }

    /**
     * Whether the architecture's Hugging Face code takes head_dim from hidden_size / num_attention_heads (GPT-2,
     * StableLM, GPT-NeoX, InternLM2, Phi, GPT-J, Falcon, OPT; vLLM's Phi too), so that a model with fewer heads would
     * not load there. GPT-2's pruned_heads, which once expressed it, is gone from transformers 5.
     */
    public boolean headDimFromHiddenSize() {
        return this == GPT2 || this == STABLELM || this == GPT_NEOX || this == INTERNLM2 || this == PHI || this == GPTJ
                || this == FALCON || this == OPT;
    }

    /**
     * Whether every norm is a LayerNorm with a bias (GPT-2, OPT, StableLM, StarCoder2, Nemotron, GPT-NeoX, Phi, GPT-J,
     * Falcon) rather than an RMSNorm.
     */
    public boolean usesLayerNorm() {
        return this == GPT2 || this == STABLELM || this == STARCODER2 || this == NEMOTRON || this == GPT_NEOX || this == PHI
                || this == GPTJ || this == FALCON || this == OPT;
    }

    /** Whether every block normalises its input before attention and before the MLP (all but OLMo 2). */
    public boolean hasPreNorms() {
        return !isOlmo();
    }

    /**
     * Whether every block carries self_attn.q_norm / k_norm, applied before RoPE: over head_dim of each head (Qwen3,
     * Gemma 3), or over all heads together (OLMo 2, {@link #qkNormSpansHeads()}).
     */
    public boolean hasQkNorm() {
        return this == QWEN3 || this == GEMMA3 || isOlmo();
    }

    /** Whether q_norm / k_norm normalise all query (key) heads together, one weight per row of q_proj (k_proj). */
    public boolean qkNormSpansHeads() {
        return isOlmo();
    }

    /** OLMo 2 and 3: no pre-norms, post norms, query/key norms over all heads. */
    public boolean isOlmo() {
        return this == OLMO2 || this == OLMO3;
    }

    /** Whether every block normalises its attention output and its MLP output before adding them (Gemma 2 and 3, OLMo 2). */
    public boolean hasPostNorms() {
        return this == GEMMA2 || this == GEMMA3 || isOlmo();
    }

    /**
     * Gemma 1, 2 and 3: RMSNorm weights stored as offsets from 1, embeddings scaled by √hidden, a GeGLU MLP configured
     * by hidden_activation, head_dim 256 and tied embeddings by default; from Gemma 2 on, attention scaled by
     * query_pre_attn_scalar^−½ and post norms.
     */
    public boolean isGemma() {
        return this == GEMMA || this == GEMMA2 || this == GEMMA3;
    }

    /**
     * Whether config.json's attention_bias switches q/k/v/o biases on together (Llama, Gemma), so that a compensated
     * o_proj bias can be written where Hugging Face reads it; Qwen2's q/k/v biases are built in and its o_proj has none.
     */
    public boolean hasAttentionBiasSwitch() {
        return this == LLAMA || this == SMOLLM3 || this == GRANITE || isOlmo() || isGemma() || this == STARCODER2
                || this == NEMOTRON || this == MINICPM || this == INTERNLM2 || this == FALCON || this == OPT;
    }

    /**
     * Whether the architecture's Hugging Face code reads a bias on the MLP's output projection (down_proj, fc2, ...),
     * always or under a switch the writer sets (Llama's, SmolLM3's, Granite's and Nemotron's mlp_bias, StarCoder2's
     * use_bias, Falcon's bias, OPT's enable_bias), so that a compensation may fit one there. Mistral, Qwen2, Qwen3,
     * Phi-3, Gemma, OLMo 2/3, StableLM, MiniCPM and InternLM2 build that projection without a bias: a bias written for
     * them would be dropped on load, so their compensation refits the kept weights only.
     */
    public boolean readsMlpOutputBias() {
        return this == LLAMA || this == SMOLLM3 || this == GRANITE || this == NEMOTRON || this == STARCODER2
                || this == GPT_NEOX || this == PHI || this == GPTJ || this == FALCON || this == OPT || this == GPT2
                || this == BERT;
    }

    /**
     * Whether a bias on the attention's output projection (o_proj, dense, c_proj) is read: under the attention-bias
     * switch, or always (GPT-2, GPT-NeoX, Phi, BERT; GPT-J's is folded into fc_out's bias, which joins the residual
     * beside it).
     */
    public boolean readsAttentionOutputBias() {
        return hasAttentionBiasSwitch() || this == GPT2 || this == GPT_NEOX || this == PHI || this == GPTJ || this == BERT;
    }

    /** "decoder" or "encoder", as recorded in ONNX metadata (secateur.kind). */
    public String kind() {
        return decoder ? "decoder" : "encoder";
    }

    public static Architecture fromHfName(String name, String context) {
        for (Architecture a : values()) {
            if (a.hfName.equals(name)) {
                return a;
            }
        }
        throw new CheckpointException(context + ": unknown architecture '" + name + "' (supported: " + supported() + ")");
    }

    public static String supported() {
        return Arrays.stream(values()).map(Architecture::hfName).collect(Collectors.joining(", "))
                + ", Gemma3ForConditionalGeneration (its text model)";
    }
}
