package dev.secateur.serve.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.runtime.GenerationResult;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.runtime.SamplingParams;
import dev.secateur.runtime.TokenCallback;
import dev.secateur.tokenizer.TextTokenizer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load generator (a benchmark, not a test): the same greedy completions through the HTTP server and through a
 * bare OrtDecoder on the same version folder, with the same concurrency, in one run.
 *
 * <pre>
 * serve-function/bench.sh --url http://localhost:8080 --model NAME --dir STORE/NAME/VERSION \
 *     [--clients 8] [--requests 200] [--max-tokens 32] [--prompt "..."] [--threads 0]
 * </pre>
 * Prints, per path: requests, p50/p95 latency (ms) and generated tokens per second (all clients together).
 */
public final class ServeBench {

    private static final ObjectMapper JSON = new ObjectMapper();

    interface Call {
        /** Runs one completion, returns the number of generated tokens. */
        int run() throws Exception;
    }

    record Result(String path, int requests, int failed, double p50, double p95, double tokensPerSecond, double wallS) {
        @Override
        public String toString() {
            return String.format("%-6s requests %5d  failed %3d  p50 %8.2f ms  p95 %8.2f ms  %9.1f tokens/s  (%.1f s)",
                    path, requests, failed, p50, p95, tokensPerSecond, wallS);
        }
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = args(argv);
        String url = a.getOrDefault("url", "http://localhost:8080");
        String model = a.getOrDefault("model", "model");
        int clients = Integer.parseInt(a.getOrDefault("clients", "8"));
        int requests = Integer.parseInt(a.getOrDefault("requests", "200"));
        int maxTokens = Integer.parseInt(a.getOrDefault("max-tokens", "32"));
        int threads = Integer.parseInt(a.getOrDefault("threads", "0"));
        String prompt = a.getOrDefault("prompt", "hello world the cat sat on the mat");
        Path dir = Path.of(a.getOrDefault("dir", "."));

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        URI completions = URI.create(url + "/v1/completions");
        String body = JSON.writeValueAsString(Map.of("model", model, "prompt", prompt, "max_tokens", maxTokens,
                "temperature", 0));
        Call viaHttp = () -> {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(completions).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
            }
            JsonNode j = JSON.readTree(r.body());
            return j.path("usage").path("completion_tokens").asInt();
        };

        try (OrtDecoder decoder = OrtDecoder.open(dir, OrtDecoder.Options.defaults().withIntraOpThreads(threads));
             TextTokenizer tokenizer = TextTokenizer.load(dir.resolve("tokenizer.json"))) {
            Set<Integer> stop = decoder.eosTokenId() == null ? Set.of() : Set.of(decoder.eosTokenId());
            Call bare = () -> {
                int[] ids = Arrays.stream(tokenizer.encode(prompt)).mapToInt(Math::toIntExact).toArray();
                GenerationResult g = decoder.generate(ids, SamplingParams.greedy(maxTokens).withStopTokens(stop),
                        TokenCallback.NONE);
                tokenizer.decode(g.tokens().stream().mapToLong(Integer::longValue).toArray());
                return g.tokens().size();
            };
            System.out.printf("model %s (%s), %d clients, %d requests, max_tokens %d, provider %s%n", model, dir, clients,
                    requests, maxTokens, decoder.provider());
            run("warmup", bare, clients, Math.min(requests, 2 * clients));
            run("warmup", viaHttp, clients, Math.min(requests, 2 * clients));
            System.out.println(run("bare", bare, clients, requests));
            System.out.println(run("http", viaHttp, clients, requests));
        }
    }

    static Result run(String name, Call call, int clients, int requests) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger tokens = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        List<Double> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            fs.add(pool.submit(() -> {
                while (next.getAndIncrement() < requests) {
                    long s = System.nanoTime();
                    try {
                        tokens.addAndGet(call.run());
                        latencies.add((System.nanoTime() - s) / 1e6);
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        double wall = (System.nanoTime() - t0) / 1e9;
        double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Result(name, sorted.length, failed.get(), pct(sorted, 0.5), pct(sorted, 0.95), tokens.get() / wall, wall);
    }

    static double pct(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1))];
    }

    static Map<String, String> args(String[] argv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            if (!argv[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value, got " + argv[i]);
            }
            m.put(argv[i].substring(2), argv[i + 1]);
        }
        return m;
    }
}
