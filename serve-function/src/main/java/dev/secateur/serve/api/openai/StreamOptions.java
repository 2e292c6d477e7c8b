package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;

/** stream_options: only include_usage exists; OpenAI's include_obfuscation is refused as unknown. */
public record StreamOptions(@JsonProperty("include_usage") Boolean includeUsage) {
}
