package dev.secateur.events;

import com.fasterxml.jackson.annotation.JsonCreator;

/** What is done to the kept weights so the block output survives the removal without retraining. */
public enum Compensation implements JsonEnum {
    NONE,
    BIAS,
    LSQ;

    @JsonCreator
    public static Compensation fromJson(String value) {
        return JsonEnum.parse(Compensation.class, "compensation", value);
    }
}
