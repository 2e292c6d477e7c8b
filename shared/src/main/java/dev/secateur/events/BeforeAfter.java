package dev.secateur.events;

import java.util.Map;

/**
 * The dense-vs-pruned comparison every outcome carries, so a consumer can judge the result without
 * opening report.json.
 *
 * @param pplBefore  null when no eval text was given
 * @param evalSeqLen the window perplexity was measured at; perplexities at different lengths do not compare
 * @param agreement  fraction of eval positions where dense and pruned agree on the top-1 next token
 * @param timings    phase name to seconds
 */
public record BeforeAfter(
        long paramsBefore,
        long paramsAfter,
        long bytesBefore,
        long bytesAfter,
        Double pplBefore,
        Double pplAfter,
        Integer evalSeqLen,
        Double agreement,
        Map<String, Double> timings) {

    public BeforeAfter {
        timings = timings == null ? Map.of() : Map.copyOf(timings);
    }

    /** pruned/dense perplexity, what {@link QualityGate#maxPerplexityRatio()} is compared with; null if not evaluated. */
    public Double perplexityRatio() {
        return pplBefore == null || pplAfter == null || pplBefore == 0 ? null : pplAfter / pplBefore;
    }
}
