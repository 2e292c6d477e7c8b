package dev.secateur.prune.plan;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What a mask-opt policy holds Bernoulli variables over ({@code --mask-structures}, request {@code maskStructures}). */
public enum MaskStructure {
    /** One variable per FFN neuron. */
    FFN("ffn"),
    /** One variable per KV group: a KV head and the query heads that share it. */
    KV_GROUPS("kv-groups"),
    /** One variable per decoder layer; a dropped layer passes its input on unchanged. */
    LAYERS("layers");

    private final String text;

    MaskStructure(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(MaskStructure::text).toList();
    }

    /** The structures these names select, in declaration order; unknown, repeated or no names are refused. */
    public static Set<MaskStructure> parse(List<String> names) {
        if (names == null || names.isEmpty()) {
            throw new IllegalArgumentException("mask structures must name at least one of " + names());
        }
        Set<MaskStructure> out = EnumSet.noneOf(MaskStructure.class);
        for (String n : names) {
            String key = n == null ? "" : n.trim().toLowerCase(Locale.ROOT);
            MaskStructure s = Arrays.stream(values()).filter(v -> v.text.equals(key)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("mask structure '" + n + "' is not one of " + names()));
            if (!out.add(s)) {
                throw new IllegalArgumentException("mask structure '" + key + "' is named twice");
            }
        }
        return out;
    }

    /** Whether these structures are the FFN alone (the per-neuron policy, {@link MaskPolicy}, with either allocation). */
    public static boolean ffnOnly(Set<MaskStructure> s) {
        return s.equals(EnumSet.of(FFN));
    }
}
