package dev.secateur.serve.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The recognizer against Jackson's parser and against schemas with known members and non-members. */
class JsonRecognizerTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static JsonRecognizer read(JsonShape shape, String text) {
        return JsonRecognizer.start(shape).steps(text.getBytes(StandardCharsets.UTF_8), 0);
    }

    static boolean whole(JsonShape shape, String text) {
        JsonRecognizer r = read(shape, text);
        return r != null && r.canEnd();
    }

    static JsonShape schema(String json) throws Exception {
        return SchemaCompiler.compile(JSON.readTree(json), "schema");
    }

    @Test
    void jsonModeTakesObjectsAndEveryPrefixOfThem() {
        String[] docs = {"{}", "{\"a\":1}", "{ \"a\" : [1, 2.5, -3e+2, true, false, null, \"x\\\"y\\u00e9\"], \"b\": {\"c\": {}} }",
                "{\"emoji\":\"\u00e9\u4e2d\ud83d\ude00\"}", "{\n  \"k\": \"v\"\n}", "{\"n\":0.0001,\"m\":-0,\"e\":1E5}"};
        for (String d : docs) {
            byte[] b = d.getBytes(StandardCharsets.UTF_8);
            JsonRecognizer r = JsonRecognizer.start(JsonShape.Obj.ANY);
            for (int i = 0; i < b.length; i++) {
                assertFalse(r.mustEnd(), d + " ended early at " + i);
                r = r.step(b[i] & 0xFF);
                assertNotNull(r, d + " refused at byte " + i);
            }
            assertTrue(r.mustEnd(), d + " is whole");
        }
    }

    @Test
    void jsonModeRefusesWhatJsonRefuses() {
        String[] bad = {"[1]", "\"s\"", "{\"a\" 1}", "{\"a\":01}", "{\"a\":1,}", "{\"a\":\"line\nbreak\"}", "{\"a\":tru}",
                "{\"a\":1.}", "{\"a\":-}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12g4\"}", "{,}", "{\"a\":1}}", "{\"a\":1} ", "{'a':1}"};
        for (String d : bad) {
            assertFalse(whole(JsonShape.Obj.ANY, d), d);
        }
    }

    /** Random texts over JSON's alphabet: whole for the recognizer exactly when Jackson reads one object from them. */
    @Test
    void agreesWithJacksonOnRandomTexts() {
        String alphabet = "{}[]\":,0123-.eE+ ntrufalsx\\u";
        Random random = new Random(7);
        int whole = 0;
        for (int trial = 0; trial < 200_000; trial++) {
            StringBuilder b = new StringBuilder("{");
            int len = random.nextInt(14);
            for (int i = 0; i < len; i++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            b.append('}');
            String text = b.toString();
            boolean ours = whole(JsonShape.Obj.ANY, text);
            boolean jackson;
            try {
                JsonNode n = JSON.readTree(text);
                jackson = n != null && n.isObject() && strictlyOneValue(text);
            } catch (Exception e) {
                jackson = false;
            }
            assertEquals(jackson, ours, text);
            whole += ours ? 1 : 0;
        }
        assertTrue(whole > 100, "the trial texts include objects (" + whole + ")");
    }

    /** Jackson stops after the first value; the recognizer also refuses anything after it. */
    private static boolean strictlyOneValue(String text) throws Exception {
        try (var p = JSON.getFactory().createParser(text)) {
            p.nextToken();
            p.skipChildren();
            return p.nextToken() == null;
        }
    }

    @Test
    void stringsAreWellFormedUtf8CountedInCharacters() throws Exception {
        JsonShape three = schema("{\"type\":\"string\",\"maxLength\":3}");
        assertTrue(whole(three, "\"\u00e9\u4e2d\ud83d\ude00\""), "three characters of 2, 3 and 4 bytes");
        assertFalse(whole(three, "\"\u00e9\u4e2d\ud83d\ude00x\""));
        JsonRecognizer open = read(JsonShape.Obj.ANY, "{\"a\":\"");
        assertNull(open.step(0x80), "a stray continuation byte");
        assertNull(open.step(0xC0), "an overlong lead byte");
        assertNull(open.step(0xED).step(0xA0), "a UTF-16 surrogate written as UTF-8");
        assertNull(open.step(0xE4).step('"'), "a character cut by the closing quote");
        assertNotNull(open.step(0xE4).step(0xB8).step(0xAD).step('"'));
    }

    @Test
    void limitsKeepAConstrainedOutputFinite() {
        assertNotNull(read(JsonShape.Obj.ANY, "\n{\n    \"a\": [\n        1,\n        {\n            \"b\": 2"),
                "indented by four per level");
        assertNull(read(JsonShape.Obj.ANY, "  {"), "one whitespace byte before the value at most");
        assertNull(read(JsonShape.Obj.ANY, "{\n\n"), "one line break per gap");
        assertNull(read(JsonShape.Obj.ANY, "{ \n"), "the line break comes first");
        assertNull(read(JsonShape.Obj.ANY, "{" + " ".repeat(1 + JsonRecognizer.INDENT + 1)));
        assertNotNull(read(JsonShape.Obj.ANY, "{\"a\":[[" + " ".repeat(1 + 3 * JsonRecognizer.INDENT)));
        assertNull(read(JsonShape.Obj.ANY, "{\"a\":[[" + " ".repeat(2 + 3 * JsonRecognizer.INDENT)));
        assertNotNull(read(JsonShape.Obj.ANY, "{\"a\":" + "9".repeat(JsonRecognizer.MAX_DIGITS)));
        assertNull(read(JsonShape.Obj.ANY, "{\"a\":" + "9".repeat(JsonRecognizer.MAX_DIGITS + 1)));
        assertNull(read(JsonShape.Obj.ANY, "{\"a\":1e1234"));
    }

    static final String PERSON = """
            {"type":"object","properties":{
              "name":{"type":"string","maxLength":5},
              "age":{"type":"integer"},
              "pet":{"anyOf":[{"$ref":"#/$defs/Pet"},{"type":"null"}]},
              "tags":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":2},
              "mood":{"enum":["happy","sad",3]}},
             "required":["name","age","tags","mood"],"additionalProperties":false,
             "$defs":{"Pet":{"type":"object","properties":{"kind":{"const":"cat"},"friend":{"$ref":"#/$defs/Pet"}},
                             "required":["kind"]}}}""";

    @Test
    void schemaMembersAreWholeAndNonMembersAreRefused() throws Exception {
        JsonShape s = schema(PERSON);
        String[] good = {
            "{\"name\":\"Ann\",\"age\":30,\"tags\":[\"a\"],\"mood\":\"happy\"}",
            "{\"age\":-2,\"name\":\"\",\"mood\":3,\"tags\":[\"x\",\"y\"],\"pet\":null}",
            "{\"name\":\"\\u00e9t\u00e9\",\"age\":0,\"tags\":[\"\"],\"mood\":\"sad\",\"pet\":{\"kind\":\"cat\",\"friend\":{\"kind\":\"cat\"}}}",
        };
        for (String g : good) {
            assertTrue(whole(s, g), g);
            assertTrue(read(s, g).mustEnd(), g);
        }
        String[] bad = {
            "{\"name\":\"Ann\",\"age\":30,\"tags\":[\"a\"]}",                          // mood missing
            "{\"name\":\"Annabel\",\"age\":30,\"tags\":[\"a\"],\"mood\":\"sad\"}",     // name over maxLength
            "{\"name\":\"A\",\"age\":3.5,\"tags\":[\"a\"],\"mood\":\"sad\"}",          // not an integer
            "{\"name\":\"A\",\"age\":3,\"tags\":[],\"mood\":\"sad\"}",                 // minItems
            "{\"name\":\"A\",\"age\":3,\"tags\":[\"a\",\"b\",\"c\"],\"mood\":\"sad\"}",// maxItems
            "{\"name\":\"A\",\"age\":3,\"tags\":[\"a\"],\"mood\":\"glad\"}",           // not in the enum
            "{\"name\":\"A\",\"age\":3,\"tags\":[\"a\"],\"mood\":3,\"x\":1}",          // undeclared key
            "{\"name\":\"A\",\"name\":\"B\",\"age\":3,\"tags\":[\"a\"],\"mood\":3}",   // repeated key
            "{\"name\":\"A\",\"age\":3,\"tags\":[\"a\"],\"mood\":3,\"pet\":{\"kind\":\"dog\"}}", // const
            "{\"name\":\"A\",\"age\":3,\"tags\":[\"a\"],\"mood\":3,\"pet\":{}}",       // required in the $ref
            "{\"name\":\"A\",\"age\":3,\"tags\":[\"a\"],\"mood\":30}",                 // 3 is an enum member, 30 is not
        };
        for (String b : bad) {
            assertFalse(whole(s, b), b);
        }
    }

    @Test
    void aNumberAtTheRootMayEndButNeedNot() throws Exception {
        JsonRecognizer r = read(schema("{\"type\":\"number\"}"), "12");
        assertTrue(r.canEnd());
        assertFalse(r.mustEnd());
        assertNotNull(r.step('3'));
        assertTrue(read(schema("{\"type\":\"boolean\"}"), "false").mustEnd());
    }

    @Test
    void freeStringsAreRecognisedForTheMaskShortcut() throws Exception {
        assertTrue(read(JsonShape.Obj.ANY, "{\"a\":\"x").inFreeString());
        assertTrue(read(JsonShape.Obj.ANY, "{\"ke").inFreeString());
        assertFalse(read(schema(PERSON), "{\"name\":\"x").inFreeString(), "maxLength counts characters");
        assertFalse(read(schema(PERSON), "{\"na").inFreeString(), "declared keys are matched, not free");
        assertFalse(read(JsonShape.Obj.ANY, "{\"a\":\"x\\").inFreeString());
        assertFalse(read(JsonShape.Obj.ANY, "{\"a\":\"\u00e9").steps(new byte[] {(byte) 0xE4}, 0).inFreeString(),
                "a character begun");
    }
}
