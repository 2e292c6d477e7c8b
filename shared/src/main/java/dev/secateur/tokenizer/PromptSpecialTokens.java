package dev.secateur.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * tokenizer_config.json's add_bos_token and add_eos_token, which Hugging Face's Llama and Gemma tokenizers apply
 * over what tokenizer.json's post-processor does (Phi-3 ships a post-processor that adds {@code <s>} and a config
 * that turns it off). Null where the config does not say: then the post-processor decides.
 */
record PromptSpecialTokens(Boolean addBos, Integer bosId, Boolean addEos, Integer eosId) {

    static final String CONFIG = "tokenizer_config.json";

    static final PromptSpecialTokens AS_POST_PROCESSED = new PromptSpecialTokens(null, null, null, null);

    static PromptSpecialTokens read(Path config, Map<String, Integer> vocab) {
        if (!Files.isRegularFile(config)) {
            return AS_POST_PROCESSED;
        }
        JsonNode c;
        try {
            c = Json.mapper().readTree(config.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(config + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        return new PromptSpecialTokens(flag(c, "add_bos_token"), id(c, "bos_token", vocab),
                flag(c, "add_eos_token"), id(c, "eos_token", vocab));
    }

    private static Boolean flag(JsonNode c, String field) {
        JsonNode n = c.get(field);
        return n != null && n.isBoolean() ? n.booleanValue() : null;
    }

    /** bos_token / eos_token: a string, or an AddedToken object with its content. */
    private static Integer id(JsonNode c, String field, Map<String, Integer> vocab) {
        JsonNode n = c.path(field);
        String token = n.isTextual() ? n.textValue() : n.path("content").isTextual() ? n.path("content").textValue() : null;
        return token == null ? null : vocab.get(token);
    }

    /**
     * The post-processed ids with a leading / trailing special token removed or put there as the config says;
     * {@code specialMask} marks the ids the post-processor added.
     */
    long[] apply(long[] ids, long[] specialMask) {
        int from = 0;
        int to = ids.length;
        boolean bosThere = to > 0 && specialMask[0] == 1;
        boolean eosThere = to > (bosThere ? 1 : 0) && specialMask[to - 1] == 1;
        if (Boolean.FALSE.equals(addBos) && bosThere) {
            from = 1;
        }
        if (Boolean.FALSE.equals(addEos) && eosThere) {
            to--;
        }
        long[] out = Arrays.copyOfRange(ids, from, to);
        if (Boolean.TRUE.equals(addBos) && bosId != null && !bosThere) {
            out = concat(new long[] {bosId}, out);
        }
        if (Boolean.TRUE.equals(addEos) && eosId != null && !eosThere) {
            out = concat(out, new long[] {eosId});
        }
        return out;
    }

    private static long[] concat(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
