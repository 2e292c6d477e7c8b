package dev.secateur.tools.bench;

import dev.secateur.runtime.OrtDecoder;
import java.util.Random;
import picocli.CommandLine.Option;

/** What the ONNX Runtime timings of bench-export and bench-onnx time: one prompt's prefill, then greedy decode steps. */
final class OrtTimingOptions {
    @Option(names = "--prompt", defaultValue = "128", description = "prefill tokens (default: ${DEFAULT-VALUE})")
    int prompt;

    @Option(names = "--decode", defaultValue = "32", description = "decoded tokens, one at a time (default: ${DEFAULT-VALUE})")
    int decode;

    /** The same seeded prompt for every variant and folder of a run, so that their timings compare. */
    int[] promptIds(int vocab) {
        return new Random(7).ints(prompt, 0, vocab).toArray();
    }

    BenchFigures.OrtTiming time(OrtDecoder session, int[] ids) {
        return BenchFigures.OrtTiming.of(session, ids, decode);
    }
}
