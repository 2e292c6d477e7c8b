package dev.secateur.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How the removal budget is spread: the same fraction in every layer, or one global ranking. */
public enum Allocation implements JsonEnum {
    UNIFORM("uniform"),
    GLOBAL("global");

    private final String json;

    Allocation(String json) {
        this.json = json;
    }

    @JsonValue
    @Override
    public String json() {
        return json;
    }

    @JsonCreator
    public static Allocation fromJson(String value) {
        return JsonEnum.parse(Allocation.class, "allocation", value);
    }
}
