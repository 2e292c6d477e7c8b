package dev.secateur.prune.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** `--model` where a command reads a Hugging Face folder and says nothing more about it than that. */
public class ModelFolderOption {
    @Option(names = "--model", required = true, paramLabel = "<model>", description = "Hugging Face model folder")
    Path path;
}
