package dev.secateur.serve.structured;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.engine.TokenConstraint;
import dev.secateur.serve.generate.InvalidRequestException;
import dev.secateur.tokenizer.TokenBytes;

/**
 * A request's structured-output format (OpenAI's response_format / Responses' text.format): JSON mode (any JSON
 * object) or a JSON schema, enforced while decoding by masking the tokens that cannot continue a valid value.
 */
public final class OutputFormat {

    private final JsonShape root;
    private final String description;

    private OutputFormat(JsonShape root, String description) {
        this.root = root;
        this.description = description;
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

    /** A constraint for one sequence over a vocabulary. */
    public TokenConstraint constraint(TokenBytes vocabulary) {
        return new JsonConstraint(vocabulary, JsonRecognizer.start(root));
    }

    /** json_object or json_schema, for logs and metrics. */
    public String type() {
        return description;
    }
}
