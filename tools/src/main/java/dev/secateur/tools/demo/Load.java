package dev.secateur.tools.demo;

import java.util.ArrayList;
import java.util.List;

/** Sequential greedy completions against one served version: latency percentiles and decode throughput. */
record Load(String version, int requests, double p50Ms, double p95Ms, double tokensPerSecond, String sample) {

    /** Warm-up requests are sent first and not counted: the first version measured would otherwise pay for JIT warm-up. */
    static final int WARMUP = 4;

    static Load run(ServeClient serve, String model, List<String> prompts, int requests, int maxTokens) throws Exception {
        for (int i = 0; i < WARMUP; i++) {
            serve.complete(model, prompts.get(i % prompts.size()), maxTokens);
        }
        List<Double> latencies = new ArrayList<>();
        long tokens = 0;
        double totalMs = 0;
        String version = null, sample = null;
        for (int i = 0; i < requests; i++) {
            String prompt = prompts.get(i % prompts.size());
            ServeClient.Timed t = serve.complete(model, prompt, maxTokens);
            String served = t.response().path("model").asText();
            if (version != null && !version.equals(served)) {
                throw new IllegalStateException("the served version changed during the measurement: " + version + " then " + served);
            }
            version = served;
            if (sample == null) {
                sample = prompt + "|" + t.response().path("choices").path(0).path("text").asText();
            }
            latencies.add(t.millis());
            totalMs += t.millis();
            tokens += t.response().path("usage").path("completion_tokens").asLong();
        }
        latencies.sort(Double::compare);
        return new Load(version, requests, percentile(latencies, 0.50), percentile(latencies, 0.95), tokens / (totalMs / 1000), sample);
    }

    private static double percentile(List<Double> sorted, double q) {
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
