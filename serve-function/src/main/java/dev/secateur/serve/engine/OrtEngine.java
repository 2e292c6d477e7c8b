package dev.secateur.serve.engine;

import dev.secateur.runtime.GenerationResult;
import dev.secateur.runtime.OrtDecoder;
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

    @Override
    public Generated generate(long[] prompt, SamplingParams p, TokenSink sink) {
        int[] ids = new int[prompt.length];
        for (int i = 0; i < prompt.length; i++) {
            ids[i] = Math.toIntExact(prompt[i]);
        }
        Set<Integer> stops = eos.length == 0 ? Set.of() : Set.of((int) eos[0]);
        var params = new dev.secateur.runtime.SamplingParams(p.maxTokens(), p.temperature(), p.topK(), p.topP(),
                p.seed(), stops);
        GenerationResult r = decoder.generate(ids, params, sink::accept);
        float[] lps = new float[r.logprobs().size()];
        for (int i = 0; i < lps.length; i++) {
            lps[i] = r.logprobs().get(i).floatValue();
        }
        return new Generated(GenerationResult.LENGTH.equals(r.finishReason()) ? Finish.LENGTH : Finish.STOP, lps);
    }

    @Override
    public void close() {
        decoder.close();
    }
}
