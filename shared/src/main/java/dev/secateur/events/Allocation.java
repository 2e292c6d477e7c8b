package dev.secateur.events;

import com.fasterxml.jackson.annotation.JsonCreator;

/** How the removal budget is spread: the same fraction in every layer, or one global ranking. */
public enum Allocation implements JsonEnum {
    UNIFORM,
    GLOBAL;

    @JsonCreator
    public static Allocation fromJson(String value) {
        return JsonEnum.parse(Allocation.class, "allocation", value);
    }
}
