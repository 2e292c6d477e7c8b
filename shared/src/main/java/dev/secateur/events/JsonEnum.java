package dev.secateur.events;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Enums whose JSON spelling is their Java name in lower case with dashes for underscores (MI_PAIRWISE is mi-pairwise). */
interface JsonEnum {

    String name();

    @JsonValue
    default String json() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static <E extends Enum<E> & JsonEnum> E parse(Class<E> type, String field, String value) {
        for (E e : type.getEnumConstants()) {
            if (e.json().equals(value)) {
                return e;
            }
        }
        throw new RequestValidationException(field, "unknown " + field + " '" + value + "'; expected one of "
                + Arrays.stream(type.getEnumConstants()).map(JsonEnum::json).collect(Collectors.joining(", ")));
    }
}
