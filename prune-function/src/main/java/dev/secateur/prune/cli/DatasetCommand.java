package dev.secateur.prune.cli;

import dev.secateur.prune.inputs.Datasets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Calibration and eval texts kept in the model store, so prune requests say {@code {"dataset": "name"}} instead
 * of naming files on the service's machine.
 */
@Command(name = "dataset", mixinStandardHelpOptions = true, description = "Upload or list texts kept in the model store.",
        subcommands = {DatasetCommand.Upload.class, DatasetCommand.ListDatasets.class})
public class DatasetCommand {

    @Command(name = "upload", mixinStandardHelpOptions = true,
            description = "Store a text file as a dataset (replaces an earlier upload of that name).")
    static class Upload implements Runnable {
        @Mixin
        StoreOption store;

        @Option(names = "--name", required = true, description = "dataset name (lower case, digits, . _ -)")
        String name;

        @Parameters(index = "0", description = "the text file")
        Path file;

        @Override
        public void run() {
            System.out.println(line(new Datasets(store.root).upload(name, file)));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "One JSON line per stored dataset.")
    static class ListDatasets implements Runnable {
        @Mixin
        StoreOption store;

        @Override
        public void run() {
            new Datasets(store.root).list().forEach(d -> System.out.println(line(d)));
        }
    }

    private static String line(Datasets.Dataset d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dataset", d.name());
        m.put("bytes", d.bytes());
        m.put("sha256", d.sha256());
        return JsonLine.of(m);
    }
}
