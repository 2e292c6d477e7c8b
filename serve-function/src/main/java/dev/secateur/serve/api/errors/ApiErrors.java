package dev.secateur.serve.api.errors;

import java.util.LinkedHashMap;
import java.util.Map;

/** Error bodies: KServe v2 wants {"error": "..."}; everything else gets OpenAI's shape. */
public final class ApiErrors {

    private ApiErrors() {
    }

    public static Object body(String path, int status, String message, String param) {
        if (path != null && path.startsWith("/v2")) {
            return Map.of("error", message);
        }
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("message", message);
        inner.put("type", type(status));
        inner.put("param", param);
        inner.put("code", status == 404 ? "model_not_found" : null);
        return Map.of("error", inner);
    }

    static String type(int status) {
        if (status == 401) {
            return "authentication_error";
        }
        if (status == 404) {
            return "not_found_error";
        }
        if (status == 503) {
            return "service_unavailable";
        }
        return status >= 500 ? "server_error" : "invalid_request_error";
    }
}
