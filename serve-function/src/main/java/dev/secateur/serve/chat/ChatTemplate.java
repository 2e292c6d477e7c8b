package dev.secateur.serve.chat;

import dev.secateur.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jinjava.javax.el.CompositeELResolver;

/**
 * A model's chat template: the Jinja text Hugging Face keeps in chat_template.jinja or tokenizer_config.json,
 * rendered with Jinjava the way apply_chat_template renders it (trim_blocks, lstrip_blocks, messages,
 * add_generation_prompt, the special tokens, raise_exception, strftime_now). A model without one gets ChatML.
 */
public final class ChatTemplate {

    public static final String JINJA_FILE = "chat_template.jinja";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    public static final String PROCESSOR_TEMPLATE = "chat_template.json";
    public static final String DEFAULT_SOURCE = "default (ChatML)";

    /** The default for models without a template: ChatML, as Qwen2 and many fine-tunes use it. */
    public static final String CHATML = """
            {%- for message in messages -%}
            {{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}
            {%- endfor -%}
            {%- if add_generation_prompt -%}
            {{ '<|im_start|>assistant\\n' }}
            {%- endif -%}
            """;

    private static final ObjectMapper JSON = Json.mapper();
    /** What "strftime_now is defined" finds (see jinjava()); calls go to the registered functions, not to this. */
    private static final String FUNCTION_DEFINED = "function";
    private static final Jinjava JINJAVA = jinjava();
    private static final String[] SPECIAL_TOKENS = {"bos_token", "eos_token", "unk_token", "pad_token"};

    private final String source;
    private final String template;
    /** tokenizer_config.json's template named "tool_use", which apply_chat_template takes when tools are given; or null */
    private final String toolUse;
    private final boolean takesTools;
    /** How the template shows the model its tool calls; read once here, not per request */
    private final Optional<ToolCallSyntax> toolCallSyntax;
    private final Map<String, String> specialTokens;

    public ChatTemplate(String source, String template, Map<String, String> specialTokens) {
        this(source, template, null, specialTokens);
    }

    ChatTemplate(String source, String template, String toolUse, Map<String, String> specialTokens) {
        this.source = source;
        this.template = JinjaSyntax.forJinjava(template);
        this.toolUse = toolUse == null ? null : JinjaSyntax.forJinjava(toolUse);
        this.takesTools = this.toolUse != null || takesTools(this.template);
        this.toolCallSyntax = takesTools ? ToolCallSyntax.of(this.toolUse != null ? this.toolUse : this.template)
                : Optional.empty();
        this.specialTokens = Map.copyOf(specialTokens);
    }

