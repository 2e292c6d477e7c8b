package dev.secateur.prune.cli;

import dev.secateur.checkpoint.CheckpointException;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Expected failures (a bad model folder, a bad argument, an unreadable file) are the user's to fix: print
 * the message, which names the file or tensor, and exit 1 without a stack trace. Anything else is a bug and
 * keeps its stack trace.
 */
public class CliErrors implements IExecutionExceptionHandler {
    static final int FAILED = 1;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        if (ex instanceof CheckpointException || ex instanceof IllegalArgumentException || ex instanceof UncheckedIOException
                || ex instanceof dev.secateur.onnx.OnnxImportException || ex instanceof dev.secateur.onnx.OnnxExportException) {
            cmd.getErr().println(cmd.getCommandName() + ": " + ex.getMessage());
        } else {
            ex.printStackTrace(cmd.getErr());
        }
        cmd.getErr().flush();
        return FAILED;
    }
}
