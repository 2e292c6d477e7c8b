package dev.secateur.prune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.model.CheckpointWriter;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.tokenizer.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train from scratch → HF folder; prune FFN neurons by slicing; recover lowers perplexity; bad inputs. */
class JobsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static TrainJob.Options options(Path text, Path out, Path valid, int heads, int kvHeads, int steps) {
        return new TrainJob.Options(text, out, valid, 32, 2, heads, kvHeads, 64, 120, 32, 8, steps, 1e-2, 1, 50, false,
                "cpu", false);
    }

    @Test
    void trainsPrunesAndRecovers(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("train.txt");
        Path valid = dir.resolve("valid.txt");
        Files.writeString(text, TinyModels.text(1500, 1));
        Files.writeString(valid, TinyModels.text(150, 2));
        Path model = dir.resolve("model");
        List<String> log = new ArrayList<>();
        TrainJob.Report r = TrainJob.run(options(text, model, valid, 4, 2, 120), log::add);
        assertTrue(log.stream().anyMatch(l -> l.startsWith("step 120/120")), String.join("\n", log));
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "train.json", "eval.json")) {
            assertTrue(Files.isRegularFile(model.resolve(f)), f);
        }
        JsonNode cfg = JSON.readTree(model.resolve("config.json").toFile());
        assertEquals("LlamaForCausalLM", cfg.path("architectures").get(0).asText());
        assertEquals(r.vocab(), cfg.path("vocab_size").asInt());
        JsonNode eval = JSON.readTree(model.resolve("eval.json").toFile());
        double ppl = eval.path("perplexity").asDouble();
        assertTrue(ppl > 1 && ppl < 12, "a regular text is learned: ppl " + ppl + " (vocab " + r.vocab() + ")");
        assertEquals(32, eval.path("seq_len").asInt());
        try (TextTokenizer tok = TextTokenizer.load(model)) {
            assertEquals("And the king blessed Jerusalem.\n", tok.decode(tok.encode("And the king blessed Jerusalem.\n")));
        }

        // Prune: keep every other FFN neuron in each layer (gate/up rows, down columns).
        DecoderWeights dense = DecoderWeights.load(model);
        List<LayerWeights> layers = new ArrayList<>();
        for (LayerWeights l : dense.layers()) {
            int[] keep = IntStream.range(0, l.ffnWidth()).filter(i -> i % 2 == 0).toArray();
            layers.add(l.withMlp(l.gate().selectRows(keep), null, l.up().selectRows(keep), null,
                    l.down().selectColumns(keep), null));
        }
        Path pruned = dir.resolve("pruned");
        CheckpointWriter.save(dense.withLayers(layers), pruned, model.resolve("tokenizer.json"));
        Files.writeString(pruned.resolve("report.json"), "{\"evaluation\": {\"pplBefore\": " + ppl + ", \"evalSeqLen\": 32}}");

        Path recovered = dir.resolve("recovered");
        RecoverJob.Report rec = RecoverJob.run(new RecoverJob.Options(pruned, text, valid, recovered, 60, 32, 8, 3e-3, 1, 0,
                false, "cpu"), log::add);
        assertTrue(rec.pplAfter() < rec.pplBefore(), "recovery lowers perplexity: " + rec.pplBefore() + " → " + rec.pplAfter());
        assertEquals(ppl, rec.pplBeforePruning(), 1e-9);
        JsonNode rj = JSON.readTree(recovered.resolve("recovery.json").toFile());
        assertEquals(rec.pplAfter(), rj.path("ppl_after_recovery").asDouble(), 1e-9);
        assertEquals(32, rj.path("layer_sizes").get(0).path("ffn").asInt());
        DecoderWeights back = DecoderWeights.load(recovered);
        assertEquals(32, back.layers().get(1).ffnWidth(), "per-layer sizes preserved");
        assertTrue(Files.isRegularFile(recovered.resolve("tokenizer.json")));
    }

    @Test
    void recoverWithoutEvalTextHoldsOutTheTail(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, TinyModels.text(600, 3));
        Path model = dir.resolve("m");
        TrainJob.run(options(text, model, null, 4, 4, 20), s -> { });
        assertTrue(Files.notExists(model.resolve("eval.json")));
        RecoverJob.Report rec = RecoverJob.run(new RecoverJob.Options(model, text, null, dir.resolve("r"), 5, 32, 4, 1e-3, 1, 0,
                false, "cpu"), s -> { });
        assertNull(rec.pplBeforePruning());
        assertTrue(rec.evalTokens() > 0);
    }

    @Test
    void badInputsFailClearly(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, TinyModels.text(50, 3));
        Path out = dir.resolve("out");
        assertMessage(() -> TrainJob.run(options(dir.resolve("missing.txt"), out, null, 4, 2, 1), s -> { }),
                "missing.txt: text file does not exist");
        assertMessage(() -> TrainJob.run(options(text, out, null, 5, 1, 1), s -> { }), "--heads 5 does not divide --hidden 32");
        assertMessage(() -> TrainJob.run(options(text, out, null, 4, 3, 1), s -> { }), "--kv-heads 3 does not divide --heads 4");
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "x");
        assertMessage(() -> TrainJob.run(options(text, blocker.resolve("out"), null, 4, 2, 1), s -> { }), "not writable");
        Files.createDirectories(out);
        Files.writeString(out.resolve("checkpoints"), "not a folder");
        assertMessage(() -> TrainJob.run(options(text, out, null, 4, 2, 1), s -> { }), "checkpoint folder is not writable");
        assertMessage(() -> RecoverJob.run(new RecoverJob.Options(dir.resolve("nomodel"), text, null, out, 1, 8, 1, 1e-3, 1, 0,
                false, "cpu"), s -> { }), "model folder does not exist");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable run, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, run);
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' should contain '" + expected + "'");
    }

}
