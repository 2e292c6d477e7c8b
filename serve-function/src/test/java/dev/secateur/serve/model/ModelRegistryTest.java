package dev.secateur.serve.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.engine.TextGenerator;
import dev.secateur.serve.engine.Finish;
import dev.secateur.serve.engine.Generated;
import dev.secateur.serve.engine.LoadedModel;
import dev.secateur.serve.engine.RuntimeOptions;
import dev.secateur.runtime.SamplingParams;
import dev.secateur.serve.engine.TextCodec;
import dev.secateur.serve.engine.TokenConstraint;
import dev.secateur.serve.engine.TokenSink;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Swap semantics of the core with an in-memory engine (the end-to-end tests use ONNX Runtime). */
class ModelRegistryTest {

    static final class Closable implements TextGenerator, TextCodec {
        final int version;
        volatile boolean closed;
        final String arch;

        Closable(int version, String arch) {
            this.version = version;
            this.arch = arch;
        }

        public String provider() { return "CPU"; }
        public int vocabSize() { return 10; }
        public int maxPositions() { return 32; }
        public long[] eosIds() { return new long[0]; }
        public Map<String, String> metadata() { return Map.of("secateur.architecture", arch); }
        public float[][][] logits(long[][] ids) { return new float[ids.length][ids[0].length][10]; }
        public Generated generate(long[] prompt, SamplingParams p, TokenConstraint constraint, TokenSink sink) {
            for (int i = 0; i < p.maxTokens(); i++) {
                if (!sink.accept(version)) {
                    return new Generated(Finish.STOP, new float[0]);
                }
            }
            return new Generated(Finish.LENGTH, new float[0]);
        }
        public long[] encode(String text) { return new long[] {1, 2}; }
        public long[] encodePrompt(String text) { return encode(text); }
        public String decode(long[] ids) { return "x"; }
        public dev.secateur.tokenizer.TokenBytes tokenBytes() { return new dev.secateur.tokenizer.TokenBytes(new byte[10][]); }
        public void close() { closed = true; }
    }

    final Map<Integer, Closable> engines = new ConcurrentHashMap<>();
    final Set<Integer> broken = ConcurrentHashMap.newKeySet();
    final Map<Integer, String> arch = new HashMap<>();
    int latest = 1;

    ModelRegistry registry() {
        VersionSource source = new VersionSource() {
            public OptionalInt latest(String name) { return OptionalInt.of(latest); }
            public Path verified(String name, int version) { return Path.of(Integer.toString(version)); }
            public Optional<JsonNode> report(String name, int version) { return Optional.empty(); }
        };
        return new ModelRegistry("m", new ModelLoader(source, (dir, o) -> {
            int v = Integer.parseInt(dir.toString());
            if (broken.contains(v)) {
                throw new IllegalStateException("corrupt model.onnx");
            }
            Closable c = new Closable(v, arch.getOrDefault(v, "LlamaForCausalLM"));
            engines.put(v, c);
            return new LoadedModel.Decoder(c, c, null);
        }, new RuntimeOptions(0, "all", false), new VersionValidator()), SwapListener.NONE);
    }

    @Test
    void inFlightRequestKeepsTheOldVersionOpenUntilItEnds() {
        ModelRegistry r = registry();
        assertTrue(r.scan("startup"));
        ModelLease inFlight = r.acquire();
        latest = 2;
        assertTrue(r.scan("scan"));
        assertEquals(1, inFlight.handle().version());
        assertFalse(engines.get(1).closed, "closed under a running request");
        try (ModelLease next = r.acquire()) {
            assertEquals(2, next.handle().version());
        }
        inFlight.close();
        assertTrue(engines.get(1).closed, "drained version must close");
        assertFalse(engines.get(2).closed);
    }

    @Test
    void brokenOrIncompatibleVersionLeavesTheCurrentOneServing() {
        ModelRegistry r = registry();
        r.scan("startup");
        broken.add(2);
        latest = 2;
        assertFalse(r.scan("scan"));
        assertEquals(2, r.lastError().orElseThrow().version());
        arch.put(3, "GPT2LMHeadModel");
        assertFalse(r.offer(3, "event"));
        assertTrue(r.lastError().orElseThrow().message().contains("architecture"));
        assertTrue(engines.get(3).closed, "a refused version is closed at once");
        assertEquals(1, r.current().orElseThrow().version());
        assertFalse(r.offer(2, "replayed event"), "older announcements are ignored");
    }

    @Test
    void rollbackReturnsToThePreviousVersionAndThenHasNoneLeft() {
        ModelRegistry r = registry();
        r.scan("startup");
        latest = 2;
        r.scan("scan");
        assertEquals(1, r.rollback().version());
        assertEquals(1, r.current().orElseThrow().version());
        assertFalse(r.scan("scan"), "a rolled-back version is not re-adopted by the next scan");
        assertThrows(IllegalStateException.class, r::rollback);
    }

    @Test
    void notReadyBeforeTheFirstLoad() {
        ModelRegistry r = registry();
        assertThrows(ModelNotReadyException.class, r::acquire);
    }
}
