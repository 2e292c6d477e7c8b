package dev.secateur.serve.engine;

import dev.secateur.runtime.SamplingParams;
import dev.secateur.runtime.Generator;
import dev.secateur.runtime.OrtDecoder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@link TextGenerator} over the shared {@link OrtDecoder}: one session; per-request state, decoded alone or batched. */
public final class OrtEngine implements TextGenerator {

    private final OrtDecoder decoder;
    private final long[] eos;
    private final DecodeScheduler scheduler;

    /** Each request decodes on its own thread; it ends at the EOS the export recorded. */
    public OrtEngine(OrtDecoder decoder) {
        this(decoder, BatchingOptions.off(), null, Set.of());
    }

    /** @param moreEos end-of-sequence ids beside the one the export recorded (generation_config.json's) */
    public OrtEngine(OrtDecoder decoder, BatchingOptions batching, DecodeStats stats, Set<Long> moreEos) {
        this.decoder = decoder;
        this.scheduler = batching.enabled() ? new DecodeScheduler(decoder, batching, stats == null ? new DecodeStats() : stats)
                : null;
        Set<Long> ids = new LinkedHashSet<>();
        if (decoder.eosTokenId() != null) {
            ids.add((long) decoder.eosTokenId());
        }
        ids.addAll(moreEos);
        this.eos = ids.stream().mapToLong(Long::longValue).toArray();
    }

    @Override
    public String provider() {
        return OrtDecoder.CUDA.equals(decoder.provider()) ? "CUDA" : "CPU";
    }

    @Override
    public int vocabSize() {
        return decoder.vocabSize();
    }

    @Override
    public int maxPositions() {
        return decoder.maxPositions();
    }

    @Override
    public long[] eosIds() {
        return eos.clone();
    }

    @Override
    public Map<String, String> metadata() {
        return decoder.metadata();
    }

    @Override
    public float[][][] logits(long[][] ids) {
        return decoder.logits(ids);
    }

    /**
     * Prefill, then one token per step: batched with the other requests' steps when batching is on, else on this
     * thread with its own cache. The loop is ours rather than OrtDecoder.generate's because OpenAI's API needs more
     * per step: penalties on the logits, the top alternatives' log-probabilities, and extra stop tokens.
     */
    @Override
    public Generated generate(long[] prompt, SamplingParams p, TokenConstraint constraint, TokenSink sink) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt needs at least one token");
        }
        if (prompt.length >= decoder.maxPositions()) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens does not fit the model's "
                    + decoder.maxPositions() + " positions");
        }
        if (p.maxTokens() == 0) {
            return new Generated(Finish.LENGTH, new float[0]);
        }
        TokenPicker picker = new TokenPicker(p, eos, decoder.maxPositions(), constraint);
        return scheduler != null ? scheduler.generate(ints(prompt), picker, sink) : alone(ints(prompt), picker, sink);
    }

    @Override
    public boolean batches() {
        return scheduler != null;
    }

    private Generated alone(int[] prompt, TokenPicker picker, TokenSink sink) {
        List<Float> lps = new ArrayList<>();
        try (Generator gen = decoder.generator()) {
            float[] logits = gen.feed(prompt);
            while (true) {
                TokenPicker.Pick pick = picker.pick(logits, gen.length());
                if (pick.emits()) {
                    lps.add(pick.logprob());
                    if (!sink.accept(pick.token(), pick.logprob(), pick.top())) {
                        return Generated.of(Finish.STOP, lps);
                    }
                }
                if (pick.finish() != null) {
                    return Generated.of(pick.finish(), lps);
                }
                logits = gen.feed(new int[] {pick.token()});
            }
        }
    }

    private static int[] ints(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public void close() {
        try {
            if (scheduler != null) {
                scheduler.close();
            }
        } finally {
            decoder.close();
        }
    }
}
