package dev.secateur.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import picocli.CommandLine;

/**
 * One run of the tools' command line in this JVM, as `java -jar secateur-tools.jar ARGS` runs it (the same error
 * handler), with what it printed: the commands write their JSON line to System.out, progress and errors to stderr.
 */
public record ToolRun(int exitCode, String out, String err) {

    /** Synchronized: System.out and System.err are swapped for the run. */
    public static synchronized ToolRun of(String... args) {
        PrintStream stdout = System.out, stderr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            CommandLine cl = ToolsCommand.commandLine();
            cl.setOut(new PrintWriter(o, true));
            cl.setErr(new PrintWriter(e, true));
            int code = cl.execute(args);
            return new ToolRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }

    /** The first line of stdout that is a JSON object. */
    public JsonNode jsonLine() {
        String line = Arrays.stream(out.split("\n")).filter(l -> l.startsWith("{")).findFirst()
                .orElseThrow(() -> new AssertionError("no JSON line in: " + out + "\nstderr: " + err));
        try {
            return Json.mapper().readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file on the test classpath: src/test/resources and the reference fixtures under fixtures/. */
    public static String resource(String name) {
        try {
            return java.nio.file.Path.of(ToolRun.class.getResource("/" + name).toURI()).toString();
        } catch (java.net.URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("no test resource " + name, e);
        }
    }
}
