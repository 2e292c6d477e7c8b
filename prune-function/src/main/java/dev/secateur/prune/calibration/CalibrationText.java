package dev.secateur.prune.calibration;

import dev.secateur.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Calibration text from a plain text file or JSONL ({"text": ...} per line; documents joined by a blank line). */
public final class CalibrationText {
    private static final ObjectMapper JSON = Json.mapper();

    private CalibrationText() {
    }

    public static String read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("calibration file " + file + " does not exist");
        }
        try {
            String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            if (!name.endsWith(".jsonl") && !name.endsWith(".ndjson")) {
                return Files.readString(file);
            }
            List<String> lines = Files.readAllLines(file);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (IOException e) {
                    throw new IllegalArgumentException(file + " line " + (i + 1) + ": not JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
                }
                JsonNode text = node == null ? null : node.get("text");
                if (text == null || !text.isTextual()) {
                    throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected an object with a string \"text\" field");
                }
                if (sb.length() > 0) {
                    sb.append("\n\n");
                }
                sb.append(text.asText());
            }
            return sb.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read calibration text", e);
        }
    }
}
