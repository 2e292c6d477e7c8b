package dev.secateur.events;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;

/**
 * Strict typed reads from a JSON object, for request parsing. Jackson's data binding would quietly turn
 * "0.2" into 0.2 or 1.7 into 1; for requests that start expensive jobs we would rather say which field
 * has the wrong type. JSON null counts as absent.
 */
final class JsonFields {

    private final JsonNode object;
    private final String prefix;

    JsonFields(JsonNode object, String prefix) {
        this.object = object;
        this.prefix = prefix;
    }

    private JsonNode get(String name) {
        JsonNode v = object.get(name);
        return v == null || v.isNull() ? null : v;
    }

    private RequestValidationException wrongType(String name, String expected, JsonNode got) {
        return new RequestValidationException(prefix + name, "must be " + expected + ", got "
                + got.getNodeType().name().toLowerCase(Locale.ROOT) + " " + abbreviate(got.toString()));
    }

    String string(String name) {
        JsonNode v = get(name);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            throw wrongType(name, "a string", v);
        }
        return v.asText();
    }

    double number(String name, double dflt) {
        JsonNode v = get(name);
        if (v == null) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw wrongType(name, "a number", v);
        }
        return v.asDouble();
    }

    Double optionalNumber(String name) {
        JsonNode v = get(name);
        return v == null ? null : number(name, Double.NaN);
    }

    long integer(String name, long dflt, long min, long max) {
        JsonNode v = get(name);
        if (v == null) {
            return dflt;
        }
        // 32.0 is accepted as 32 (some JSON writers emit all numbers as floats); 32.5 is not.
        if (!v.isNumber() || !v.canConvertToExactIntegral()) {
            throw wrongType(name, "an integer", v);
        }
        if (!v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            throw new RequestValidationException(prefix + name, "is out of range [" + min + ", " + max + "]: " + v);
        }
        return v.asLong();
    }

    int integer(String name, int dflt) {
        return (int) integer(name, dflt, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    Integer optionalInteger(String name) {
        return get(name) == null ? null : integer(name, 0);
    }

    /** A file path as a string, or a stored dataset as {@code {"dataset": "name"}} (see {@link TextSource}). */
    String textSource(String name) {
        JsonNode v = get(name);
        if (v == null || v.isTextual()) {
            return v == null ? null : v.asText();
        }
        if (!v.isObject()) {
            throw wrongType(name, "a file path or {\"dataset\": name}", v);
        }
        String dataset = new JsonFields(v, prefix + name + ".").string("dataset");
        if (dataset == null) {
            throw new RequestValidationException(prefix + name + ".dataset", "is required in the object form");
        }
        return TextSource.ofDataset(dataset);
    }

    /** A JSON array of strings, or one string of comma-separated items; null when absent. */
    java.util.List<String> stringList(String name) {
        JsonNode v = get(name);
        if (v == null) {
            return null;
        }
        if (v.isTextual()) {
            String t = v.asText().trim();
            return t.isEmpty() ? java.util.List.of() : java.util.Arrays.stream(t.split(",", -1)).map(String::trim).toList();
        }
        if (!v.isArray()) {
            throw wrongType(name, "an array of strings", v);
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonNode item : v) {
            if (!item.isTextual()) {
                throw wrongType(name, "an array of strings", v);
            }
            out.add(item.asText());
        }
        return java.util.List.copyOf(out);
    }

    JsonFields object(String name) {
        JsonNode v = get(name);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            throw wrongType(name, "an object", v);
        }
        return new JsonFields(v, prefix + name + ".");
    }

    <E extends Enum<E> & JsonEnum> E enumValue(String name, Class<E> type, E dflt) {
        String s = string(name);
        return s == null ? dflt : JsonEnum.parse(type, prefix + name, s);
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
