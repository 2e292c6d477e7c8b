package dev.secateur.serve.model;

import dev.secateur.serve.engine.Embedder;
import dev.secateur.serve.engine.Engine;
import dev.secateur.serve.engine.LoadedModel;
import dev.secateur.serve.engine.TextCodec;
import dev.secateur.serve.engine.TextGenerator;
import dev.secateur.runtime.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks a freshly loaded version before it may replace the current one: sane metadata, the same
 * architecture and vocabulary as what is served (clients keep their token ids and prompts), finite
 * logits, and a short greedy generation. Encoders instead keep the served embedding width and must embed one
 * sentence to a finite unit vector; an encoder never replaces a decoder or the other way round.
 */
public final class VersionValidator {

    public static final String ARCHITECTURE = "secateur.architecture";
    static final String SMOKE_PROMPT = "Hello";
    static final int SMOKE_TOKENS = 2;
    static final String SMOKE_SENTENCE = "Hello world.";

    public void validate(LoadedModel candidate, ModelHandle current) throws InvalidVersionException {
        LoadedModel served = current == null ? null : current.model();
        if (served != null && served.isEncoder() != candidate.isEncoder()) {
            boolean servedEncoder = served.isEncoder();
            throw new InvalidVersionException((servedEncoder ? "a decoder" : "an encoder")
                    + " cannot replace the served " + (servedEncoder ? "encoder" : "decoder"));
        }
        Optional<Embedder> encoder = candidate.asEncoder();
        if (encoder.isPresent()) {
            validateEncoder(encoder.get(), served == null ? null : served.asEncoder().orElseThrow());
        } else {
            validateDecoder(candidate.asDecoder().orElseThrow(), served == null ? null : served.engine());
        }
    }

    private static void validateDecoder(LoadedModel.Decoder candidate, Engine served) throws InvalidVersionException {
        TextGenerator e = candidate.generator();
        List<String> problems = new ArrayList<>();
        if (e.vocabSize() <= 0) {
            problems.add("vocab size " + e.vocabSize());
        }
        if (e.maxPositions() < 2) {
            problems.add("max positions " + e.maxPositions());
        }
        checkArchitecture(e, served, problems);
        if (served != null && served.vocabSize() != e.vocabSize()) {
            problems.add("vocab size " + e.vocabSize() + " differs from served " + served.vocabSize());
        }
        if (!problems.isEmpty()) {
            throw new InvalidVersionException(String.join("; ", problems));
        }
        smokeTest(candidate.codec(), e);
    }

    /** Encoders: metadata, the served embedding width kept, and one finite unit-norm sentence embedding. */
    private static void validateEncoder(Embedder e, Embedder served) throws InvalidVersionException {
        List<String> problems = new ArrayList<>();
        if (e.maxPositions() < 2) {
            problems.add("max positions " + e.maxPositions());
        }
        if (e.dimensions() <= 0) {
            problems.add("embedding width " + e.dimensions());
        }
        checkArchitecture(e, served, problems);
        if (served != null && served.dimensions() != e.dimensions()) {
            problems.add("embedding width " + e.dimensions() + " differs from served " + served.dimensions());
        }
        if (!problems.isEmpty()) {
            throw new InvalidVersionException(String.join("; ", problems));
        }
        float[][] v = e.embed(List.of(SMOKE_SENTENCE)).vectors();
        if (v.length != 1 || v[0].length != e.dimensions()) {
            throw new InvalidVersionException("smoke embedding is not one vector of width " + e.dimensions());
        }
        double norm = 0;
        for (float x : v[0]) {
            if (!Float.isFinite(x)) {
                throw new InvalidVersionException("non-finite smoke embedding");
            }
            norm += (double) x * x;
        }
        if (Math.abs(Math.sqrt(norm) - 1) > 1e-3) {
            throw new InvalidVersionException("smoke embedding has norm " + Math.sqrt(norm) + ", not 1");
        }
    }

    /** The architecture must be recorded and, while a version is served, stay what it is. */
    private static void checkArchitecture(Engine e, Engine served, List<String> problems) {
        String arch = e.metadata().get(ARCHITECTURE);
        if (arch == null || arch.isBlank()) {
            problems.add("metadata " + ARCHITECTURE + " missing");
        }
        String servedArch = served == null ? null : served.metadata().get(ARCHITECTURE);
        if (servedArch != null && arch != null && !servedArch.equals(arch)) {
            problems.add("architecture " + arch + " differs from served " + servedArch);
        }
    }

    private static void smokeTest(TextCodec codec, TextGenerator e) throws InvalidVersionException {
        long[] ids = codec.encode(SMOKE_PROMPT);
        if (ids.length == 0) {
            ids = new long[] {0};
        }
        float[][][] logits = e.logits(new long[][] {ids});
        if (logits.length != 1 || logits[0].length != ids.length || logits[0][0].length != e.vocabSize()) {
            throw new InvalidVersionException("logits shape differs from [1, " + ids.length + ", " + e.vocabSize() + "]");
        }
        for (float[] row : logits[0]) {
            for (float v : row) {
                if (!Float.isFinite(v)) {
                    throw new InvalidVersionException("non-finite logits on the smoke prompt");
                }
            }
        }
        int[] produced = {0};
        e.generate(ids, SamplingParams.greedy(SMOKE_TOKENS), id -> {
            if (id < 0 || id >= e.vocabSize()) {
                throw new IllegalStateException("generated token id " + id + " outside the vocabulary");
            }
            produced[0]++;
            return true;
        });
        if (produced[0] == 0 && e.eosIds().length == 0) {
            throw new InvalidVersionException("smoke generation produced no token");
        }
    }
}
