package dev.secateur.prune.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** `--out` of the commands that write a model folder and ask nothing of the folder beforehand. */
public class OutputFolderOption {
    @Option(names = "--out", required = true, paramLabel = "<out>", description = "output folder")
    Path path;
}
