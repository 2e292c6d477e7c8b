package dev.secateur.events;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Enums whose JSON spelling (lower-case, dashes) differs from their Java names. */
interface JsonEnum {

    String json();

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
