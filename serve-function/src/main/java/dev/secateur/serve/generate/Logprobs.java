package dev.secateur.serve.generate;

import dev.secateur.serve.engine.TextCodec;
import dev.secateur.serve.model.ModelHandle;
import java.util.ArrayList;
import java.util.List;

/** Builds OpenAI's legacy logprobs block; echoed prompt tokens are scored with one full forward pass. */
final class Logprobs {

    private Logprobs() {
    }

    static TokenLogprobs of(ModelHandle model, long[] prompt, boolean echo, List<Long> generated, float[] lps,
                            int generatedTextLength, int echoLength) {
        TextCodec codec = model.model().codec();
        List<String> tokens = new ArrayList<>();
        List<Float> values = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        int offset = 0;
        if (echo) {
            float[] promptLps = promptLogprobs(model, prompt);
            for (int i = 0; i < prompt.length; i++) {
                String t = codec.decode(new long[] {prompt[i]});
                tokens.add(t);
                values.add(i == 0 ? null : promptLps[i]);
                offsets.add(Math.min(offset, echoLength));
                offset += t.length();
            }
            offset = echoLength;
        }
        int end = echoLength + generatedTextLength;
        for (int i = 0; i < generated.size(); i++) {
            String t = codec.decode(new long[] {generated.get(i)});
            tokens.add(t);
            values.add(i < lps.length ? lps[i] : null);
            offsets.add(Math.min(offset, end));
            offset += t.length();
        }
        return new TokenLogprobs(tokens, values, offsets);
    }

    private static float[] promptLogprobs(ModelHandle model, long[] prompt) {
        float[][] logits = model.model().engine().logits(new long[][] {prompt})[0];
        float[] out = new float[prompt.length];
        for (int i = 1; i < prompt.length; i++) {
            float[] row = logits[i - 1];
            double max = Double.NEGATIVE_INFINITY;
            for (float v : row) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (float v : row) {
                sum += Math.exp(v - max);
            }
            out[i] = (float) (row[(int) prompt[i]] - max - Math.log(sum));
        }
        return out;
    }
}
