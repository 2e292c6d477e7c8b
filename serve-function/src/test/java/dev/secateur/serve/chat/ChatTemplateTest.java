package dev.secateur.serve.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real-style chat templates (src/test/resources/chat-templates, written after the Llama 3, Qwen2, Mistral, Gemma,
 * Phi-3 and Zephyr formats) rendered through Jinjava, compared with what Hugging Face's apply_chat_template gives.
 */
class ChatTemplateTest {

    @TempDir
    Path dir;

    static final List<ChatMessage> SYSTEM_USER = List.of(
            new ChatMessage("system", "You are terse.", null), new ChatMessage("user", " Hi! ", null));
    static final List<ChatMessage> TURNS = List.of(new ChatMessage("user", "Hi", null),
            new ChatMessage("assistant", "Hello", null), new ChatMessage("user", "Bye", null));

    ChatTemplate jinjaFile(String name, Map<String, String> tokens) throws IOException {
        Files.copy(Path.of("src/test/resources/chat-templates", name), dir.resolve(ChatTemplate.JINJA_FILE));
        return ChatTemplate.load(dir, tokens);
    }

    @Test
    void llama3FromTokenizerConfigWithAddedTokenObjects() throws IOException {
        String template = Files.readString(Path.of("src/test/resources/chat-templates/llama3.jinja"));
        String config = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("chat_template", template)
                .<com.fasterxml.jackson.databind.node.ObjectNode>set("bos_token",
                        new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("content", "<|begin_of_text|>"))
                .put("eos_token", "<|eot_id|>").toString();
        Files.writeString(dir.resolve(ChatTemplate.TOKENIZER_CONFIG), config);
        ChatTemplate t = ChatTemplate.load(dir, Map.of("bos_token", "WRONG"));
        assertEquals(ChatTemplate.TOKENIZER_CONFIG, t.source());
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", t.render(SYSTEM_USER, true));
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
                t.render(List.of(TURNS.get(0)), false));
    }

    @Test
    void qwen2ChatMlAddsItsDefaultSystemPrompt() throws IOException {
        ChatTemplate t = jinjaFile("qwen2-chatml.jinja", Map.of());
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n",
                t.render(TURNS, true));
        assertEquals("<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\n Hi! <|im_end|>\n",
                t.render(SYSTEM_USER, false));
    }

    @Test
    void mistralAlternatesAndRaisesOnBadOrder() throws IOException {
        ChatTemplate t = jinjaFile("mistral.jinja", Map.of("bos_token", "<s>", "eos_token", "</s>"));
        assertEquals("<s>[INST] Hi [/INST]Hello</s>[INST] Bye [/INST]", t.render(TURNS, true));
        TemplateRaisedException twoUsers = assertThrows(TemplateRaisedException.class, () -> t.render(List.of(
                new ChatMessage("user", "a", null), new ChatMessage("user", "b", null)), true));
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", twoUsers.getMessage());
        TemplateRaisedException system = assertThrows(TemplateRaisedException.class, () -> t.render(List.of(
                new ChatMessage("system", "s", null)), true));
        assertTrue(system.getMessage().contains("roles must alternate"), system.getMessage());
    }

    @Test
    void gemmaRenamesTheAssistantAndRefusesSystem() throws IOException {
        ChatTemplate t = jinjaFile("gemma.jinja", Map.of("bos_token", "<bos>", "eos_token", "<eos>"));
        assertEquals("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n"
                + "<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n", t.render(TURNS, true));
        assertEquals("System role not supported",
                assertThrows(TemplateRaisedException.class, () -> t.render(SYSTEM_USER, true)).getMessage());
    }

    /** A multimodal checkpoint (Gemma-3-4B) keeps its template in the processor's chat_template.json; tokens still come from tokenizer_config.json. */
    @Test
    void processorsChatTemplateJsonIsReadWhenTheTokenizerHasNone() throws IOException {
        String template = Files.readString(Path.of("src/test/resources/chat-templates/gemma3-style.jinja"));
        Files.writeString(dir.resolve(ChatTemplate.PROCESSOR_TEMPLATE), new com.fasterxml.jackson.databind.ObjectMapper()
                .createObjectNode().put("chat_template", template).toString());
        Files.writeString(dir.resolve(ChatTemplate.TOKENIZER_CONFIG), "{\"bos_token\": \"<bos>\", \"eos_token\": \"<eos>\"}");
        ChatTemplate t = ChatTemplate.load(dir, Map.of());
        assertEquals(ChatTemplate.PROCESSOR_TEMPLATE, t.source());
        assertEquals("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n", t.render(List.of(TURNS.get(0)), true));
    }

    /** Gemma 3's layout: the system message folded into the first user turn, string or text-part content. */
    @Test
    void gemma3FoldsTheSystemMessageIntoTheFirstUserTurn() throws IOException {
        ChatTemplate t = jinjaFile("gemma3-style.jinja", Map.of("bos_token", "<bos>", "eos_token", "<eos>"));
        assertEquals("<bos><start_of_turn>user\nYou are terse.\n\nHi!<end_of_turn>\n<start_of_turn>model\n",
                t.render(SYSTEM_USER, true));
        assertEquals("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n"
                + "<start_of_turn>user\nBye<end_of_turn>\n", t.render(TURNS, false));
    }

    @Test
    void phi3EndsWithEosWithoutGenerationPrompt() throws IOException {
        ChatTemplate t = jinjaFile("phi3.jinja", Map.of("eos_token", "<|endoftext|>"));
        assertEquals("<|system|>\nYou are terse.<|end|>\n<|user|>\n Hi! <|end|>\n<|assistant|>\n",
                t.render(SYSTEM_USER, true));
        assertEquals("<|user|>\nHi<|end|>\n<|endoftext|>", t.render(List.of(TURNS.get(0)), false));
    }

    /** trim_blocks and lstrip_blocks, as transformers sets them, and a Python str method (strip). */
    @Test
    void multiLineTemplateFollowsHuggingFaceWhitespace() throws IOException {
        ChatTemplate t = jinjaFile("zephyr-multiline.jinja", Map.of("eos_token", "</s>"));
        assertEquals("<|system|>\nYou are terse.</s>\n<|user|>\n Hi! </s>\n<|assistant|>\n", t.render(SYSTEM_USER, true));
    }

    @Test
    void pythonStringMethodsWork() {
        ChatTemplate t = new ChatTemplate("test", "{% for m in messages %}{% if m.content.startswith('/') %}"
                + "{{ m.content.upper() }}{% else %}{{ m.content.lower().rstrip() }}|{% endif %}{% endfor %}", Map.of());
        assertEquals("/CMD", t.render(List.of(new ChatMessage("user", "/cmd", null)), false));
        assertEquals("mixed|", t.render(List.of(new ChatMessage("user", "MiXed  ", null)), false));
    }

    /**
     * What Qwen3's template needs and Jinjava lacked: namespace(name=expression), messages[::-1], str methods with
     * arguments (rstrip('\n')), split keeping Python's semantics, startswith with a tuple.
     */
    @Test
    void qwen3StyleThinkingTemplateRenders() throws IOException {
        ChatTemplate t = jinjaFile("qwen3-style-thinking.jinja", Map.of("eos_token", "<|im_end|>"));
        List<ChatMessage> past = List.of(new ChatMessage("user", "Hi", null),
                new ChatMessage("assistant", "<think>\nhmm\n</think>\n\nHello", null), new ChatMessage("user", "Bye", null));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n"
                + "<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n", t.render(past, true));
        List<ChatMessage> toolTurn = List.of(new ChatMessage("user", "Hi", null),
                new ChatMessage("assistant", "<think>\nplan\n</think>\n\nCalling", null),
                new ChatMessage("user", "<tool_response>42</tool_response>", null));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\nplan\n</think>\n\nCalling<|im_end|>\n"
                + "<|im_start|>user\n<tool_response>42</tool_response><|im_end|>\n<|im_start|>assistant\n", t.render(toolTurn, true));
    }

    @Test
    void pythonStringMethodsKeepPythonSemantics() {
        ChatTemplate t = new ChatTemplate("test", "{% set c = messages[0].content %}"
                + "[{{ c.strip('x') }}][{{ c.lstrip('x') }}][{{ c.rstrip('x') }}][{{ c.split('x')|length }}][{{ c.split('x', 1)[-1] }}]"
                + "[{{ ' a  b '.split()|length }}][{{ 'ab cd'.title() }}][{{ '-'.join(['a', 'b']) }}][{{ c.startswith(('q', 'xx')) }}][{{ c.endswith('q') }}]"
                + "[{{ c.count('x') }}][{{ c.find('a') }}]", Map.of());
        assertEquals("[aXb][aXbxx][xxaXb][5][xaXbxx][2][Ab Cd][a-b][true][false][4][2]",
                t.render(List.of(new ChatMessage("user", "xxaXbxx", null)), false));
    }

    @Test
    void lstripBlocksOnlyTakesTheStartOfALine() {
        ChatTemplate t = new ChatTemplate("test", "{% for m in messages %}\n    {% if true %}{{ m.role }} {% endif %}\n{% endfor %}", Map.of());
        assertEquals("user user ", t.render(List.of(new ChatMessage("user", "a", null), new ChatMessage("user", "b", null)), false));
    }

    /** Jinja's whitespace control on expressions and comments ({{- x -}}, {#- c -#}), which Jinjava honours only when asked. */
    @Test
    void expressionAndCommentDashesTrimLikeJinja() {
        ChatTemplate t = new ChatTemplate("test", "a  \n   {{- messages[0].role -}}  \n b {#- note -#}\n c", Map.of());
        assertEquals("auserbc", t.render(List.of(new ChatMessage("user", "x", null)), false));
    }

    @Test
    void namespaceArgumentsAreParenthesisedAndReversedSlicesRewritten() {
        assertEquals("{% set ns = namespace(a=(1), b=(x|length - 1), c=(d == 2)) %}",
                JinjaSyntax.forJinjava("{% set ns = namespace(a=1, b=x|length - 1, c=d == 2) %}"));
        assertEquals("{% for m in (messages|reverse) %}{{ (m.parts|reverse)[0] }}",
                JinjaSyntax.forJinjava("{% for m in messages[::-1] %}{{ m.parts[::-1][0] }}"));
        // string literals and plain text stay as written
        String literal = "{{ f(a, 'namespace(x=1)', \"y[::-1]\") }} namespace(z=1) w[::-1]";
        assertEquals(literal, JinjaSyntax.forJinjava(literal));
    }

    @Test
    void withoutTemplateChatMlIsTheDefault() {
        ChatTemplate t = ChatTemplate.load(dir, Map.of("eos_token", "</s>"));
        assertEquals(ChatTemplate.DEFAULT_SOURCE, t.source());
        assertEquals("<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\n Hi! <|im_end|>\n"
                + "<|im_start|>assistant\n", t.render(SYSTEM_USER, true));
    }

    @Test
    void theDemoModelsTemplateRenders() {
        ChatTemplate t = ChatTemplate.load(Path.of("../models/kjv-llama"), Map.of("eos_token", "<|endoftext|>"));
        assertEquals(ChatTemplate.JINJA_FILE, t.source());
        assertEquals("You are terse.\n\nQ: Hi!\nA:", t.render(SYSTEM_USER, true));
        assertEquals("Q: Hi\nA: Hello<|endoftext|>\nQ: Bye\nA:", t.render(TURNS, true));
    }

    @Test
    void aTemplateJinjavaCannotRenderIsAServerFault() {
        ChatTemplate t = new ChatTemplate("broken", "{{ messages[0].content.no_such_method() }}", Map.of());
        assertThrows(ChatTemplateException.class, () -> t.render(TURNS, true));
    }

    @Test
    void endOfTurnTokensAreThoseTheVocabularyHas() {
        ChatTemplate t = new ChatTemplate("test", ChatTemplate.CHATML, Map.of("eos_token", "</s>"));
        Map<String, Integer> vocab = Map.of("</s>", 2, "<|im_end|>", 7);
        ChatFormat f = ChatFormat.of(t, token -> Optional.ofNullable(vocab.get(token)));
        assertEquals(java.util.Set.of(2L, 7L), f.endOfTurnIds());
    }
}
