package dev.secateur.serve.api.openai;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.serve.generate.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * POST /v1/completions bodies as a client or an attacker might send them, through the same two steps as the
 * resource: Jackson binding (Quarkus's default of ignoring unknown fields) and {@link CompletionRequests#toSpec}.
 * Only Jackson's typed errors (answered 400) and {@link InvalidRequestException} may come out.
 */
class CompletionRequestFuzzTest {

    static final ObjectMapper MAPPER = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    static final List<String> FIELDS = List.of("model", "prompt", "max_tokens", "temperature", "top_p", "n", "stop", "seed",
            "stream", "stream_options", "logprobs", "echo", "unknown");

    @Provide
    Arbitrary<JsonNode> values() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        Arbitrary<JsonNode> scalars = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(20).map(f::textNode),
                Arbitraries.integers().map(i -> (JsonNode) f.numberNode(i)),
                Arbitraries.longs().map(l -> (JsonNode) f.numberNode(l)),
                Arbitraries.doubles().map(d -> (JsonNode) f.numberNode(d)),
                Arbitraries.of(f.numberNode(new java.math.BigInteger("123456789012345678901234567890")),
                        f.numberNode(Double.NaN), f.numberNode(-0.0), f.nullNode(), f.booleanNode(true), f.textNode("")));
        Arbitrary<JsonNode> arrays = scalars.list().ofMaxSize(6).map(l -> {
            var a = f.arrayNode();
            l.forEach(a::add);
            return a;
        });
        Arbitrary<JsonNode> nested = scalars.map(v -> f.objectNode().set("include_usage", v));
        return Arbitraries.oneOf(scalars, arrays, nested);
    }

    @Provide
    Arbitrary<byte[]> bodies() {
        Arbitrary<byte[]> objects = Combinators.combine(Arbitraries.of(FIELDS), values()).as(java.util.Map::entry)
                .list().ofMaxSize(10).map(entries -> {
                    ObjectNode o = JsonNodeFactory.instance.objectNode().put("model", "m").put("prompt", "hello");
                    entries.forEach(e -> o.set(e.getKey(), e.getValue()));
                    return o.toString().getBytes(StandardCharsets.UTF_8);
                });
        Arbitrary<byte[]> truncated = objects.flatMap(b -> Arbitraries.integers().between(0, b.length)
                .map(n -> java.util.Arrays.copyOf(b, n)));
        return Arbitraries.oneOf(objects, truncated, Arbitraries.bytes().array(byte[].class).ofMaxSize(200));
    }

    @Property(tries = 800)
    void onlyTypedErrorsAndNoHang(@ForAll("bodies") byte[] body) {
        Statistics.collect(assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            try {
                CompletionRequests.toSpec(MAPPER.readValue(body, CompletionRequest.class), 64, 4);
                return "accepted";
            } catch (JsonProcessingException e) {
                return "unreadable";
            } catch (InvalidRequestException e) {
                return "invalid";
            }
        }));
    }
}
