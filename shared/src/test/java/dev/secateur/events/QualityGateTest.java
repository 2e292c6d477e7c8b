package dev.secateur.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

class QualityGateTest {

    private static BeforeAfter perplexities(Double before, Double after) {
        return new BeforeAfter(100, 70, 400, 280, before, after, before == null ? null : 128, null, Map.of());
    }

    @Test
    void passesAtAndBelowTheMaximumRatio() {
        QualityGate gate = new QualityGate(1.5);
        assertNull(gate.failure(perplexities(10.0, 15.0), true));
        assertNull(gate.failure(perplexities(10.0, 9.0), true));
    }

    @Test
    void failsAboveTheMaximumRatioAndSaysByHowMuch() {
        assertEquals("perplexity ratio 1.5100 exceeds the quality gate's maximum 1.5000",
                new QualityGate(1.5).failure(perplexities(10.0, 15.1), true));
    }

    @Test
    void anUnmeasuredPerplexityFailsAndNamesAMissingEvalText() {
        QualityGate gate = new QualityGate(1.2);
        assertEquals("quality gate maxPerplexityRatio 1.2 could not be checked: the job measured no perplexity"
                + " (the request names no eval text)", gate.failure(perplexities(null, null), false));
        assertEquals("quality gate maxPerplexityRatio 1.2 could not be checked: the job measured no perplexity",
                gate.failure(null, true));
    }

    @Test
    void aNaNPerplexityNeverPasses() {
        assertEquals("perplexity ratio NaN exceeds the quality gate's maximum 1.2000",
                new QualityGate(1.2).failure(perplexities(10.0, Double.NaN), true));
    }
}
