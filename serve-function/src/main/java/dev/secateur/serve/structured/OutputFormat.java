package dev.secateur.serve.structured;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.secateur.serve.engine.TokenConstraint;
import dev.secateur.serve.generate.InvalidRequestException;
import dev.secateur.tokenizer.TokenBytes;
import java.util.ArrayList;
import java.util.List;

/**
 * A request's structured-output format (OpenAI's response_format / Responses' text.format): JSON mode (any JSON
 * object) or a JSON schema, enforced while decoding by masking the tokens that cannot continue a valid value.
 */
public final class OutputFormat {

    private final JsonShape root;
    private final String description;
    private final boolean oneLine;

    private OutputFormat(JsonShape root, String description) {
        this(root, description, false);
    }

    private OutputFormat(JsonShape root, String description, boolean oneLine) {
        this.root = root;
        this.description = description;
        this.oneLine = oneLine;
    }

    /** JSON mode: the output is one JSON object. */
    public static OutputFormat jsonObject() {
        return new OutputFormat(JsonShape.Obj.ANY, "json_object");
    }

    /**
     * A JSON schema (missing: any JSON object, as OpenAI reads a json_schema format without one).
     *
     * @param field the request field holding the schema, named in errors
     */
    public static OutputFormat jsonSchema(JsonNode schema, String field) {
        if (schema == null || schema.isMissingNode() || schema.isNull()) {
            return new OutputFormat(JsonShape.Obj.ANY, "json_schema");
        }
        return new OutputFormat(SchemaCompiler.compile(schema, field), "json_schema");
    }

    /**
     * The format an OpenAI {"type": ...} object asks for: null for text (no constraint).
     *
     * @param schemaAt where the format keeps its schema: "json_schema" for chat's response_format, "" for Responses'
     *                 text.format, whose name and schema sit beside its type
     */
    public static OutputFormat parse(JsonNode format, String field, String schemaAt) {
        if (format == null || format.isNull() || format.isMissingNode()) {
            return null;
        }
        if (!format.isObject()) {
            throw new InvalidRequestException(field + " must be an object with a type", field);
        }
        String type = format.path("type").asText("");
        switch (type) {
            case "text":
                return null;
            case "json_object":
                return jsonObject();
            case "json_schema": {
                JsonNode holder = schemaAt.isEmpty() ? format : format.path(schemaAt);
                String holderField = schemaAt.isEmpty() ? field : field + "." + schemaAt;
                if (!holder.isObject()) {
                    throw new InvalidRequestException(holderField + " is required for type json_schema", holderField);
                }
                JsonNode name = holder.path("name");
                if (!name.isMissingNode() && !name.isTextual()) {
                    throw new InvalidRequestException(holderField + ".name must be a string", holderField + ".name");
                }
                return jsonSchema(holder.path("schema"), holderField + ".schema");
            }
            default:
                throw new InvalidRequestException(field + ".type must be text, json_object or json_schema, got '" + type + "'",
                        field + ".type");
        }
    }

    /**
     * Functions a forced call may choose among: each is one alternative of the recognizer, whose threads all share the
     * call's opening until the name tells them apart, and it keeps {@link JsonRecognizer#MAX_THREADS} at most.
     */
    public static final int MAX_CALLABLE = JsonRecognizer.MAX_THREADS;

    /** A function a forced call may name: its parameters' schema (null or missing: none, so the arguments are {}). */
    public record CallableFunction(String name, JsonNode parameters, String field) {
    }

    /**
     * A forced tool call: one {"name": ..., "arguments": ...} object whose name is one of these functions and whose
     * arguments follow that function's parameters, each compiled on its own (its $refs and errors are its own).
     */
    public static OutputFormat functionCall(List<CallableFunction> functions) {
        List<JsonShape> calls = new ArrayList<>();
        for (CallableFunction f : functions) {
            JsonNode p = f.parameters();
            JsonShape arguments = p == null || p.isMissingNode() || p.isNull() ? new JsonShape.Obj(List.of(), 0, null)
                    : SchemaCompiler.compile(p, f.field());
            if (arguments instanceof JsonShape.AnyValue) {
                arguments = JsonShape.Obj.ANY; // arguments are an object, whatever a lax schema allows
            }
            calls.add(new JsonShape.Obj(List.of(property("name", SchemaCompiler.literal(TextNode.valueOf(f.name()))),
                    property("arguments", arguments)), 0b11, null));
        }
        // on one line, as models write calls: a model that knows no JSON would spend its tokens on indentation
        return new OutputFormat(calls.size() == 1 ? calls.get(0) : new JsonShape.Union(List.copyOf(calls)), "function_call",
                true);
    }

    private static JsonShape.Property property(String name, JsonShape shape) {
        return new JsonShape.Property(name, SchemaCompiler.escaped(name), shape);
    }

    /** A constraint for one sequence over a vocabulary. */
    public TokenConstraint constraint(TokenBytes vocabulary) {
        return new JsonConstraint(vocabulary, JsonRecognizer.start(root, oneLine));
    }

    /** What the output is held to. */
    JsonShape root() {
        return root;
    }

    /** json_object, json_schema or function_call, for logs and metrics. */
    public String type() {
        return description;
    }
}
