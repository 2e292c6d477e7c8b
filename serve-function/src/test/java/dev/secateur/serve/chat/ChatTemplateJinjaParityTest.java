package dev.secateur.serve.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Every chat template under src/test/resources/chat-templates, on several conversations, rendered by ChatTemplate
 * (Jinjava) and by Jinja2 itself the way Hugging Face's apply_chat_template sets it up (render_jinja2.py, Debian's
 * python3-jinja2, which scripts/test.sh installs): the same text, or both refuse the conversation. Skips without
 * python3-jinja2. {@code -Dsecateur.chat-templates=DIR} adds the *.jinja files of DIR (say, a real model's
 * chat_template.jinja) to the ones compared.
 */
class ChatTemplateJinjaParityTest {

    private static final String PY = "/usr/bin/python3";
    private static final Path TEMPLATES = Path.of("src/test/resources/chat-templates");
    private static final ObjectMapper JSON = Json.mapper();
    private static final Map<String, String> TOKENS = Map.of("bos_token", "<s>", "eos_token", "</s>");

    static final List<List<ChatMessage>> CONVERSATIONS = List.of(
            List.of(new ChatMessage("user", "Hi", null)),
            List.of(new ChatMessage("system", "You are terse.", null), new ChatMessage("user", " Hi! ", null)),
            List.of(new ChatMessage("user", "Hi", null), new ChatMessage("assistant", "Hello", null), new ChatMessage("user", "Bye", null)),
            List.of(new ChatMessage("system", "S", null), new ChatMessage("user", "What is 2+2?", null),
                    new ChatMessage("assistant", "<think>\nadd\n</think>\n\n4", null), new ChatMessage("user", "And 3+3?\n", null)),
            List.of(new ChatMessage("user", "Hi", null), new ChatMessage("assistant", "<think>\nplan\n</think>\n\nCalling", null),
                    new ChatMessage("user", "<tool_response>42</tool_response>", null)),
            List.of(new ChatMessage("user", "a", null), new ChatMessage("user", "b", null)));

    /** A tool as OpenAI's request carries it, key order kept, a float among the numbers (tojson prints it). */
    static final List<Map<String, Object>> TOOLS = List.of(Map.of("type", "function", "function", ordered(
            "name", "get_weather", "description", "Weather in a city, \"now\" or ahead",
            "parameters", ordered("type", "object", "properties", ordered(
                    "city", ordered("type", "string", "description", "the city"),
                    "days", ordered("type", "integer", "minimum", 1, "maximum", 7.5)), "required", List.of("city")))));

