package dev.secateur.prune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.tokenizer.TextTokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seam: the same perplexity harness on the DJL model and on its ONNX export agrees. */
class OrtLanguageModelTest {

    @Test
    void onnxExportScoresLikeTheDjlModel(@TempDir Path out) {
        Path text = PerplexityTest.resource("text/words.txt");
        Perplexity ppl = new Perplexity(16, 0, 2);
        ArtifactWriter.writeFolder(Fixtures.dir("qwen2"), out, ArtifactWriter.Options.defaults(false));
        try (TextTokenizer tok = TextTokenizer.load(PerplexityTest.resource("fixtures/tokenizer.json"));
                DjlLanguageModel djl = new DjlLanguageModel(DecoderModel.load(Fixtures.dir("qwen2"), Device.cpu()));
                OrtLanguageModel ort = new OrtLanguageModel(OrtDecoder.open(out))) {
            Perplexity.Result a = ppl.evaluate(djl, tok, text);
            Perplexity.Result b = ppl.evaluate(ort, tok, text);
            assertEquals(a.tokens(), b.tokens());
            assertEquals(a.perplexity(), b.perplexity(), 1e-4 * a.perplexity());
            assertEquals("onnxruntime-cpu", ort.device());
        }
    }
}
