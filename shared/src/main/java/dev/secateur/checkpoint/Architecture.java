package dev.secateur.checkpoint;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The Hugging Face architectures Secateur reads, by the name config.json gives in "architectures". */
public enum Architecture {
    LLAMA("LlamaForCausalLM"),
    QWEN2("Qwen2ForCausalLM"),
    GPT2("GPT2LMHeadModel");

    private final String hfName;

    Architecture(String hfName) {
        this.hfName = hfName;
    }

    public String hfName() {
        return hfName;
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
