package dev.secateur.prune.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The prune-function's command line; run through ./secateur under the "cli" profile (no HTTP, no Kafka). Training from
 * scratch, random checkpoints, the demo's driver and the benchmarks are the tools module's (dev.secateur.tools.ToolsCommand).
 */
@TopCommand
@Command(name = "secateur", mixinStandardHelpOptions = true, version = "secateur 0.1",
        description = "Prune and evaluate decoder language models.",
        subcommands = {InspectCommand.class, EvalCommand.class, DatasetCommand.class, PruneCommand.class, ExportCommand.class,
                PublishCommand.class, ImportCommand.class, RecoverCommand.class, EngineInfoCommand.class,
                dev.secateur.prune.service.ServiceCommand.class})
public class SecateurCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
    }
}