    /** Conversations rendered with TOOLS: a question, and the call made and answered (arguments as an object). */
    static final List<List<ChatMessage>> TOOL_CONVERSATIONS = List.of(
            List.of(new ChatMessage("user", "Weather in Paris?", null)),
            List.of(new ChatMessage("system", "Use tools.", null), new ChatMessage("user", "Weather in Paris?", null),
                    new ChatMessage("assistant", "", null, List.of(ordered("id", "call12345", "type", "function",
                            "function", ordered("name", "get_weather", "arguments", ordered("city", "Paris", "days", 2)))),
                            null),
                    new ChatMessage("tool", "{\"temp\": 21}", null, null, "call12345")));

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static boolean jinja2Available() {
        try {
            Process p = new ProcessBuilder(PY, "-c", "import jinja2").redirectErrorStream(true).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void everyTemplateRendersAsJinja2Does() throws Exception {
        Assumptions.assumeTrue(jinja2Available(), "python3-jinja2 not installed (apt-get install python3-jinja2)");
        List<Path> templates = new ArrayList<>(jinjaFiles(TEMPLATES));
        String extra = System.getProperty("secateur.chat-templates");
        if (extra != null && !extra.isBlank()) {
            templates.addAll(jinjaFiles(Path.of(extra)));
        }
        // every rendering first, so that Jinja2 renders them all in one process
        List<Path> files = new ArrayList<>();
        List<List<ChatMessage>> conversations = new ArrayList<>();
        List<List<Map<String, Object>>> tools = new ArrayList<>();
        List<Boolean> prompts = new ArrayList<>();
        int toolTemplates = 0;
        for (Path file : templates) {
            // tool conversations only where the template takes tools: the server refuses tools elsewhere
            boolean takesTools = ChatTemplate.takesTools(Files.readString(file));
            toolTemplates += takesTools ? 1 : 0;
            for (List<List<ChatMessage>> set : takesTools ? List.of(CONVERSATIONS, TOOL_CONVERSATIONS) : List.of(CONVERSATIONS)) {
                for (List<ChatMessage> conversation : set) {
                    for (boolean generationPrompt : new boolean[] {true, false}) {
                        files.add(file);
                        conversations.add(conversation);
                        tools.add(set == TOOL_CONVERSATIONS ? TOOLS : null);
                        prompts.add(generationPrompt);
                    }
                }
            }
        }
        List<String> wanted = reference(files, conversations, tools, prompts);
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        List<String> failingInJinja2 = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            if (wanted.get(i).startsWith("failed: ")) {
                // apply_chat_template cannot render this input either (a TypeError in the template): nothing to match
                failingInJinja2.add(files.get(i).getFileName() + " " + roles(conversations.get(i)) + ": " + wanted.get(i));
                continue;
            }
            String got;
            try {
                got = new ChatTemplate(files.get(i).getFileName().toString(), Files.readString(files.get(i)), TOKENS)
                        .render(conversations.get(i), tools.get(i), prompts.get(i));
            } catch (TemplateRaisedException e) {
                got = "raised: " + e.getMessage();
            }
            compared++;
            if (!wanted.get(i).equals(got)) {
                mismatches.add(files.get(i).getFileName() + " " + roles(conversations.get(i))
                        + (tools.get(i) == null ? "" : " with tools") + " generation prompt " + prompts.get(i)
                        + "\n  jinja2:  " + JSON.writeValueAsString(wanted.get(i)) + "\n  jinjava: " + JSON.writeValueAsString(got));
            }
        }
        if (!mismatches.isEmpty()) {
            fail(mismatches.size() + " of " + compared + " renderings differ from Jinja2:\n" + String.join("\n", mismatches));
        }
        assertEquals((templates.size() * CONVERSATIONS.size() + toolTemplates * TOOL_CONVERSATIONS.size()) * 2,
                compared + failingInJinja2.size());
        if (!failingInJinja2.isEmpty()) {
            System.out.println(failingInJinja2.size() + " renderings fail in Jinja2 itself, not compared:\n  "
                    + String.join("\n  ", failingInJinja2));
        }
        assertTrue(toolTemplates >= 2, "the test's own templates include tool-calling ones");
    }

    private static List<Path> jinjaFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".jinja")).sorted().toList();
        }
    }

    private static String roles(List<ChatMessage> conversation) {
        return conversation.stream().map(ChatMessage::role).toList().toString();
    }

    /** Jinja2's rendering of each (template file, conversation, generation prompt), in one python3 process. */
    private static List<String> reference(List<Path> files, List<List<ChatMessage>> conversations,
                                          List<List<Map<String, Object>>> tools, List<Boolean> prompts) throws Exception {
        List<Map<String, Object>> requests = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Map<String, Object> request = new LinkedHashMap<>();
            request.put("template", Files.readString(files.get(i)));
            request.put("messages", conversations.get(i).stream().map(ChatMessage::asTemplateValue).toList());
            request.put("add_generation_prompt", prompts.get(i));
            request.put("tools", tools.get(i));
            request.put("tokens", TOKENS);
            requests.add(request);
        }
        Process p = new ProcessBuilder(PY, TEMPLATES.resolve("render_jinja2.py").toString()).start();
        p.getOutputStream().write(Json.keepingNulls().writeValueAsBytes(requests)); // content: null reaches Jinja2 as None
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("render_jinja2.py failed: " + err);
        }
        List<String> results = new ArrayList<>();
        for (JsonNode r : JSON.readTree(out)) {
            results.add(r.has("raised") ? "raised: " + r.get("raised").asText()
                    : r.has("failed") ? "failed: " + r.get("failed").asText() : r.get("output").asText());
        }
        assertEquals(files.size(), results.size(), "one Jinja2 result per rendering");
        return results;
    }
}
