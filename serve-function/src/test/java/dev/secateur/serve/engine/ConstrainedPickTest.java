package dev.secateur.serve.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.runtime.SamplingParams;
import dev.secateur.serve.structured.OutputFormat;
import dev.secateur.tokenizer.TokenBytes;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Structured output through the token picker, on the demo model's real byte-level vocabulary (4,096 tokens) and
 * random logits (a model that knows nothing of JSON): every output is a whole document of the schema, and the
 * vocabulary mask agrees token for token with asking the constraint about each token alone.
 */
class ConstrainedPickTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final TokenBytes VOCAB = TokenBytes.read(Path.of("../models/kjv-llama/tokenizer.json"));
    static final long EOS = 4095; // <|endoftext|> in the demo tokenizer
    static final String SCHEMA = """
            {"type":"object","additionalProperties":false,"required":["name","age","tags","mood","ok"],
             "properties":{"name":{"type":"string","maxLength":6},"age":{"type":"integer"},
               "tags":{"type":"array","items":{"type":"string","maxLength":4},"maxItems":3},
               "mood":{"enum":["happy","sad"]},"ok":{"type":"boolean"},"pet":{"anyOf":[{"type":"null"},{"type":"number"}]}}}""";

    static OutputFormat format() throws Exception {
        return OutputFormat.jsonSchema(JSON.readTree(SCHEMA), "response_format.json_schema.schema");
    }

    @Test
    void randomLogitsStillWriteADocumentOfTheSchema() throws Exception {
        assertEquals(null, VOCAB.of((int) EOS), "the EOS is special: no bytes");
        Random random = new Random(3);
        for (int run = 0; run < 12; run++) {
            SamplingParams p = run % 2 == 0 ? SamplingParams.greedy(4000)
                    : new SamplingParams(4000, 1.0, run % 4 == 1 ? 50 : 0, 0.9, 0.0, (long) run, 0, 0, false, 0, Set.of(), Map.of());
            TokenPicker picker = new TokenPicker(p, new long[] {EOS}, 1 << 20, format().constraint(VOCAB));
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            TokenPicker.Pick pick;
            int steps = 0;
            do {
                float[] logits = new float[VOCAB.size()];
                for (int i = 0; i < logits.length; i++) {
                    logits[i] = (float) (random.nextGaussian() * 3);
                }
                pick = picker.pick(logits, steps++);
                if (pick.emits()) {
                    text.writeBytes(VOCAB.of(pick.token()));
                }
            } while (pick.finish() == null);
            assertEquals(Finish.STOP, pick.finish(), "run " + run + " ended whole, not at the token limit: " + text);
            String doc = text.toString(StandardCharsets.UTF_8);
            JsonNode n = JSON.readTree(doc);
            assertTrue(n.path("name").isTextual() && codePoints(n.path("name")) <= 6, doc);
            assertTrue(n.path("age").isIntegralNumber(), doc);
            assertTrue(n.path("tags").isArray() && n.path("tags").size() <= 3, doc);
            n.path("tags").forEach(t -> assertTrue(t.isTextual() && codePoints(t) <= 4, doc));
            assertTrue(Set.of("happy", "sad").contains(n.path("mood").asText()), doc);
            assertTrue(n.path("ok").isBoolean(), doc);
            assertTrue(!n.has("pet") || n.get("pet").isNull() || n.get("pet").isNumber(), doc);
            n.fieldNames().forEachRemaining(f -> assertTrue(Set.of("name", "age", "tags", "mood", "ok", "pet").contains(f), doc));
        }
    }

    /** JSON Schema's string length: characters (code points), not UTF-16 units. */
    static int codePoints(JsonNode text) {
        return text.asText().codePointCount(0, text.asText().length());
    }

    /** The mask's shortcuts (first-byte groups, plain string content) change nothing: same tokens as one by one. */
    @Test
    void theMaskAllowsExactlyTheTokensAllowedOneByOne() throws Exception {
        for (String prefix : new String[] {"", "{", "{\"na", "{\"name\":\"ab", "{\"name\":\"ab\",\"tags\":[\"x\"", "{\"age\":12",
                "{\"ok\":tr", "{\"pet\":-1.5e"}) {
            TokenConstraint c = format().constraint(VOCAB);
            for (byte b : prefix.getBytes(StandardCharsets.UTF_8)) {
                c.accept(b & 0xFF); // the first 256 ids of a byte-level vocabulary are the single bytes
            }
            TokenConstraint free = OutputFormat.jsonObject().constraint(VOCAB);
            for (byte b : ("{\"k\":\"v" + prefix.length()).getBytes(StandardCharsets.UTF_8)) {
                free.accept(b & 0xFF);
            }
            for (TokenConstraint k : new TokenConstraint[] {c, free}) {
                float[] logits = new float[VOCAB.size()];
                k.mask(logits, Set.of(EOS));
                int allowed = 0;
                for (int t = 0; t < VOCAB.size(); t++) {
                    boolean one = k.allows(t, t == EOS);
                    assertEquals(one, logits[t] == 0f, prefix + ": token " + t);
                    allowed += one ? 1 : 0;
                }
                assertTrue(allowed > 0, prefix + " can go on");
            }
        }
    }
}
