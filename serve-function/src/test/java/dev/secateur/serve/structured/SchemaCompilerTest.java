package dev.secateur.serve.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.serve.generate.InvalidRequestException;
import org.junit.jupiter.api.Test;

/** What a schema may ask for, and the field a refusal names. */
class SchemaCompilerTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String FIELD = "response_format.json_schema.schema";

    static InvalidRequestException refused(String schema) {
        return assertThrows(InvalidRequestException.class, () -> SchemaCompiler.compile(JSON.readTree(schema), FIELD));
    }

    @Test
    void refusalsNameTheKeywordsField() {
        assertEquals(FIELD + ".properties.a.not", refused("{\"type\":\"object\",\"properties\":{\"a\":{\"not\":{}}}}").param());
        assertEquals(FIELD + ".required", refused("{\"type\":\"object\",\"properties\":{\"a\":{}},\"required\":[\"b\"]}").param());
        assertEquals(FIELD + ".items.$ref", refused("{\"type\":\"array\",\"items\":{\"$ref\":\"http://x/y\"}}").param());
        assertEquals(FIELD + ".minItems", refused("{\"type\":\"array\",\"minItems\":3,\"maxItems\":2}").param());
        assertEquals(FIELD + ".maxLength", refused("{\"type\":\"string\",\"maxLength\":-1}").param());
        assertEquals(FIELD + ".type", refused("{\"type\":\"date\"}").param());
        assertEquals(FIELD + ".allOf", refused("{\"allOf\":[{},{}]}").param());
        assertEquals(FIELD + ".prefixItems", refused("{\"type\":\"array\",\"prefixItems\":[{}]}").param());
        assertEquals(FIELD, refused("{\"$ref\":\"#/$defs/Missing\"}").param());
        assertTrue(refused("{\"$ref\":\"#/$defs/Missing\"}").getMessage().contains("Missing"));
        assertEquals(FIELD, refused("false").param());
    }

    @Test
    void descriptiveKeywordsAreAccepted() throws Exception {
        // what Pydantic writes for a model with a docstring, a default and a format
        String pydantic = """
                {"title":"Event","description":"An event.","type":"object","additionalProperties":false,
                 "properties":{"when":{"title":"When","type":"string","format":"date-time"},
                               "count":{"title":"Count","type":"integer","default":1,"minimum":0}},
                 "required":["when","count"]}""";
        JsonShape s = SchemaCompiler.compile(JSON.readTree(pydantic), FIELD);
        assertTrue(JsonRecognizerTest.whole(s, "{\"when\":\"2026-12-02T10:00:00Z\",\"count\":2}"));
    }

    @Test
    void recursiveSchemasCompileToAFiniteTree() throws Exception {
        JsonShape tree = SchemaCompiler.compile(JSON.readTree("""
                {"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#"}}},
                 "required":["v","kids"],"additionalProperties":false}"""), FIELD);
        assertTrue(JsonRecognizerTest.whole(tree, "{\"v\":1,\"kids\":[{\"v\":2,\"kids\":[]},{\"v\":3,\"kids\":[{\"v\":4,\"kids\":[]}]}]}"));
    }
}
