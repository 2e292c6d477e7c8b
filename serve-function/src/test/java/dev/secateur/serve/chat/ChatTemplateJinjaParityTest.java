package dev.secateur.serve.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        List<Boolean> prompts = new ArrayList<>();
        for (Path file : templates) {
            for (List<ChatMessage> conversation : CONVERSATIONS) {
                for (boolean generationPrompt : new boolean[] {true, false}) {
                    files.add(file);
                    conversations.add(conversation);
                    prompts.add(generationPrompt);
                }
            }
        }
        List<String> wanted = reference(files, conversations, prompts);
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        for (int i = 0; i < files.size(); i++) {
            String got;
            try {
                got = new ChatTemplate(files.get(i).getFileName().toString(), Files.readString(files.get(i)), TOKENS)
                        .render(conversations.get(i), prompts.get(i));
            } catch (TemplateRaisedException e) {
                got = "raised: " + e.getMessage();
            }
            compared++;
            if (!wanted.get(i).equals(got)) {
                mismatches.add(files.get(i).getFileName() + " " + roles(conversations.get(i)) + " generation prompt " + prompts.get(i)
                        + "\n  jinja2:  " + JSON.writeValueAsString(wanted.get(i)) + "\n  jinjava: " + JSON.writeValueAsString(got));
            }
        }
        if (!mismatches.isEmpty()) {
            fail(mismatches.size() + " of " + compared + " renderings differ from Jinja2:\n" + String.join("\n", mismatches));
        }
        assertEquals(templates.size() * CONVERSATIONS.size() * 2, compared);
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
    private static List<String> reference(List<Path> files, List<List<ChatMessage>> conversations, List<Boolean> prompts)
            throws Exception {
        List<Map<String, Object>> requests = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Map<String, Object> request = new LinkedHashMap<>();
            request.put("template", Files.readString(files.get(i)));
            request.put("messages", conversations.get(i).stream().map(ChatMessage::asTemplateValue).toList());
            request.put("add_generation_prompt", prompts.get(i));
            request.put("tokens", TOKENS);
            requests.add(request);
        }
        Process p = new ProcessBuilder(PY, TEMPLATES.resolve("render_jinja2.py").toString()).start();
        p.getOutputStream().write(JSON.writeValueAsBytes(requests));
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("render_jinja2.py failed: " + err);
        }
        List<String> results = new ArrayList<>();
        for (JsonNode r : JSON.readTree(out)) {
            results.add(r.has("raised") ? "raised: " + r.get("raised").asText() : r.get("output").asText());
        }
        assertEquals(files.size(), results.size(), "one Jinja2 result per rendering");
        return results;
    }
}
