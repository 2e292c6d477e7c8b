package dev.secateur.prune.plan;

import dev.secateur.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Which units of the dense model stay: per original layer, kept FFN neurons and KV groups/heads; dropped
 * layers by original index (their LayerPlan is kept for the record but not applied). Serialised as plan.json.
 *
 * @param settings how the plan was made (criterion, ratios, compensation, seed...), for the record
 */
public record PruningPlan(int numLayers, List<LayerPlan> layers, int[] droppedLayers, Map<String, String> settings) {

    public PruningPlan {
        layers = List.copyOf(layers);
        settings = Map.copyOf(settings);
        if (layers.size() != numLayers) {
            throw new IllegalArgumentException("plan has " + layers.size() + " layer entries for " + numLayers + " layers");
        }
    }

    public boolean dropped(int layer) {
        for (int d : droppedLayers) {
            if (d == layer) {
                return true;
            }
        }
        return false;
    }

    public String toJson() {
        try {
            return Json.keepingNulls().writerWithDefaultPrettyPrinter().writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static PruningPlan fromJson(String json) {
        try {
            return Json.mapper().readValue(json, PruningPlan.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a pruning plan: " + e.getMessage(), e);
        }
    }

    public void write(Path file) {
        try {
            Files.writeString(file, toJson());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write plan", e);
        }
    }

    public static PruningPlan read(Path file) {
        try {
            return fromJson(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read plan", e);
        }
    }
}
