package dev.secateur.serve.engine;

import dev.secateur.runtime.Generator;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.runtime.Sampler;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@link Engine} over the shared {@link OrtDecoder}: one session, per-call generation state. */
public final class OrtEngine implements Engine {

    private final OrtDecoder decoder;
    private final long[] eos;

    public OrtEngine(OrtDecoder decoder) {
        this.decoder = decoder;
        Integer e = decoder.eosTokenId();
        this.eos = e == null ? new long[0] : new long[] {e};
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
     * Prefill, then one token per step on the shared session's per-request cache. The loop is ours rather
     * than OrtDecoder.generate's because OpenAI's API needs more per step: penalties on the logits, the top
     * alternatives' log-probabilities, and extra stop tokens.
     */
    @Override
    public Generated generate(long[] prompt, SamplingParams p, TokenSink sink) {
        if (prompt.length >= decoder.maxPositions()) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens does not fit the model's "
                    + decoder.maxPositions() + " positions");
        }
        Set<Long> stops = new HashSet<>(p.stopTokenIds());
        for (long e : eos) {
            stops.add(e);
        }
        Sampler sampler = new Sampler(dev.secateur.runtime.SamplingParams.sampled(p.maxTokens(), p.temperature(),
                p.topK(), p.topP(), p.seed()));
        Penalties penalties = new Penalties(p.presencePenalty(), p.frequencyPenalty());
        List<Float> lps = new ArrayList<>();
        if (p.maxTokens() == 0) {
            return result(Finish.LENGTH, lps);
        }
        try (Generator gen = decoder.generator()) {
            float[] logits = gen.feed(ints(prompt));
            while (true) {
                float[] scored = penalties.apply(logits);
                int token = sampler.next(scored);
                if (stops.contains((long) token)) {
                    return result(Finish.STOP, lps);
                }
                LogSoftmax dist = new LogSoftmax(scored);
                float lp = dist.at(token);
                lps.add(lp);
                Alternatives top = p.topLogprobs() > 0 ? dist.top(p.topLogprobs()) : null;
                penalties.generated(token);
                if (!sink.accept(token, lp, top)) {
                    return result(Finish.STOP, lps);
                }
                if (lps.size() >= p.maxTokens() || gen.length() >= decoder.maxPositions()) {
                    return result(Finish.LENGTH, lps);
                }
                logits = gen.feed(new int[] {token});
            }
        }
    }

    private static Generated result(Finish finish, List<Float> lps) {
        float[] out = new float[lps.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = lps.get(i);
        }
        return new Generated(finish, out);
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
        decoder.close();
    }
}
