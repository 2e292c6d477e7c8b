package dev.secateur.serve.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The store's two newest versions are broken (a graph that is not ONNX): the server starts on version 1, the
 * newest that loads and validates, and /v1/models says what it skipped.
 */
@QuarkusTest
@WithTestResource(value = ServeTestResource.class, initArgs = {
        @ResourceArg(name = "model", value = "fallback"), @ResourceArg(name = "broken", value = "2")})
class StartupFallbackTest {

    @Test
    void startsOnTheNewestGoodVersionAndSaysSo() {
        await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/v2/health/ready").statusCode() == 200);
        given().get("/v1/models").then().statusCode(200)
                .body("data[0].version", equalTo(1))
                .body("data[0].served_as", equalTo("fallback:1"))
                .body("data[0].last_error.version", equalTo(3))
                .body("data[0].last_error.trigger", equalTo("startup"))
                .body("data[0].last_error.message", containsString("serving version 1 instead"))
                .body("data[0].last_error.message", containsString("2 refused"));
        given().contentType("application/json").body(Map.of("model", "fallback", "prompt", "a b", "max_tokens", 2))
                .post("/v1/completions").then().statusCode(200).body("model", equalTo("fallback:1"));
    }
}
