package dev.secateur.serve.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Hugging Face tokenizer.json for the 97-token fixture models: word level, whitespace split, ids 0-2
 * special, words w3..w96 plus a few real words so prompts read naturally. Like Llama's, its post-processor puts
 * {@code <s>} in front of every encoded text when special tokens are asked for.
 */
final class TestTokenizer {

    static final String[] WORDS = {"hello", "world", "the", "cat", "sat", "on", "mat", "dog", "ran", "home"};

    private TestTokenizer() {
    }

    static String word(int id) {
        return id - 3 < WORDS.length ? WORDS[id - 3] : "w" + id;
    }

    private static void bosInFront(ObjectNode processor) {
        processor.put("type", "TemplateProcessing");
        processor.putArray("single").add(special("<s>")).add(sequence("A"));
        processor.putArray("pair").add(special("<s>")).add(sequence("A")).add(special("<s>")).add(sequence("B"));
        ObjectNode bos = processor.putObject("special_tokens").putObject("<s>");
        bos.put("id", "<s>");
        bos.putArray("ids").add(1);
        bos.putArray("tokens").add("<s>");
    }

    private static ObjectNode special(String token) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.putObject("SpecialToken").put("id", token).put("type_id", 0);
        return n;
    }

    private static ObjectNode sequence(String id) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.putObject("Sequence").put("id", id).put("type_id", 0);
        return n;
    }

    static void write(Path file) throws IOException {
        write(file, Map.of());
    }

    /** The same vocabulary with some ids' words replaced (a fixture whose greedy answer should read a certain way). */
    static void write(Path file, Map<Integer, String> renamed) throws IOException {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        String[] specials = {"<unk>", "<s>", "</s>"};
        for (int i = 0; i < specials.length; i++) {
            added.addObject().put("id", i).put("content", specials[i]).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "WhitespaceSplit");
        bosInFront(root.putObject("post_processor"));
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < specials.length; i++) {
            vocab.put(specials[i], i);
        }
        for (int id = 3; id < 97; id++) {
            vocab.put(renamed.getOrDefault(id, word(id)), id);
        }
        model.put("unk_token", "<unk>");
        m.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    }
}
