package dev.secateur.serve.it;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import org.eclipse.microprofile.config.ConfigProvider;

/** The official OpenAI Java SDK pointed at the serve-function under test; no retries, so errors surface at once. */
final class OpenAiClients {

    private OpenAiClients() {
    }

    static OpenAIClient client() {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        return OpenAIOkHttpClient.builder()
                .baseUrl("http://localhost:" + port + "/v1")
                .apiKey("not-checked")
                .maxRetries(0)
                .build();
    }
}
