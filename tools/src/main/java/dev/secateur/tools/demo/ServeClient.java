package dev.secateur.tools.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** The few serve-function calls the demo makes, over plain HTTP as any application would. */
final class ServeClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    ServeClient(String base) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    JsonNode model(String name) throws IOException, InterruptedException {
        return get("/v1/models/" + name);
    }

    JsonNode report(String name) throws IOException, InterruptedException {
        return get("/v1/models/" + name + "/report");
    }

    /** A greedy completion; returns the response and its wall time in milliseconds. */
    Timed complete(String model, String prompt, int maxTokens) throws IOException, InterruptedException {
        byte[] body = Json.toBytes(Map.of("model", model, "prompt", prompt, "max_tokens", maxTokens, "temperature", 0));
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        long start = System.nanoTime();
        HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        double ms = (System.nanoTime() - start) / 1e6;
        JsonNode json = Json.mapper().readTree(resp.body());
        if (resp.statusCode() != 200) {
            throw new IOException("POST /v1/completions answered " + resp.statusCode() + ": " + json);
        }
        return new Timed(json, ms);
    }

    record Timed(JsonNode response, double millis) {
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).GET().build();
        HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        if (resp.statusCode() != 200) {
            throw new IOException("GET " + path + " answered " + resp.statusCode() + ": " + new String(resp.body()));
        }
        return Json.mapper().readTree(resp.body());
    }
}
