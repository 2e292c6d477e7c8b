package dev.secateur.serve.structured;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * What a JSON value may be, compiled from a JSON schema (or "any object" for JSON mode): the part of a schema that
 * constrained decoding enforces. Alternatives (anyOf, type lists, enum) are {@link Union}s; {@link Ref}s are resolved
 * when a value of them starts, so recursive schemas compile to a finite tree.
 */
sealed interface JsonShape {

    /** Any JSON value. */
    record AnyValue() implements JsonShape {
    }

    /** A string of minLength..maxLength characters (an escape counts as the one character it stands for). */
    record Text(int minLength, int maxLength) implements JsonShape {
        static final Text ANY = new Text(0, Integer.MAX_VALUE);
    }

    /** A number; integer: digits only, no fraction or exponent. */
    record Number(boolean integer) implements JsonShape {
    }

    record Bool() implements JsonShape {
    }

    record Null() implements JsonShape {
    }

    /** Exactly this JSON text (an enum member or a const, written compactly). */
    record Literal(byte[] text) implements JsonShape {
        static Literal of(String json) {
            return new Literal(json.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * An object. With properties, only they may appear (each at most once, in any order) and the required ones
     * must; with none, any keys, whose values are {@code additional} (null: no keys at all).
     */
    record Obj(List<Property> properties, long requiredMask, JsonShape additional) implements JsonShape {
        /** The "any object" of JSON mode. */
        static final Obj ANY = new Obj(List.of(), 0, new AnyValue());

        boolean hasProperties() {
            return !properties.isEmpty();
        }
    }

    /** @param key the name as it is written between the quotes (JSON-escaped) */
    record Property(String name, byte[] key, JsonShape shape) {
    }

    record Array(JsonShape items, int minItems, int maxItems) implements JsonShape {
    }

    record Union(List<JsonShape> options) implements JsonShape {
    }

    /** A $ref into the schema's definitions, looked up when a value of it starts. */
    record Ref(String name, Map<String, JsonShape> definitions) implements JsonShape {
        JsonShape target() {
            JsonShape s = definitions.get(name);
            if (s == null) {
                throw new IllegalStateException("unresolved $ref " + name);
            }
            return s;
        }

        @Override
        public String toString() {
            return "Ref[" + name + "]"; // the definitions may refer back to this
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Ref r && r.name.equals(name) && r.definitions == definitions;
        }

        @Override
        public int hashCode() {
            return name.hashCode();
        }
    }
}
