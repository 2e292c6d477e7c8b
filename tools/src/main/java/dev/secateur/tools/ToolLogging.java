package dev.secateur.tools;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logging as prune-function's "cli" profile has it, without Quarkus to set it up: warnings and errors on stderr. slf4j
 * goes to slf4j-simple (simplelogger.properties); JBoss Logging, which shared logs through, would pick java.util.logging
 * here, so it is sent to slf4j too; what logs through java.util.logging itself (ONNX Runtime) keeps its handler at WARNING.
 */
final class ToolLogging {
    private ToolLogging() {
    }

    /** Before any logger is created: JBoss Logging chooses its provider once. */
    static void configure() {
        if (System.getProperty("org.jboss.logging.provider") == null) {
            System.setProperty("org.jboss.logging.provider", "slf4j");
        }
        Logger.getLogger("").setLevel(Level.WARNING);
    }
}
