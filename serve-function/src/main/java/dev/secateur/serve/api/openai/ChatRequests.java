package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.chat.ChatFormat;
import dev.secateur.serve.chat.ChatMessage;
import dev.secateur.serve.generate.CompletionSpec;
import dev.secateur.serve.generate.Prompt;
import dev.secateur.serve.model.ModelHandle;
import dev.secateur.serve.structured.OutputFormat;
import dev.secateur.serve.generate.InvalidRequestException;
import java.util.List;
import java.util.Set;

/** Checks what can be checked of a /v1/chat/completions body without the model. */
final class ChatRequests {

    static final int MAX_TOP_LOGPROBS = 20;

    private ChatRequests() {
    }

    static void refuseUnsupported(ChatCompletionRequest r) {
        StrictJson.unsupported(r.functions(), "functions", "the deprecated functions; use tools");
        StrictJson.unsupported(r.functionCall(), "function_call", "the deprecated function_call; use tool_choice");
        StrictJson.unsupported(r.audio(), "audio", "text only");
        if (r.modalities() != null && !r.modalities().isNull()
                && !(r.modalities().size() == 1 && "text".equals(r.modalities().get(0).asText()))) {
            throw new InvalidRequestException("modalities is not supported by this server: text only", "modalities");
        }
        StrictJson.unsupported(r.prediction(), "prediction", "no predicted outputs");
        StrictJson.unsupported(r.webSearchOptions(), "web_search_options", "no web search");
        StrictJson.unsupported(r.reasoningEffort(), "reasoning_effort", "these are not reasoning models");
        if (r.store() != null && r.store().asBoolean(false)) {
            throw new InvalidRequestException("store is not supported by this server: completions are not stored",
                    "store");
        }
        if (r.metadata() != null && !r.metadata().isNull() && !r.metadata().isObject()) {
            throw new InvalidRequestException("metadata must be an object of strings", "metadata");
        }
        JsonNode tier = r.serviceTier();
        if (tier != null && !tier.isNull() && !Set.of("auto", "default").contains(tier.asText())) {
            throw new InvalidRequestException("service_tier " + tier + " is not supported by this server: only auto and "
                    + "default (one tier here)", "service_tier");
        }
        JsonNode verbosity = r.verbosity();
        if (verbosity != null && !verbosity.isNull() && !"medium".equals(verbosity.asText())) {
            throw new InvalidRequestException("verbosity is not supported by this server: only medium (the default)",
                    "verbosity");
        }
    }

    /**
     * The sampling part of the request, without a prompt: that is filled in once the served version's template
     * has rendered the messages. With neither max_tokens nor max_completion_tokens the reply may run to the end of
     * the context (capped).
     */
    static CompletionSpec toSpec(ChatCompletionRequest r, int maxTokensCap, int maxN) {
        Integer limit = r.maxCompletionTokens() != null ? r.maxCompletionTokens() : r.maxTokens();
        String limitParam = r.maxCompletionTokens() != null ? "max_completion_tokens" : "max_tokens";
        int maxTokens = limit == null ? maxTokensCap : SamplingChecks.maxTokens(limit, maxTokensCap, limitParam);
        Integer top = null;
        if (Boolean.TRUE.equals(r.logprobs())) {
            top = r.topLogprobs() == null ? 0 : r.topLogprobs();
            if (top < 0 || top > MAX_TOP_LOGPROBS) {
                throw new InvalidRequestException("top_logprobs must be between 0 and " + MAX_TOP_LOGPROBS,
                        "top_logprobs");
            }
        } else if (r.topLogprobs() != null) {
            throw new InvalidRequestException("top_logprobs needs logprobs: true", "top_logprobs");
        }
        return new CompletionSpec(List.of(), maxTokens, limit == null, SamplingChecks.temperature(r.temperature()),
                SamplingChecks.topP(r.topP()), SamplingChecks.topK(r.topK()), SamplingChecks.minP(r.minP()),
                SamplingChecks.n(r.n(), maxN), SamplingChecks.stop(r.stop()), r.seed(),
                top, false, SamplingChecks.penalty(r.presencePenalty(), "presence_penalty"),
                SamplingChecks.penalty(r.frequencyPenalty(), "frequency_penalty"), Set.of(),
                SamplingChecks.logitBias(r.logitBias()),
                OutputFormat.parse(r.responseFormat(), "response_format", "json_schema"));
    }

    /** The sampling with the messages rendered by the serving version's template, which also ends the turn. */
    static CompletionSpec rendered(ModelHandle h, CompletionSpec sampling, List<ChatMessage> messages) {
        return rendered(h, sampling, messages, null);
    }

    /**
     * The same with the request's tools in the template's context; refused when the serving version's template takes
     * no tools, or writes calls in a form this server cannot read back (unless tool_choice forces a call, whose form
     * the constraint sets).
     */
    static CompletionSpec rendered(ModelHandle h, CompletionSpec sampling, List<ChatMessage> messages, ToolRequest tools) {
        ChatFormat chat = h.model().decoder(h.name()).chat();
        if (tools != null) {
            if (!chat.template().takesTools()) {
                throw new InvalidRequestException("model " + h.id() + " has a chat template that takes no tools ("
                        + chat.template().source() + ")", "tools");
            }
            // a forced call is written in the one form the constraint allows, whatever the template shows
            if (tools.forced() == null && chat.toolCallSyntax().isEmpty()) {
                throw new InvalidRequestException("model " + h.id() + " has a chat template whose tool calls this server "
                        + "cannot read back (none of <tool_call>, [TOOL_CALLS], <|tool_call|>, <|python_tag|>)", "tools");
            }
        }
        String prompt = chat.template().render(messages, tools == null ? null : tools.definitions(), true);
        CompletionSpec spec = sampling.withPrompt(Prompt.renderedChat(prompt), chat.endOfTurnIds());
        return tools == null || tools.forced() == null ? spec : spec.withFormat(tools.forced());
    }

    static void checkModel(ChatCompletionRequest r) {
        if (r.model() == null || r.model().isBlank()) {
            throw new InvalidRequestException("model is required", "model");
        }
    }
}
