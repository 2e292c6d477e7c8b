package dev.secateur.prune.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streaming engine prunes, evaluates and exports a model whose float32 weights are twice the JVM's heap. */
class LargerThanHeapTest {
    @TempDir
    Path tmp;

    @Test
    void prunesEvaluatesAndExportsAModelLargerThanTheHeap() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx250m", "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
                LargerThanHeapRun.class.getName(), tmp.toString(), PrunePipelineTest.resource("fixtures/tokenizer.json").toString(),
                PrunePipelineTest.resource("text/words.txt").toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES));
        String log = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), log);
        Matcher m = Pattern.compile("RESULT maxHeap=(\\d+) fp32WeightBytes=(\\d+) paramsBefore=(\\d+) paramsAfter=(\\d+) ffn0=(\\d+) "
                + "pplBefore=([\\d.]+) pplAfter=([\\d.]+) onnxParams=(\\d+)").matcher(log);
        assertTrue(m.find(), log);
        long heap = Long.parseLong(m.group(1)), weights = Long.parseLong(m.group(2));
        assertTrue(weights > 2 * heap, "the model's fp32 weights (" + weights + " B) must exceed twice the heap (" + heap + " B)");
        assertEquals(Math.round(0.8 * 2048), Integer.parseInt(m.group(5)), "20 % of 2048 FFN neurons removed");
        assertTrue(Long.parseLong(m.group(4)) < Long.parseLong(m.group(3)));
        assertEquals(Long.parseLong(m.group(4)), Long.parseLong(m.group(8)), "the ONNX export holds exactly the pruned parameters");
        for (String ppl : List.of(m.group(6), m.group(7))) {
            assertTrue(Double.isFinite(Double.parseDouble(ppl)) && Double.parseDouble(ppl) > 1, log);
        }
    }
}
