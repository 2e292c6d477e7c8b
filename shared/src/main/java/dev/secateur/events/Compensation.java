package dev.secateur.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What is done to the kept weights so the block output survives the removal without retraining. */
public enum Compensation implements JsonEnum {
    NONE("none"),
    BIAS("bias"),
    LSQ("lsq");

    private final String json;

    Compensation(String json) {
        this.json = json;
    }

    @JsonValue
    @Override
    public String json() {
        return json;
    }

    @JsonCreator
    public static Compensation fromJson(String value) {
        return JsonEnum.parse(Compensation.class, "compensation", value);
    }
}
