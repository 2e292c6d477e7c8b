package dev.secateur.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** ./secateur sends the tools' subcommands to this module's jar by a list of their names, which must stay complete. */
class ToolsScriptTest {

    @Test
    void theScriptSendsEveryToolHereAndNothingElse() throws Exception {
        String script = Files.readString(Path.of(System.getProperty("secateur.root")).resolve("secateur"));
        Matcher m = Pattern.compile("(?m)^tools_commands=\\(([^)]*)\\)").matcher(script);
        assertTrue(m.find(), "no tools_commands=(...) line in ./secateur");
        List<String> listed = List.of(m.group(1).trim().split("\\s+"));
        List<String> subcommands = List.copyOf(ToolsCommand.commandLine().getSubcommands().keySet());
        assertEquals(subcommands, listed);
    }
}
