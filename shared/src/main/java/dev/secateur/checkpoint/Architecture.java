package dev.secateur.checkpoint;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The Hugging Face architectures Secateur reads, by the name config.json gives in "architectures". */
public enum Architecture {
    LLAMA("LlamaForCausalLM"),
    QWEN2("Qwen2ForCausalLM"),
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
        return Arrays.stream(values()).map(Architecture::hfName).collect(Collectors.joining(", "));
    }
}
