package dev.secateur.tools.bench;

import dev.secateur.runtime.Generator;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.runtime.Sampler;
import java.util.Arrays;

/** The summary figures the bench commands print. */
final class BenchFigures {

    private BenchFigures() {
    }

    /** The middle value (the upper one of the two for an even count). */
    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /** One timed request on a fresh cache: the prompt's prefill (ms), then greedy decode steps (ms per token). */
    record OrtTiming(double prefillMs, double decodeMsPerToken) {
        static OrtTiming of(OrtDecoder session, int[] prompt, int decode) {
            try (Generator g = session.generator()) {
                long p = System.nanoTime();
                float[] logits = g.feed(prompt);
                double prefill = (System.nanoTime() - p) / 1e6;
                long d = System.nanoTime();
                for (int i = 0; i < decode; i++) {
                    logits = g.feed(new int[] {Sampler.argmax(logits)});
                }
                return new OrtTiming(prefill, (System.nanoTime() - d) / 1e6 / decode);
            }
        }
    }

    static double round(double v, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(v * scale) / scale;
    }
}
