package dev.secateur.serve.structured;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.json.Json;
import dev.secateur.serve.generate.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a request's JSON schema to the {@link JsonShape} that decoding enforces. What it enforces: type (one or a
 * list), enum, const, anyOf / oneOf (as alternatives; oneOf's exclusivity is not checked), a one-element allOf,
 * $ref to #, #/$defs/… or #/definitions/…, properties / required / additionalProperties, items, minItems / maxItems,
 * minLength / maxLength, nullable. Keywords that only describe (title, description, default, examples, $schema) and
 * value checks it does not make (format, pattern, minimum, maximum, multipleOf, uniqueItems) are accepted and not
 * enforced; keywords whose meaning it cannot keep (not, if/then/else, prefixItems, patternProperties, a larger
 * allOf) are refused naming the field, so a client is never told a constraint holds that decoding ignored.
 */
final class SchemaCompiler {

    static final int MAX_PROPERTIES = 64;
    private static final int MAX_DEPTH = 64;
    private static final Set<String> REFUSED = Set.of("not", "if", "then", "else", "prefixItems", "patternProperties",
            "dependentRequired", "dependentSchemas", "unevaluatedProperties", "unevaluatedItems", "contains",
            "propertyNames");

    private final String field;
    private final Map<String, JsonShape> definitions = new HashMap<>();
    private final Set<String> referenced = new HashSet<>();

    private SchemaCompiler(String field) {
        this.field = field;
    }

    /** @param field the request field holding the schema, named in errors */
    static JsonShape compile(JsonNode schema, String field) {
        SchemaCompiler c = new SchemaCompiler(field);
        if (schema.isObject()) {
            for (String defs : List.of("$defs", "definitions")) {
                JsonNode d = schema.path(defs);
                if (d.isObject()) {
                    Iterator<Map.Entry<String, JsonNode>> it = d.fields();
                    while (it.hasNext()) {
                        Map.Entry<String, JsonNode> e = it.next();
                        c.definitions.put(e.getKey(), c.shape(e.getValue(), field + "." + defs + "." + e.getKey(), 0));
                    }
                }
            }
        }
        JsonShape root = c.shape(schema, field, 0);
        c.definitions.put("#", root);
        for (String name : c.referenced) {
            if (!c.definitions.containsKey(name)) {
                throw new InvalidRequestException("$ref to " + name + " names no definition in the schema", field);
            }
        }
        return root;
    }

    private JsonShape shape(JsonNode s, String at, int depth) {
        if (depth > MAX_DEPTH) {
            throw new InvalidRequestException("the schema nests deeper than " + MAX_DEPTH + " levels", at);
        }
        if (s.isBoolean()) {
            if (s.asBoolean()) {
                return new JsonShape.AnyValue();
            }
            throw new InvalidRequestException("schema false admits no value", at);
        }
        if (!s.isObject()) {
            throw new InvalidRequestException("a schema must be an object", at);
        }
        for (String k : REFUSED) {
            if (s.has(k)) {
                throw new InvalidRequestException("schema keyword " + k + " is not supported by this server's constrained "
                        + "decoding", at + "." + k);
            }
        }
        JsonShape shape = core(s, at, depth);
        if (s.path("nullable").asBoolean(false)) {
            return new JsonShape.Union(List.of(shape, new JsonShape.Null()));
        }
        return shape;
    }

    private JsonShape core(JsonNode s, String at, int depth) {
        if (s.has("$ref")) {
            return ref(s.path("$ref").asText(), at + ".$ref");
        }
        if (s.has("allOf")) {
            JsonNode all = s.path("allOf");
            if (!all.isArray() || all.size() != 1) {
                throw new InvalidRequestException("allOf is supported with one schema only", at + ".allOf");
            }
            return shape(all.get(0), at + ".allOf[0]", depth + 1);
        }
        for (String key : List.of("anyOf", "oneOf")) {
            if (s.has(key)) {
                JsonNode options = s.path(key);
                if (!options.isArray() || options.isEmpty()) {
                    throw new InvalidRequestException(key + " must be a non-empty array of schemas", at + "." + key);
                }
                List<JsonShape> out = new ArrayList<>();
                for (int i = 0; i < options.size(); i++) {
                    out.add(shape(options.get(i), at + "." + key + "[" + i + "]", depth + 1));
                }
                return out.size() == 1 ? out.get(0) : new JsonShape.Union(out);
            }
        }
        if (s.has("const")) {
            return literal(s.path("const"));
        }
        if (s.has("enum")) {
            JsonNode values = s.path("enum");
            if (!values.isArray() || values.isEmpty()) {
                throw new InvalidRequestException("enum must be a non-empty array", at + ".enum");
            }
            List<JsonShape> out = new ArrayList<>();
            values.forEach(v -> out.add(literal(v)));
            return out.size() == 1 ? out.get(0) : new JsonShape.Union(out);
        }
        JsonNode type = s.path("type");
        if (type.isArray()) {
            if (type.isEmpty()) {
                throw new InvalidRequestException("type must name at least one type", at + ".type");
            }
            List<JsonShape> out = new ArrayList<>();
            for (JsonNode t : type) {
                out.add(typed(t.asText(), s, at, depth));
            }
            return out.size() == 1 ? out.get(0) : new JsonShape.Union(out);
        }
        if (type.isTextual()) {
            return typed(type.asText(), s, at, depth);
        }
        if (!type.isMissingNode()) {
            throw new InvalidRequestException("type must be a string or an array of strings", at + ".type");
        }
        if (s.has("properties") || s.has("additionalProperties") || s.has("required")) {
            return object(s, at, depth);
        }
        if (s.has("items")) {
            return array(s, at, depth);
        }
        return new JsonShape.AnyValue();
    }

    private JsonShape typed(String type, JsonNode s, String at, int depth) {
        return switch (type) {
            case "string" -> new JsonShape.Text(count(s, "minLength", 0, at), count(s, "maxLength", Integer.MAX_VALUE, at));
            case "integer" -> new JsonShape.Number(true);
            case "number" -> new JsonShape.Number(false);
            case "boolean" -> new JsonShape.Bool();
            case "null" -> new JsonShape.Null();
            case "object" -> object(s, at, depth);
            case "array" -> array(s, at, depth);
            default -> throw new InvalidRequestException("unknown type " + type, at + ".type");
        };
    }

    private JsonShape object(JsonNode s, String at, int depth) {
        JsonNode props = s.path("properties");
        List<JsonShape.Property> properties = new ArrayList<>();
        if (!props.isMissingNode()) {
            if (!props.isObject()) {
                throw new InvalidRequestException("properties must be an object", at + ".properties");
            }
            if (props.size() > MAX_PROPERTIES) {
                throw new InvalidRequestException("at most " + MAX_PROPERTIES + " properties per object", at + ".properties");
            }
            Iterator<Map.Entry<String, JsonNode>> it = props.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                properties.add(new JsonShape.Property(e.getKey(), escaped(e.getKey()),
                        shape(e.getValue(), at + ".properties." + e.getKey(), depth + 1)));
            }
        }
        long required = 0;
        JsonNode req = s.path("required");
        if (!req.isMissingNode()) {
            if (!req.isArray()) {
                throw new InvalidRequestException("required must be an array of property names", at + ".required");
            }
            for (JsonNode r : req) {
                int i = indexOf(properties, r.asText());
                if (i < 0) {
                    throw new InvalidRequestException("required property " + r.asText() + " is not among properties "
                            + "(only declared properties are generated)", at + ".required");
                }
                required |= 1L << i;
            }
        }
        JsonNode extra = s.path("additionalProperties");
        JsonShape additional;
        if (!properties.isEmpty()) {
            additional = null; // documented: with declared properties only they are written
        } else if (extra.isMissingNode() || (extra.isBoolean() && extra.asBoolean())) {
            additional = new JsonShape.AnyValue();
        } else if (extra.isBoolean()) {
            additional = null;
        } else {
            additional = shape(extra, at + ".additionalProperties", depth + 1);
        }
        return new JsonShape.Obj(List.copyOf(properties), required, additional);
    }

    private JsonShape array(JsonNode s, String at, int depth) {
        JsonNode items = s.path("items");
        JsonShape item = items.isMissingNode() ? new JsonShape.AnyValue() : shape(items, at + ".items", depth + 1);
        int min = count(s, "minItems", 0, at), max = count(s, "maxItems", Integer.MAX_VALUE, at);
        if (min > max) {
            throw new InvalidRequestException("minItems is larger than maxItems", at + ".minItems");
        }
        return new JsonShape.Array(item, min, max);
    }

    private static int count(JsonNode s, String key, int absent, String at) {
        JsonNode v = s.path(key);
        if (v.isMissingNode()) {
            return absent;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0) {
            throw new InvalidRequestException(key + " must be a non-negative integer", at + "." + key);
        }
        return v.asInt();
    }

    private JsonShape ref(String ref, String at) {
        String name;
        if ("#".equals(ref)) {
            name = "#";
        } else if (ref.startsWith("#/$defs/")) {
            name = ref.substring("#/$defs/".length());
        } else if (ref.startsWith("#/definitions/")) {
            name = ref.substring("#/definitions/".length());
        } else {
            throw new InvalidRequestException("$ref " + ref + " is not supported: only #, #/$defs/… and #/definitions/…", at);
        }
        referenced.add(name);
        return new JsonShape.Ref(name, definitions);
    }

    static JsonShape literal(JsonNode value) {
        try {
            return JsonShape.Literal.of(Json.mapper().writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] escaped(String name) {
        try {
            String quoted = Json.mapper().writeValueAsString(name);
            return quoted.substring(1, quoted.length() - 1).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int indexOf(List<JsonShape.Property> properties, String name) {
        for (int i = 0; i < properties.size(); i++) {
            if (properties.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