    private static Jinjava jinjava() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        Jinjava j = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withElResolver(resolver)
                .withLegacyOverrides(LegacyOverrides.newBuilder().withUseTrimmingForNotesAndExpressions(true).build()).build());
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", TemplateFunctions.class,
                "raiseException", String.class));
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now", TemplateFunctions.class,
                "strftimeNow", String.class));
        // Hugging Face's functions are globals, so "strftime_now is defined" holds there (Llama 3.1/3.2 date their
        // system prompt only then); Jinjava's functions are not variables, so each also gets a defined name.
        j.getGlobalContext().registerFilter(new PythonJson());
        j.getGlobalContext().registerFilter(new ItemsFilter());
        j.getGlobalContext().registerFilter(new TrimFilter());
        j.getGlobalContext().registerExpTest(PythonTypeTests.ITERABLE);
        j.getGlobalContext().registerExpTest(PythonTypeTests.SEQUENCE);
        j.getGlobalContext().put("strftime_now", FUNCTION_DEFINED);
        j.getGlobalContext().put("raise_exception", FUNCTION_DEFINED);
        return j;
    }

    /**
     * The template of a model folder: chat_template.jinja, else tokenizer_config.json's chat_template (a string,
     * or a list of named templates of which "default" is taken), else a processor's chat_template.json (multimodal
     * checkpoints such as Gemma-3-4B keep it there), else ChatML. Special tokens come from
     * tokenizer_config.json, else from {@code fallbackTokens} (the tokenizer's BOS/EOS).
     */
    private static final java.util.regex.Pattern READS_TOOLS = java.util.regex.Pattern.compile("\\btools\\b");

    /** Whether a template's text renders tool definitions: it reads the {@code tools} variable. */
    public static boolean takesTools(String templateText) {
        return READS_TOOLS.matcher(templateText).find();
    }

    public boolean takesTools() {
        return takesTools;
    }

    /** The form of tool call this template shows (in its tool_use variant if it has one), if it takes tools. */
    public Optional<ToolCallSyntax> toolCallSyntax() {
        return toolCallSyntax;
    }

    public static ChatTemplate load(Path dir, Map<String, String> fallbackTokens) {
        JsonNode config = readConfig(dir.resolve(TOKENIZER_CONFIG));
        Map<String, String> tokens = new HashMap<>(fallbackTokens);
        for (String key : SPECIAL_TOKENS) {
            String t = tokenText(config.get(key));
            if (t != null) {
                tokens.put(key, t);
            }
        }
        Path jinja = dir.resolve(JINJA_FILE);
        if (Files.isRegularFile(jinja)) {
            try {
                return new ChatTemplate(JINJA_FILE, Files.readString(jinja), tokens);
            } catch (IOException e) {
                throw new IllegalArgumentException(jinja + ": cannot read the chat template (" + e.getMessage() + ")", e);
            }
        }
        String fromConfig = configTemplate(config.get("chat_template"), "default");
        if (fromConfig != null) {
            return new ChatTemplate(TOKENIZER_CONFIG, fromConfig,
                    config.path("chat_template").isArray() ? configTemplate(config.get("chat_template"), "tool_use") : null,
                    tokens);
        }
        String fromProcessor = configTemplate(readConfig(dir.resolve(PROCESSOR_TEMPLATE)).get("chat_template"), "default");
        if (fromProcessor != null) {
            return new ChatTemplate(PROCESSOR_TEMPLATE, fromProcessor, tokens);
        }
        return new ChatTemplate(DEFAULT_SOURCE, CHATML, tokens);
    }

    private static JsonNode readConfig(Path file) {
        if (!Files.isRegularFile(file)) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
    }

    /** Special tokens appear as "<s>" or as an AddedToken object {"content": "<s>", ...}. */
    private static String tokenText(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        JsonNode content = node.get("content");
        return content != null && content.isTextual() ? content.textValue() : null;
    }

    /** A string template, or from a list of named ones the one of that name ("default": else the first). */
    private static String configTemplate(JsonNode node, String name) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isArray()) {
            String first = null;
            for (JsonNode named : node) {
                String t = named.path("template").asText(null);
                if (name.equals(named.path("name").asText())) {
                    return t;
                }
                first = first == null ? t : first;
            }
            return "default".equals(name) ? first : null;
        }
        return null;
    }

    /** Where the template came from: chat_template.jinja, tokenizer_config.json or the default. */
    public String source() {
        return source;
    }

    public Map<String, String> specialTokens() {
        return specialTokens;
    }

    /**
     * @throws TemplateRaisedException the template refused the conversation (raise_exception)
     * @throws ChatTemplateException   the template cannot be rendered at all (the model's fault, not the client's)
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, null, addGenerationPrompt);
    }

    /**
     * @param tools the request's tool definitions ({type: function, function: {name, description, parameters}}), or
     *              null, which templates see as none (as apply_chat_template passes tools=None)
     */
    public String render(List<ChatMessage> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt) {
        Map<String, Object> context = new HashMap<>(specialTokens);
        List<Map<String, Object>> values = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            values.add(m.asTemplateValue());
        }
        context.put("messages", values);
        context.put("tools", tools);
        context.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result;
        String raised;
        try {
            result = JINJAVA.renderForResult(tools != null && toolUse != null ? toolUse : template, context);
        } finally {
            raised = TemplateFunctions.RAISED.get();
            TemplateFunctions.RAISED.remove();
        }
        if (raised != null) {
            throw new TemplateRaisedException(raised);
        }
        List<String> fatal = new ArrayList<>();
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                fatal.add(e.getMessage() + (e.getFieldName() == null ? "" : " (at " + e.getFieldName() + ")"));
            }
        }
        if (!fatal.isEmpty()) {
            throw new ChatTemplateException("the chat template (" + source + ") cannot be rendered: "
                    + String.join("; ", fatal));
        }
        return result.getOutput();
    }
}
