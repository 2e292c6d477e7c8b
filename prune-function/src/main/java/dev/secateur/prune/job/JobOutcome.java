package dev.secateur.prune.job;

import dev.secateur.events.BeforeAfter;

import java.util.Map;

/**
 * @param summary  dense vs pruned numbers carried by the outcome event and checked by the quality gate
 * @param metadata extra manifest metadata (architecture, per-layer sizes, ...), strings only
 */
public record JobOutcome(BeforeAfter summary, Map<String, String> metadata) {

    public JobOutcome {
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }
}
