package dev.secateur.prune.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.DType;
import dev.secateur.checkpoint.SafetensorsReader;
import dev.secateur.checkpoint.SafetensorsWriter;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.events.Allocation;
import dev.secateur.json.Json;
import dev.secateur.testsupport.Fixtures;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged checkpoint or a failing disk stops the streaming engine with an error naming the file and tensor, and
 * leaves nothing behind: no output folder, no partial folder, and an earlier output of the same name untouched.
 */
class StreamingBadInputTest {
    static final String SHARD2 = "model-00002-of-00002.safetensors";

    @TempDir
    Path tmp;

    Path copyOfShardedFixture() throws IOException {
        Path src = Fixtures.dir("llama-sharded"), dst = tmp.resolve("model");
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        Files.copy(PrunePipelineTest.resource("fixtures/tokenizer.json"), dst.resolve("tokenizer.json"));
        return dst;
    }

    PruneOptions options(Path model, Path out) {
        Path words = PrunePipelineTest.resource("text/words.txt");
        return PruneOptions.builder(model, words, out).tokenizer(PrunePipelineTest.resource("fixtures/tokenizer.json")).samples(4).seqLen(16)
                .device("cpu").criterion("wanda-sp").ratios(0.25, null, null).allocation(Allocation.UNIFORM).compensation("lsq").miTokens(64)
                .maxTokens(64).batchSize(2).calibrationMode(CalibrationMode.SEQUENTIAL).evalText(words).evalSeqLen(16).evalMaxTokens(64).build();
    }

    void assertNothingLeft(Path out) {
        assertFalse(Files.exists(out), out + " must not exist");
        assertFalse(Files.exists(out.resolveSibling(out.getFileName() + ".partial")), "no partial output");
    }

    @Test
    void aTruncatedShardNamesTheFileAndTensor() throws IOException {
        Path model = copyOfShardedFixture();
        try (RandomAccessFile f = new RandomAccessFile(model.resolve(SHARD2).toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        Path out = tmp.resolve("out");
        CheckpointException e = assertThrows(CheckpointException.class, () -> PrunePipeline.run(options(model, out), ProgressListener.NONE));
        assertTrue(e.getMessage().contains(SHARD2) && e.getMessage().contains("tensor '") && e.getMessage().contains("truncated"), e.getMessage());
        assertNothingLeft(out);
    }

    @Test
    void aTensorMissingFromTheIndexFailsAtItsBlockAndLeavesNothing() throws IOException {
        Path model = copyOfShardedFixture();
        ObjectNode index = (ObjectNode) Json.mapper().readTree(model.resolve("model.safetensors.index.json").toFile());
        ((ObjectNode) index.get("weight_map")).remove("model.layers.1.mlp.down_proj.weight");
        Files.write(model.resolve("model.safetensors.index.json"), Json.toBytes(index));
        Path out = tmp.resolve("out");
        CheckpointException e = assertThrows(CheckpointException.class, () -> PrunePipeline.run(options(model, out), ProgressListener.NONE));
        assertTrue(e.getMessage().contains("model.layers.1.mlp.down_proj.weight") && e.getMessage().contains("missing"), e.getMessage());
        assertNothingLeft(out);
    }

    @Test
    void aShapeThatContradictsTheConfigNamesTheTensorAndKeepsTheEarlierOutput() throws IOException {
        Path model = copyOfShardedFixture();
        Path out = tmp.resolve("out");
        PrunePipeline.run(options(model, out), ProgressListener.NONE);
        byte[] earlierPlan = Files.readAllBytes(out.resolve("plan.json"));

        // layer 1's down projection loses a column: its [hidden, ffn] no longer matches up_proj's ffn rows
        String name = "model.layers.1.mlp.down_proj.weight";
        Path shard = null;
        for (String s : new String[] {"model-00001-of-00002.safetensors", SHARD2}) {
            try (SafetensorsReader r = SafetensorsReader.open(model.resolve(s))) {
                if (r.contains(name)) {
                    shard = model.resolve(s);
                }
            }
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (SafetensorsReader r = SafetensorsReader.open(shard)) {
            for (String n : r.entries().keySet()) {
                Tensor t = r.read(n);
                if (n.equals(name)) {
                    int[] cols = java.util.stream.IntStream.range(0, t.dim(1) - 1).toArray();
                    t = t.selectColumns(cols);
                }
                tensors.put(n, t);
            }
        }
        SafetensorsWriter.write(shard, tensors, DType.F32, Map.of());
        CheckpointException e = assertThrows(CheckpointException.class, () -> PrunePipeline.run(options(model, out), ProgressListener.NONE));
        assertTrue(e.getMessage().contains(name) && e.getMessage().contains("config.json implies"), e.getMessage());
        assertFalse(Files.exists(out.resolveSibling("out.partial")));
        assertEquals(new String(earlierPlan), Files.readString(out.resolve("plan.json")), "the earlier output is untouched");
    }

    @Test
    void aWriteThatFailsPartWayLeavesNothing() {
        Path out = tmp.resolve("out");
        Path stage = tmp.resolve("out.partial");
        // after block 0 is written the disk "fails": the staging folder becomes a plain file, so the next shard cannot be created
        ProgressListener failingDisk = (stage0, fraction, message) -> {
            if (stage0.equals("prune") && message.startsWith("layer 0")) {
                try {
                    dev.secateur.store.AtomicFiles.deleteRecursively(stage);
                    Files.writeString(stage, "not a folder");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> PrunePipeline.run(options(Fixtures.dir("llama-gqa"), out), failingDisk));
        assertTrue(e.getMessage().contains("model-00003-of-00004.safetensors") && e.getMessage().contains("cannot write"), e.getMessage());
        assertNothingLeft(out);
    }
}
