package dev.secateur.model;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A sheared target architecture (after Sheared-LLaMA): the uniform shape a model is pruned to. Every size is optional;
 * an absent one stays as the model has it.
 *
 * <p>Written as {@code layers=L,hidden=H,heads=A,kv-heads=G,ffn=F[,norm-scale=none|sqrt|calibrated]} (the CLI's
 * {@code --target-shape}, and the string form of the request field {@code targetShape}), or as the JSON object
 * {@code {"layers": L, "hidden": H, "heads": A, "kvHeads": G, "ffn": F, "normScale": "calibrated"}}.
 *
 * @param layers blocks kept (whole layers dropped down to this count)
 * @param hidden residual (hidden) channels kept, the same ones everywhere
 * @param heads query heads kept per layer
 * @param kvHeads key/value heads (KV groups) kept per layer
 * @param ffn FFN neurons kept per layer
 * @param normScale how the RMSNorm weights of a hidden-pruned model are rescaled (see {@link NormScale}); null: see {@link #normScaleOrDefault}
 */
public record TargetShape(Integer layers, Integer hidden, Integer heads, Integer kvHeads, Integer ffn, NormScale normScale) {

    /**
     * What multiplies the kept RMSNorm weights when the hidden size shrinks from d to H: RMSNorm then divides by the root
     * mean square over the H kept channels instead of over all d, which no constant undoes exactly (the lost channels'
     * share of the energy differs from token to token).
     */
    public enum NormScale {
        /** Weights kept as they are. */
        NONE("none"),
        /** × √(d/H): exact only if the removed channels carried nothing. */
        SQRT("sqrt"),
        /** × √((d/H)·f), f the mean share of the squared residual stream that the kept channels carry at that norm on the calibration tokens. */
        CALIBRATED("calibrated");

        private final String text;

        NormScale(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }

        static NormScale parse(String s) {
            for (NormScale n : values()) {
                if (n.text.equals(s)) {
                    return n;
                }
            }
            throw new IllegalArgumentException("norm-scale must be none, sqrt or calibrated, was '" + s + "'");
        }
    }

    private static final List<String> KEYS = List.of("layers", "hidden", "heads", "kv-heads", "ffn", "norm-scale");

    public TargetShape {
        check("layers", layers);
        check("hidden", hidden);
        check("heads", heads);
        check("kv-heads", kvHeads);
        check("ffn", ffn);
        if (heads != null && kvHeads != null && heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads=" + heads + " is not a multiple of kv-heads=" + kvHeads
                    + " (every key/value head serves the same number of query heads)");
        }
        if (layers == null && hidden == null && heads == null && kvHeads == null && ffn == null) {
            throw new IllegalArgumentException("names no size: give at least one of layers, hidden, heads, kv-heads, ffn");
        }
        if (normScale != null && hidden == null) {
            throw new IllegalArgumentException("norm-scale applies to hidden pruning; give hidden=H too");
        }
    }

    private static void check(String key, Integer v) {
        if (v != null && v < 1) {
            throw new IllegalArgumentException(key + " must be a positive integer, was " + v);
        }
    }

    /**
     * The rescaling of the norm weights that applies: the one given, else by what measured best on the demo model
     * (docs/benchmarks/target-shape.md): none when the removed channels are folded into the readers (lsq: lower
     * perplexity than calibrated for all five methods tried), sqrt when they are only sliced.
     *
     * @param folded whether the run folds the removed channels into the kept readers (compensation lsq)
     */
    public NormScale normScaleOrDefault(boolean folded) {
        return normScale != null ? normScale : folded ? NormScale.NONE : NormScale.SQRT;
    }

    /** {@code layers=4,hidden=192,...}: keys in any order, each at most once. */
    public static TargetShape parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("is empty; write e.g. layers=4,hidden=192,kv-heads=1,ffn=384");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String part : text.split(",", -1)) {
            int eq = part.indexOf('=');
            String key = (eq < 0 ? part : part.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown key '" + key + "' (keys: " + String.join(", ", KEYS) + ")");
            }
            if (eq < 0) {
                throw new IllegalArgumentException(key + " has no value (write " + key + "=N)");
            }
            if (values.put(key, part.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException(key + " is given twice");
            }
        }
        String norm = values.get("norm-scale");
        return new TargetShape(integer(values, "layers"), integer(values, "hidden"), integer(values, "heads"), integer(values, "kv-heads"),
                integer(values, "ffn"), norm == null ? null : NormScale.parse(norm));
    }

    private static Integer integer(Map<String, String> values, String key) {
        String v = values.get(key);
        if (v == null) {
            return null;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a positive integer, was '" + v + "'");
        }
    }

    /** The request field: the string form, or an object with the keys layers, hidden, heads, kvHeads, ffn, normScale. */
    public static TargetShape fromJson(JsonNode node) {
        if (node.isTextual()) {
            return parse(node.asText());
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("must be a string such as \"layers=4,hidden=192\" or an object such as {\"hidden\": 192}");
        }
        Map<String, String> camel = Map.of("layers", "layers", "hidden", "hidden", "heads", "heads", "kvHeads", "kv-heads", "ffn", "ffn",
                "normScale", "norm-scale");
        List<String> parts = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = camel.get(e.getKey());
            if (key == null) {
                throw new IllegalArgumentException("unknown key '" + e.getKey() + "' (keys: layers, hidden, heads, kvHeads, ffn, normScale)");
            }
            if (e.getValue().isNull()) {
                continue;
            }
            boolean text = key.equals("norm-scale");
            if (text ? !e.getValue().isTextual() : !e.getValue().canConvertToExactIntegral()) {
                throw new IllegalArgumentException(e.getKey() + " must be " + (text ? "a string" : "an integer") + ", was " + e.getValue());
            }
            parts.add(key + "=" + e.getValue().asText());
        }
        return parse(String.join(",", parts));
    }

    /**
     * Checks the shape against a model before any work: no size above the model's, and query heads that keep the
     * model's group size (the engine removes whole KV groups, so heads = kv-heads × heads per group).
     *
     * @param sizes the model's per-layer sizes
     * @return the KV groups to keep per layer, or null when neither heads nor kv-heads is given
     */
    public Integer keptKvGroups(int numLayers, int hiddenSize, List<LayerSizes> sizes) {
        if (layers != null && layers > numLayers) {
            throw new IllegalArgumentException("layers=" + layers + " is more than the model's " + numLayers + " layers");
        }
        if (hidden != null && hidden > hiddenSize) {
            throw new IllegalArgumentException("hidden=" + hidden + " is more than the model's hidden size " + hiddenSize);
        }
        int minFfn = sizes.stream().mapToInt(LayerSizes::ffn).min().orElse(0);
        if (ffn != null && ffn > minFfn) {
            throw new IllegalArgumentException("ffn=" + ffn + " is more than the model's " + minFfn + " FFN neurons"
                    + (sizes.stream().mapToInt(LayerSizes::ffn).distinct().count() > 1 ? " (in its narrowest layer)" : ""));
        }
        if (heads == null && kvHeads == null) {
            return null;
        }
        int group = -1;
        int minKv = Integer.MAX_VALUE;
        for (LayerSizes s : sizes) {
            int g = s.heads() / s.kvHeads();
            if (group >= 0 && g != group) {
                throw new IllegalArgumentException("heads/kv-heads need one group size, but the model's layers have different query heads per key/value head");
            }
            group = g;
            minKv = Math.min(minKv, s.kvHeads());
        }
        int kv = kvHeads != null ? kvHeads : -1;
        if (heads != null) {
            if (heads % group != 0) {
                throw new IllegalArgumentException("heads=" + heads + " is not a multiple of the model's " + group
                        + " query heads per key/value head (whole KV groups are removed)");
            }
            if (kvHeads != null && heads != kvHeads * group) {
                throw new IllegalArgumentException("heads=" + heads + " must be kv-heads × " + group + " = " + kvHeads * group
                        + ": the model's " + group + " query heads per key/value head are kept together");
            }
            kv = heads / group;
        }
        if (kv > minKv) {
            throw new IllegalArgumentException((heads != null ? "heads=" + heads : "kv-heads=" + kvHeads) + " is more than the model's "
                    + (heads != null ? minKv * group + " query heads" : minKv + " key/value heads"));
        }
        return kv;
    }

    @JsonValue
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        add(parts, "layers", layers);
        add(parts, "hidden", hidden);
        add(parts, "heads", heads);
        add(parts, "kv-heads", kvHeads);
        add(parts, "ffn", ffn);
        if (normScale != null) {
            parts.add("norm-scale=" + normScale.text());
        }
        return String.join(",", parts);
    }

    private static void add(List<String> parts, String key, Integer v) {
        if (v != null) {
            parts.add(key + "=" + v);
        }
    }
}
