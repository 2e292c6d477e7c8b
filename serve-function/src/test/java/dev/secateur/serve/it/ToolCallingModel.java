package dev.secateur.serve.it;

import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.runtime.GenerationResult;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.runtime.SamplingParams;
import dev.secateur.runtime.TokenCallback;
import dev.secateur.serve.chat.ChatMessage;
import dev.secateur.serve.chat.ChatTemplate;
import dev.secateur.store.ModelStore;
import dev.secateur.store.StoredVersion;
import dev.secateur.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model whose answer to a question about the weather is a tool call: the llama-gqa fixture with a Hermes-style
 * tool template, exported once to find its greedy answer's first token id, then exported again with a vocabulary in
 * which that id reads {@code <tool_call>{...}</tool_call>} (the random fixture repeats one word, so the whole call is
 * one word). The prompt's own ids do not change (none of its words is that one), so the served model answers so.
 */
final class ToolCallingModel {

    static final String QUESTION = "weather in Paris";
    static final String CALL = "<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}</tool_call>";
    static final int CALL_TOKENS = 1;
    static final Path TEMPLATE = Path.of("src/test/resources/chat-templates/hermes-style-tools.jinja");

    private ToolCallingModel() {
    }

    /** The tool as the template sees it (the structure the SDK sends; only its word count shapes the prompt's ids). */
    static Map<String, Object> tool() {
        Map<String, Object> city = new LinkedHashMap<>(Map.of("type", "string"));
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("type", "object");
        parameters.put("properties", Map.of("city", city));
        parameters.put("required", List.of("city"));
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", "get_weather");
        function.put("parameters", parameters);
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", function);
        return tool;
    }

    static StoredVersion publish(ModelStore store, String name) throws IOException {
        Path work = Files.createTempDirectory(Path.of("target"), "tool-model");
        Path probe = export(work.resolve("probe"), Map.of());
        long[] prompt = prompt(probe);
        int[] answer = greedy(probe, prompt);
        if (answer.length != CALL_TOKENS || answer[0] < 13) {
            throw new IllegalStateException("the fixture's greedy answer " + Arrays.toString(answer)
                    + " does not start with a wNN word: pick another QUESTION");
        }
        Path served = export(work.resolve("served"), Map.of(answer[0], CALL));
        if (!Arrays.equals(prompt, prompt(served))) {
            throw new IllegalStateException("renaming the answer's words changed the prompt's ids");
        }
        return store.publish(name, served, Map.of("fixture", "tool-calling"));
    }

    private static long[] prompt(Path dir) {
        ChatTemplate template = ChatTemplate.load(dir, Map.of());
        String rendered = template.render(List.of(new ChatMessage("user", QUESTION, null)), List.of(tool()), true);
        try (TextTokenizer t = TextTokenizer.load(dir.resolve("tokenizer.json"))) {
            return t.encode(rendered);
        }
    }

    private static int[] greedy(Path dir, long[] prompt) {
        try (OrtDecoder d = OrtDecoder.open(dir, OrtDecoder.Options.defaults())) {
            GenerationResult r = d.generate(Arrays.stream(prompt).mapToInt(Math::toIntExact).toArray(),
                    SamplingParams.greedy(CALL_TOKENS).withStopTokens(Set.of(2)), TokenCallback.NONE);
            return r.tokens().stream().mapToInt(Integer::intValue).toArray();
        }
    }

    private static Path export(Path work, Map<Integer, String> renamed) throws IOException {
        Path hf = Files.createDirectories(work.resolve("hf"));
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(TestModels.FIXTURES.resolve("llama-gqa").resolve(f), hf.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        TestTokenizer.write(hf.resolve("tokenizer.json"), renamed);
        var m = new com.fasterxml.jackson.databind.ObjectMapper();
        var config = m.createObjectNode().put("chat_template", Files.readString(TEMPLATE));
        config.put("bos_token", "<s>").put("eos_token", "</s>");
        m.writeValue(hf.resolve("tokenizer_config.json").toFile(), config);
        Path staging = work.resolve("staging");
        ArtifactWriter.writeFolder(hf, staging, ArtifactWriter.Options.defaults(false));
        Files.writeString(staging.resolve("report.json"), "{}");
        return staging;
    }
}
