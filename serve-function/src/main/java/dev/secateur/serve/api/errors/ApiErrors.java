package dev.secateur.serve.api.errors;

import java.util.LinkedHashMap;
import java.util.Map;

/** Error bodies: KServe v2 wants {"error": "..."}; everything else gets OpenAI's {"error": {message, type, param, code}}. */
public final class ApiErrors {

    private ApiErrors() {
    }

    public static Object body(String path, int status, String message, String param) {
        return body(path, status, message, param, null);
    }

    /** @param code OpenAI's machine-readable code; null picks the usual one for the status */
    public static Object body(String path, int status, String message, String param, String code) {
        if (path != null && path.startsWith("/v2")) {
            return Map.of("error", message);
        }
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("message", message);
        inner.put("type", type(status));
        inner.put("param", param);
        inner.put("code", code != null ? code : defaultCode(status));
        return Map.of("error", inner);
    }

    static String type(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_error";
            case 503 -> "service_unavailable";
            default -> status >= 500 ? "server_error" : "invalid_request_error";
        };
    }

    private static String defaultCode(int status) {
        return switch (status) {
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_exceeded";
            default -> null;
        };
    }
}
