package dev.secateur.events;

import com.fasterxml.jackson.annotation.JsonCreator;

/** How the removal budget is spread over layers. */
public enum Allocation implements JsonEnum {
    /** The same fraction of every layer. */
    UNIFORM,
    /** One ranking over per-layer normalised (z-scored) costs, with a floor of kept units per layer (FLAP style). */
    GLOBAL;

    @JsonCreator
    public static Allocation fromJson(String value) {
        return JsonEnum.parse(Allocation.class, "allocation", value);
    }
}
