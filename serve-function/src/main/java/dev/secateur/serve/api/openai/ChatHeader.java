package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The keys a chat.completion and every chat.completion.chunk open with, in OpenAI's order; the two objects unwrap it,
 * so their JSON is flat as the SDKs read it.
 */
public record ChatHeader(String id, String object, long created, String model,
                         @JsonProperty("system_fingerprint") String systemFingerprint) {

    /** The answer's header: the serving version doubles as the fingerprint (same version, same outputs). */
    static ChatHeader of(AdmittedCompletion a, String object) {
        return new ChatHeader(a.id(), object, a.created(), a.model(), "secateur-" + a.model());
    }
}
