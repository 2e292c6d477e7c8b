package dev.secateur.serve.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.serve.structured.OutputFormat;
import dev.secateur.tokenizer.TokenBytes;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assumptions;

/**
 * What structured output costs per decoding step: one vocabulary mask (what sampling pays every step, and greedy only
 * when none of its best tokens is allowed) in the states an answer passes through, against a plain copy of the logits.
 * The vocabulary is the demo model's 4,096 byte-level tokens and one of 151,936 (Qwen's size) made by joining two or
 * three of them, so the byte statistics are real text's. Prints figures; asserts nothing about time.
 *
 * <p>Run: mvn -B -pl serve-function -am test -Dtest=StructuredOutputBenchmarkTest -Dsecateur.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false
 */
class StructuredOutputBenchmarkTest {

    static final String SCHEMA = """
            {"type":"object","additionalProperties":false,"required":["title","year","tags"],
             "properties":{"title":{"type":"string"},"year":{"type":"integer"},
               "tags":{"type":"array","items":{"enum":["law","poetry","history"]}}}}""";
    static final String[] STATES = {"", "{\"tit", "{\"title\":", "{\"title\":\"In the beginning God", "{\"title\":\"x\",\"year\":19",
        "{\"title\":\"x\",\"year\":1,\"tags\":[\"po"};

    @Test
    void maskTimePerStep() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("secateur.bench"), "a benchmark: -Dsecateur.bench=true");
        TokenBytes demo = TokenBytes.read(Path.of("../models/kjv-llama/tokenizer.json"));
        for (TokenBytes vocab : new TokenBytes[] {demo, joined(demo, 151_936)}) {
            OutputFormat schema = OutputFormat.jsonSchema(new ObjectMapper().readTree(SCHEMA), "schema");
            System.out.printf("vocabulary %,d tokens%n", vocab.size());
            System.out.printf("  %-42s %12s %9s%n", "state (text so far)", "mask ms/step", "allowed");
            float[] logits = new float[vocab.size()];
            long copy = time(() -> logits.clone(), 200);
            System.out.printf("  %-42s %12.3f%n", "(copy of the logits, for scale)", copy / 1e6);
            for (String state : STATES) {
                TokenConstraint c = schema.constraint(vocab);
                for (byte b : state.getBytes(StandardCharsets.UTF_8)) {
                    c.accept(b & 0xFF);
                }
                long ns = time(() -> c.mask(logits.clone(), Set.of()), 30);
                float[] m = logits.clone();
                c.mask(m, Set.of());
                int allowed = 0;
                for (float v : m) {
                    allowed += v == 0f ? 1 : 0;
                }
                System.out.printf("  %-42s %12.3f %9d%n", "'" + state + "'", ns / 1e6, allowed);
            }
        }
    }

    /** Median nanoseconds of {@code runs} runs after as many warm-up runs. */
    private static long time(Runnable r, int runs) {
        long[] t = new long[runs];
        for (int i = 0; i < 2 * runs; i++) {
            long t0 = System.nanoTime();
            r.run();
            if (i >= runs) {
                t[i - runs] = System.nanoTime() - t0;
            }
        }
        java.util.Arrays.sort(t);
        return t[runs / 2];
    }

    /** The first 256 ids stay single bytes (a byte-level vocabulary has them); the rest join 2-3 demo tokens. */
    private static TokenBytes joined(TokenBytes base, int size) {
        Random random = new Random(1);
        byte[][] out = new byte[size][];
        for (int i = 0; i < size; i++) {
            if (i < 256) {
                out[i] = base.of(i);
                continue;
            }
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int parts = 2 + random.nextInt(2);
            while (parts > 0) {
                byte[] p = base.of(256 + random.nextInt(base.size() - 257));
                if (p != null) {
                    b.writeBytes(p);
                    parts--;
                }
            }
            out[i] = b.toByteArray();
        }
        return new TokenBytes(out);
    }
}
