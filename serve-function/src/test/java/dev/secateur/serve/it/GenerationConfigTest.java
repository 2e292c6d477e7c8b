package dev.secateur.serve.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.runtime.ModelLoadException;
import dev.secateur.runtime.SamplingParams;
import dev.secateur.serve.engine.Finish;
import dev.secateur.serve.engine.Generated;
import dev.secateur.serve.engine.LoadedModel;
import dev.secateur.serve.engine.OrtEngineFactory;
import dev.secateur.serve.engine.RuntimeOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * generation_config.json travels from the checkpoint into the export, and the served version stops at every
 * eos_token_id it lists, as Hugging Face's generate() and vLLM do (an instruct model's end of turn is often only
 * there). Real export, real ONNX Runtime, no Quarkus.
 */
class GenerationConfigTest {

    static final RuntimeOptions CPU = new RuntimeOptions(1, "basic", false);

    @TempDir
    Path tmp;

    @Test
    void generationStopsAtEveryEosTheGenerationConfigLists() throws IOException {
        List<Long> free = greedy(export(null), 8);
        assertEquals(8, free.size(), "the fixture runs to max_tokens without a generation_config: " + free);
        long stopAt = free.get(2);
        Path dir = export("{\"bos_token_id\": 1, \"eos_token_id\": [2, " + stopAt + "]}");
        assertTrue(Files.isRegularFile(dir.resolve("generation_config.json")), "the export carries generation_config.json");

        List<Long> out = new ArrayList<>();
        Generated g = generate(dir, 8, out);
        assertEquals(Finish.STOP, g.finish());
        assertEquals(free.subList(0, free.indexOf(stopAt)), out, "the tokens before the listed eos, which is not emitted");
    }

    @Test
    void aSingleIdIsAnEosToo() throws IOException {
        List<Long> free = greedy(export(null), 8);
        List<Long> out = new ArrayList<>();
        Generated g = generate(export("{\"eos_token_id\": " + free.get(0) + "}"), 8, out);
        assertEquals(Finish.STOP, g.finish());
        assertEquals(List.of(), out);
    }

    @Test
    void aBrokenGenerationConfigIsRefusedNamingTheFile() throws IOException {
        for (String broken : new String[] {"{\"eos_token_id\": [2, \"</s>\"]}", "{not json", "{\"eos_token_id\": -1}"}) {
            Path dir = export(broken);
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> new OrtEngineFactory().open(dir, CPU));
            assertTrue(e.getMessage().contains("generation_config.json"), e.getMessage());
        }
    }

    private List<Long> greedy(Path dir, int maxTokens) {
        List<Long> out = new ArrayList<>();
        generate(dir, maxTokens, out);
        return out;
    }

    private static Generated generate(Path dir, int maxTokens, List<Long> out) {
        try (LoadedModel m = new OrtEngineFactory().open(dir, CPU)) {
            // without stop tokens of its own, so only the engine's EOS set ends it early
            SamplingParams greedy = new SamplingParams(maxTokens, 0.0, 0, 1.0, 0, null, 0, 0, false, 0, java.util.Set.of(), java.util.Map.of());
            return m.asDecoder().orElseThrow().generator().generate(new long[] {1, 3, 4}, greedy, id -> out.add(id));
        }
    }

    private int exports;

    /** The llama-gqa fixture exported as the server reads it, with generation_config.json beside it when given. */
    private Path export(String generationConfig) throws IOException {
        Path hf = Files.createDirectories(tmp.resolve("hf" + exports));
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(TestModels.FIXTURES.resolve("llama-gqa").resolve(f), hf.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        TestTokenizer.write(hf.resolve("tokenizer.json"));
        if (generationConfig != null) {
            Files.writeString(hf.resolve("generation_config.json"), generationConfig);
        }
        Path staging = tmp.resolve("staging" + exports++);
        ArtifactWriter.writeFolder(hf, staging, ArtifactWriter.Options.defaults(false));
        return staging;
    }
}
