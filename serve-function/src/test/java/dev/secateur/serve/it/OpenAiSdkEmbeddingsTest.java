package dev.secateur.serve.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.embeddings.EmbeddingCreateParams.EncodingFormat;
import dev.secateur.runtime.OrtEncoder;
import dev.secateur.store.ModelStore;
import dev.secateur.tokenizer.SentenceTokenizer;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * /v1/embeddings through the official OpenAI Java SDK on the real all-MiniLM-L6-v2, imported from its ONNX file,
 * exported as an encoder and published to the store, checked against a bare OrtEncoder on the stored version.
 */
@QuarkusTest
@WithTestResource(value = ServeTestResource.class, initArgs = {
        @ResourceArg(name = "model", value = "minilm"), @ResourceArg(name = "kind", value = "encoder")})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiSdkEmbeddingsTest {

    static final List<String> TEXTS = List.of("The kettle clicked off just as the rain started.", "Hi!");

    @ConfigProperty(name = "secateur.serve.store-root")
    String storeRoot;

    OrtEncoder encoder;
    SentenceTokenizer tokenizer;
    OpenAIClient client;

    @BeforeAll
    void setUp() {
        Path dir = new ModelStore(Path.of(storeRoot)).resolve("minilm", 1);
        encoder = OrtEncoder.open(dir);
        tokenizer = SentenceTokenizer.load(dir.resolve("tokenizer.json"));
        client = OpenAiClients.client();
    }

    @AfterAll
    void tearDown() {
        encoder.close();
        tokenizer.close();
        client.close();
    }

    float[] expected(String text) {
        return encoder.run(tokenizer.batch(List.of(text), 512)).sentenceEmbeddings()[0];
    }

    static float[] floats(List<Float> values) {
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i);
        }
        return v;
    }

    static float[] decodeBase64(String b64) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(b64)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / Float.BYTES];
        for (int i = 0; i < v.length; i++) {
            v[i] = b.getFloat();
        }
        return v;
    }

    static void assertClose(float[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance, "component " + i);
        }
    }

    @Test
    void floatEncoding() {
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder().model("minilm")
                .inputOfArrayOfStrings(TEXTS).encodingFormat(EncodingFormat.FLOAT).build());
        assertTrue(r.model().startsWith("minilm:"), r.model());
        assertEquals(2, r.data().size());
        long tokens = 0;
        for (int i = 0; i < TEXTS.size(); i++) {
            assertEquals(i, r.data().get(i).index());
            assertClose(expected(TEXTS.get(i)), floats(r.data().get(i).embedding()), 1e-4);
            tokens += tokenizer.encode(TEXTS.get(i)).length;
        }
        assertEquals(tokens, r.usage().promptTokens());
        assertEquals(tokens, r.usage().totalTokens());
    }

    /** The SDKs' default elsewhere (Node asks for base64 unless told otherwise): little-endian float32, bit-exact. */
    @Test
    void base64EncodingIsLittleEndianFloat32() {
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder().model("minilm")
                .input(TEXTS.get(0)).encodingFormat(EncodingFormat.BASE64).build());
        String b64 = r.data().get(0).embeddingValue().asBase64();
        float[] decoded = decodeBase64(b64);
        assertEquals(384, decoded.length);
        assertClose(expected(TEXTS.get(0)), decoded, 1e-4);
        CreateEmbeddingResponse asFloats = client.embeddings().create(EmbeddingCreateParams.builder().model("minilm")
                .input(TEXTS.get(0)).encodingFormat(EncodingFormat.FLOAT).build());
        assertClose(floats(asFloats.data().get(0).embedding()), decoded, 0);
    }

    @Test
    void tokenIdInputsEmbedTheSameAsTheirText() {
        List<Long> ids = new ArrayList<>();
        for (long id : tokenizer.encode(TEXTS.get(0))) {
            ids.add(id);
        }
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder().model("minilm")
                .inputOfArrayOfTokens(ids).build());
        assertClose(expected(TEXTS.get(0)), floats(r.data().get(0).embedding()), 1e-4);
        assertEquals(ids.size(), r.usage().promptTokens());
        CreateEmbeddingResponse two = client.embeddings().create(EmbeddingCreateParams.builder().model("minilm")
                .inputOfArrayOfTokenArrays(List.of(ids, List.of(101L, 102L))).build());
        assertEquals(2, two.data().size());
    }

    @Test
    void dimensionsTruncateAndRenormalise() {
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder().model("minilm")
                .input(TEXTS.get(0)).dimensions(64).build());
        float[] v = floats(r.data().get(0).embedding());
        assertEquals(64, v.length);
        float[] full = expected(TEXTS.get(0));
        double norm = 0;
        for (int i = 0; i < 64; i++) {
            norm += (double) full[i] * full[i];
        }
        norm = Math.sqrt(norm);
        double unit = 0;
        for (int i = 0; i < 64; i++) {
            assertEquals(full[i] / norm, v[i], 1e-4);
            unit += (double) v[i] * v[i];
        }
        assertEquals(1.0, unit, 1e-4);
        BadRequestException tooWide = assertThrows(BadRequestException.class, () -> client.embeddings().create(
                EmbeddingCreateParams.builder().model("minilm").input("x").dimensions(1000).build()));
        assertEquals("dimensions", tooWide.param().orElseThrow());
    }

    @Test
    void errorsAreTyped() {
        assertThrows(NotFoundException.class, () -> client.embeddings().create(EmbeddingCreateParams.builder()
                .model("nope").input("x").build()));
        BadRequestException empty = assertThrows(BadRequestException.class, () -> client.embeddings().create(
                EmbeddingCreateParams.builder().model("minilm").input("").build()));
        assertEquals("input", empty.param().orElseThrow());
    }
}
