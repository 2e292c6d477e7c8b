package dev.secateur.tools;

import dev.secateur.prune.cli.CliErrors;
import dev.secateur.tools.bench.BenchExportCommand;
import dev.secateur.tools.bench.BenchForwardCommand;
import dev.secateur.tools.bench.BenchOnnxCommand;
import dev.secateur.tools.demo.DemoDriverCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The commands beside the prune function: training from scratch, random checkpoints, the demo's driver and the
 * benchmarks. A plain picocli application: ./secateur sends these subcommands here and the rest to prune-function.
 */
@Command(name = "secateur", mixinStandardHelpOptions = true, version = "secateur 0.1",
        description = "Tools beside the prune function: training, random checkpoints, the demo's driver, benchmarks.",
        subcommands = {TrainCommand.class, MakeRandomCommand.class, BenchForwardCommand.class, BenchExportCommand.class,
                BenchOnnxCommand.class, DemoDriverCommand.class})
public class ToolsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
    }

    /** The command line with prune-function's handling of expected failures (a message and exit 1, no stack trace). */
    public static CommandLine commandLine() {
        return new CommandLine(new ToolsCommand()).setExecutionExceptionHandler(new CliErrors());
    }

    public static void main(String[] args) {
        ToolLogging.configure();
        System.exit(commandLine().execute(args));
    }
}
