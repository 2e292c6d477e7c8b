package dev.secateur.tools.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.prune.report.BeforeAfterChart;
import java.util.List;
import java.util.Locale;

/** The before/after table: what pruning removed (from report.json) and what serving measured (from Load). */
record DemoTable(JsonNode summary, Load dense, Load pruned) {

    String markdown(String model, int denseVersion, int prunedVersion, JsonNode request) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Model %s: v%d dense vs v%d pruned (method %s, ffnRatio %s, headRatio %s, compensation %s)%n%n",
                model, denseVersion, prunedVersion, request.path("method").asText("mi"), request.path("ffnRatio").asText("0.2"),
                request.path("headRatio").asText("0"), request.path("compensation").asText("lsq")));
        b.append("| | dense | pruned | pruned/dense |\n|---|---:|---:|---:|\n");
        row(b, "parameters", summary.path("paramsBefore").asDouble(), summary.path("paramsAfter").asDouble(), "%,.0f");
        row(b, "weights on disk (MB)", summary.path("bytesBefore").asDouble() / 1e6, summary.path("bytesAfter").asDouble() / 1e6, "%.2f");
        row(b, "perplexity (seq " + summary.path("evalSeqLen").asText("?") + ")", summary.path("pplBefore").asDouble(Double.NaN),
                summary.path("pplAfter").asDouble(Double.NaN), "%.3f");
        if (summary.hasNonNull("agreement")) {
            b.append(String.format(Locale.ROOT, "| top-1 next-token agreement with dense | 1 | %.3f | |%n", summary.path("agreement").asDouble()));
        }
        row(b, "decode tokens/s (HTTP, 1 client)", dense.tokensPerSecond(), pruned.tokensPerSecond(), "%.1f");
        row(b, "latency p50 (ms)", dense.p50Ms(), pruned.p50Ms(), "%.0f");
        row(b, "latency p95 (ms)", dense.p95Ms(), pruned.p95Ms(), "%.0f");
        return b.toString();
    }

    List<BeforeAfterChart.Ratio> ratios() {
        return List.of(
                new BeforeAfterChart.Ratio("parameters", summary.path("paramsAfter").asDouble() / summary.path("paramsBefore").asDouble()),
                new BeforeAfterChart.Ratio("perplexity", summary.path("pplAfter").asDouble(Double.NaN) / summary.path("pplBefore").asDouble(Double.NaN)),
                new BeforeAfterChart.Ratio("tokens/s", pruned.tokensPerSecond() / dense.tokensPerSecond()),
                new BeforeAfterChart.Ratio("p50 latency", pruned.p50Ms() / dense.p50Ms()));
    }

    private static void row(StringBuilder b, String label, double before, double after, String fmt) {
        b.append("| ").append(label).append(" | ").append(String.format(Locale.ROOT, fmt, before)).append(" | ")
                .append(String.format(Locale.ROOT, fmt, after)).append(" | ")
                .append(Double.isFinite(after / before) ? String.format(Locale.ROOT, "×%.3f", after / before) : "n/a").append(" |\n");
    }
}
