package dev.secateur.events;

import com.fasterxml.jackson.annotation.JsonCreator;

/** How the removal budget is spread over layers. */
public enum Allocation implements JsonEnum {
    /** The same fraction of every layer. */
    UNIFORM,
    /** One ranking over per-layer normalised (z-scored) costs, with a floor of kept units per layer (FLAP style). */
    GLOBAL,
    /**
     * One ranking over the criterion's own costs, not normalised per layer, with the same floor: for mi, whose cost
     * of a unit is the output error a least-squares refit of the layer cannot recover, in the residual stream's units
     * whichever the layer, so a layer whose whole FFN matters little gives up more of it.
     */
    GLOBAL_ERROR;

    /** Whether one ranking spans all layers (the budget is the model's, not each layer's). */
    public boolean global() {
        return this != UNIFORM;
    }

    @JsonCreator
    public static Allocation fromJson(String value) {
        return JsonEnum.parse(Allocation.class, "allocation", value);
    }
}
