package dev.secateur.tools.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.prune.report.BeforeAfterChart;
import dev.secateur.events.CloudEvent;
import dev.secateur.events.EventTypes;
import dev.secateur.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The client side of ./demo.sh: measures the served dense version, publishes a prune request on Kafka,
 * follows its events, waits for serve-function to hot-load the new version, measures it, and prints and
 * writes the before/after table and chart. Everything goes through Kafka and HTTP, as a user's tools would.
 */
@Command(name = "demo-driver", mixinStandardHelpOptions = true,
        description = "Drive the end-to-end demo against running prune- and serve-functions (used by ./demo.sh).")
public class DemoDriverCommand implements Callable<Integer> {
    @Option(names = "--bootstrap", defaultValue = "127.0.0.1:19092", description = "Kafka bootstrap servers")
    String bootstrap;

    @Option(names = "--serve-url", defaultValue = "http://127.0.0.1:8081", description = "serve-function base URL")
    String serveUrl;

    @Option(names = "--model", required = true, description = "served model name in the store")
    String model;

    @Option(names = "--request", required = true, description = "JSON file with the prune request's data")
    Path request;

    @Option(names = "--prompts", required = true, description = "text file, one prompt per line")
    Path prompts;

    @Option(names = "--requests", defaultValue = "24", description = "completions measured per version")
    int requests;

    @Option(names = "--max-tokens", defaultValue = "32", description = "tokens generated per completion")
    int maxTokens;

    @Option(names = "--out", required = true, description = "folder for demo-table.md and demo-chart.png")
    Path out;

    @Option(names = "--timeout", defaultValue = "PT30M", description = "longest wait for the prune job (ISO-8601)")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        ServeClient serve = new ServeClient(serveUrl);
        List<String> promptList = Files.readAllLines(prompts, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        JsonNode denseInfo = serve.model(model);
        int denseVersion = denseInfo.path("version").asInt();
        step("measuring the dense version (v" + denseVersion + ", " + denseInfo.path("provider").asText() + "): "
                + requests + " greedy completions of " + maxTokens + " tokens");
        Load dense = measure(serve, promptList);

        step("publishing a prune request on Kafka and following its events");
        CloudEvent outcome;
        long published = System.nanoTime();
        try (EventFollower follower = new EventFollower(bootstrap, System.out)) {
            outcome = follower.publishAndFollow(Json.mapper().readTree(request.toFile()), timeout);
        }
        System.out.printf("  outcome %.1f s after the request was published%n", (System.nanoTime() - published) / 1e9);
        if (!outcome.type().equals(EventTypes.PRUNE_COMPLETED)) {
            System.out.println("The prune job did not complete: " + outcome.type() + " " + outcome.data());
            return 2;
        }
        int prunedVersion = outcome.data().path("version").asInt();

        step("waiting for serve-function to hot-load v" + prunedVersion);
        long t0 = System.nanoTime();
        JsonNode prunedInfo = serve.model(model);
        while (prunedInfo.path("version").asInt() != prunedVersion) {
            if (System.nanoTime() - t0 > Duration.ofMinutes(5).toNanos()) {
                System.out.println("serve-function did not load v" + prunedVersion + ": " + prunedInfo.path("last_error"));
                return 3;
            }
            Thread.sleep(200);
            prunedInfo = serve.model(model);
        }
        System.out.printf("  serving v%d %.1f s after the completed event%n", prunedVersion, (System.nanoTime() - t0) / 1e9);

        step("measuring the pruned version (v" + prunedVersion + ")");
        Load pruned = measure(serve, promptList);

        JsonNode summary = serve.report(model).path("current").path("report").path("summary");
        DemoTable table = new DemoTable(summary, dense, pruned);
        Files.createDirectories(out);
        String markdown = table.markdown(model, denseVersion, prunedVersion, Json.mapper().readTree(request.toFile()));
        Files.writeString(out.resolve("demo-table.md"), markdown);
        BeforeAfterChart.write(out.resolve("demo-chart.png"), model + ": v" + denseVersion + " (dense) vs v" + prunedVersion + " (pruned)",
                ffnWidths(denseInfo), ffnWidths(prunedInfo), table.ratios());
        System.out.println();
        System.out.println(markdown);
        System.out.println("Wrote " + out.resolve("demo-table.md") + " and " + out.resolve("demo-chart.png"));
        return 0;
    }

    /** The served version's figures under the load, printed as they come. */
    private Load measure(ServeClient serve, List<String> prompts) throws Exception {
        Load l = Load.run(serve, model, prompts, requests, maxTokens);
        System.out.printf("  p50 %.0f ms, %.1f tokens/s%n  sample: %s%n", l.p50Ms(), l.tokensPerSecond(), oneLine(l.sample()));
        return l;
    }

    private static List<Integer> ffnWidths(JsonNode info) throws Exception {
        String sizes = info.path("metadata").path("secateur.layer_sizes").asText("[]");
        List<Integer> ffn = new ArrayList<>();
        for (JsonNode l : Json.mapper().readTree(sizes)) {
            ffn.add(l.path("ffn").asInt());
        }
        return ffn;
    }

    private static String oneLine(String s) {
        String flat = s.replace('\n', ' ');
        return flat.length() > 160 ? flat.substring(0, 160) + "…" : flat;
    }

    private static void step(String what) {
        System.out.printf(Locale.ROOT, "%n== %s%n", what);
    }
}
