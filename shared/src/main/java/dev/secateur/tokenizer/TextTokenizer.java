package dev.secateur.tokenizer;

import dev.secateur.json.Json;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face tokenizer.json, used for language-model text rather than classifier inputs.
 *
 * <p>DJL's tokenizer truncates to 512 tokens and adds special tokens by default; perplexity over a long
 * text needs neither, so both are switched off here once instead of at every call site. DJL exposes no
 * vocabulary, so token ↔ id comes from the JSON itself (model.vocab plus added_tokens).
 */
public final class TextTokenizer implements AutoCloseable {
    private static final ObjectMapper JSON = Json.mapper();

    private final Path file;
    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, Integer> idsByToken;
    private final Map<Integer, String> tokensById;
    private final int vocabSize;
    private final PromptSpecialTokens promptSpecials;

    private TextTokenizer(Path file, HuggingFaceTokenizer tokenizer, Map<String, Integer> idsByToken,
                          PromptSpecialTokens promptSpecials) {
        this.file = file;
        this.tokenizer = tokenizer;
        this.idsByToken = idsByToken;
        this.promptSpecials = promptSpecials;
        this.tokensById = new HashMap<>();
        idsByToken.forEach((t, id) -> tokensById.putIfAbsent(id, t));
        this.vocabSize = idsByToken.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    }

    /**
     * Loads a tokenizer.json file, or the tokenizer.json inside a model folder, with the add_bos_token /
     * add_eos_token of a tokenizer_config.json beside it.
     */
    public static TextTokenizer load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no tokenizer.json");
        }
        Map<String, Integer> vocab = readVocab(file);
        // "maxLength" only matters if truncation were on; set high so no default of 512 can creep back.
        Map<String, String> options = Map.of("addSpecialTokens", "false", "truncation", "false",
                "padding", "false", "maxLength", String.valueOf(Integer.MAX_VALUE));
        try {
            PromptSpecialTokens specials = PromptSpecialTokens.read(file.resolveSibling(PromptSpecialTokens.CONFIG), vocab);
            return new TextTokenizer(file, HuggingFaceTokenizer.newInstance(file, options), vocab, specials);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + ": cannot load tokenizer (" + e.getMessage() + ")", e);
        }
    }

    /** model.vocab is an object {token: id} for BPE/WordPiece/WordLevel and a list of [piece, score] for Unigram. */
    private static Map<String, Integer> readVocab(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        Map<String, Integer> ids = new HashMap<>();
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) {
            vocab.fields().forEachRemaining(e -> ids.put(e.getKey(), e.getValue().asInt()));
        } else if (vocab.isArray()) {
            for (int i = 0; i < vocab.size(); i++) {
                ids.put(vocab.get(i).get(0).asText(), i);
            }
        } else {
            throw new IllegalArgumentException(file + ": no model.vocab (not a Hugging Face tokenizer.json?)");
        }
        for (JsonNode added : root.path("added_tokens")) {
            ids.put(added.path("content").asText(), added.path("id").asInt());
        }
        return ids;
    }

    /** Ids of the text, without special tokens and without truncation. */
    public long[] encode(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    /**
     * Ids of a prompt as Hugging Face's {@code tokenizer(text)} gives them: with the special tokens the tokenizer's
     * post-processor adds (Llama's and Mistral's BOS; nothing for Qwen's byte-level one), or those that
     * tokenizer_config.json's add_bos_token / add_eos_token ask for where it says, because a model trained with a
     * BOS in front of every sequence predicts noticeably worse without it.
     */
    public long[] encodePrompt(String text) {
        Encoding e = tokenizer.encode(text, true, false);
        return promptSpecials.apply(e.getIds(), e.getSpecialTokenMask());
    }

    public String decode(long[] ids) {
        return tokenizer.decode(ids, false);
    }

    /** One more than the largest id, which is what an embedding matrix must cover. */
    public int vocabSize() {
        return vocabSize;
    }

    public Optional<Integer> tokenToId(String token) {
        return Optional.ofNullable(idsByToken.get(token));
    }

    public Optional<String> idToToken(int id) {
        return Optional.ofNullable(tokensById.get(id));
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
