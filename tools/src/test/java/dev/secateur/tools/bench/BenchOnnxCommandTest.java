package dev.secateur.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.tools.ToolRun;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchOnnxCommandTest {

    @Test
    void timesAFolderAloneAndBesideAMemoryNeighbour(@TempDir Path out) throws Exception {
        ArtifactWriter.writeFolder(Path.of(ToolRun.resource("fixtures/llama-gqa")), out, ArtifactWriter.Options.defaults(false));
        ToolRun r = ToolRun.of("bench-onnx", "--model", out.toString(), "--prompt", "4", "--decode", "3",
                "--repeats", "2", "--intra-op-threads", "1", "--spin-wait", "false", "--neighbour-mb", "8");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = r.jsonLine();
        assertEquals(1, j.get("intraOpThreads").asInt());
        assertEquals(8, j.get("neighbourMb").asInt());
        for (String f : new String[] {"ortPrefillMs", "ortDecodeMsPerToken", "ortPrefillMsBesideNeighbour", "ortDecodeMsPerTokenBesideNeighbour"}) {
            assertTrue(j.get(f).asDouble() > 0, f + " in " + j);
        }
        ToolRun bad = ToolRun.of("bench-onnx", "--model", out.toString(), "--neighbour-mb", "-1");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains("--neighbour-mb"), bad.err());
    }
}
