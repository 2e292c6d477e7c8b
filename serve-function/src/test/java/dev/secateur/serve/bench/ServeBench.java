package dev.secateur.serve.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.runtime.Generator;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.runtime.Sampler;
import dev.secateur.tokenizer.TextTokenizer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load generator (a benchmark, not a test; scripts/bench-serve.sh runs it): closed-loop clients sending streamed
 * greedy completions for a fixed time at each concurrency, through a served URL and, with --dir, through a bare
 * batch-1 OrtDecoder on the same folder doing the same work (tokenise, generate, detokenise).
 *
 * <pre>
 * ServeBench [--urls "LABEL=http://host:port;..."] [--model NAME] [--dir VERSION_FOLDER] [--clients 1,2,4,8,16]
 *            [--seconds 5] [--rounds 3] [--max-tokens 32] [--prompt "..."] [--stream true|false] [--threads N]
 *            [--spin-wait false]
 * </pre>
 * At each concurrency every path runs {@code seconds} in turn, {@code rounds} times over, so a change in the machine's
 * load lands on all paths alike. Prints one markdown row per path and concurrency: the median round's tokens/s of all
 * clients together and the range over rounds, its ratio to one client, p50/p95 request latency and p50 time to
 * first token over all rounds.
 */
public final class ServeBench {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request's outcome. */
    record Sample(int tokens, double latencyMs, double ttftMs) {
    }

    interface Call {
        Sample run() throws Exception;
    }

    /**
     * One path at one concurrency over several rounds: the median round's tokens/s (and the range), latencies over
     * every request of every round.
     */
    record Level(int clients, int requests, int failed, double tokensPerSecond, double minTokensPerSecond,
                 double maxTokensPerSecond, double p50, double p95, double ttftP50) {

        static Level of(int clients, List<Slice> rounds) {
            double[] tps = rounds.stream().mapToDouble(Slice::tokensPerSecond).sorted().toArray();
            List<Sample> all = rounds.stream().flatMap(r -> r.samples().stream()).toList();
            double[] lat = all.stream().mapToDouble(Sample::latencyMs).sorted().toArray();
            double[] ttft = all.stream().mapToDouble(Sample::ttftMs).filter(d -> !Double.isNaN(d)).sorted().toArray();
            return new Level(clients, lat.length, rounds.stream().mapToInt(Slice::failed).sum(), pct(tps, 0.5), tps[0],
                    tps[tps.length - 1], pct(lat, 0.5), pct(lat, 0.95), pct(ttft, 0.5));
        }
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = args(argv);
        String model = a.getOrDefault("model", "model");
        int[] clients = Arrays.stream(a.getOrDefault("clients", "1,2,4,8,16").split(",")).mapToInt(Integer::parseInt)
                .toArray();
        double seconds = Double.parseDouble(a.getOrDefault("seconds", "5"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "3"));
        int maxTokens = Integer.parseInt(a.getOrDefault("max-tokens", "32"));
        double warmup = Double.parseDouble(a.getOrDefault("warmup", "20"));
        String prompt = a.getOrDefault("prompt", "And God said, Let there be light: and there was light.");
        // Paths in the order they are printed; at each concurrency all of them run one after the other, so a change
        // in the machine's load shows in every path's row rather than in one path's.
        Map<String, Call> paths = new java.util.LinkedHashMap<>();
        List<AutoCloseable> open = new ArrayList<>();
        if (a.containsKey("dir")) {
            Path dir = Path.of(a.get("dir"));
            OrtDecoder decoder = OrtDecoder.open(dir, OrtDecoder.Options.defaults()
                    .withIntraOpThreads(Integer.parseInt(a.getOrDefault("threads", "0")))
                    .withSpinning(Boolean.parseBoolean(a.getOrDefault("spin-wait", "false"))));
            TextTokenizer tokenizer = TextTokenizer.load(dir.resolve("tokenizer.json"));
            open.add(decoder);
            open.add(tokenizer);
            Set<Integer> stop = decoder.eosTokenId() == null ? Set.of() : Set.of(decoder.eosTokenId());
            // What a program on the bare session would write for greedy decoding: the key/value cache, argmax, the
            // prompt encoded and the answer decoded; no log-probabilities (the served greedy path skips them too).
            paths.put("bare ORT, batch 1", () -> {
                long t0 = System.nanoTime();
                long first = -1;
                int[] ids = Arrays.stream(tokenizer.encode(prompt)).mapToInt(Math::toIntExact).toArray();
                long[] out = new long[maxTokens];
                int n = 0;
                try (Generator gen = decoder.generator()) {
                    float[] logits = gen.feed(ids);
                    while (n < maxTokens) {
                        int token = Sampler.argmax(logits);
                        if (stop.contains(token)) {
                            break;
                        }
                        out[n++] = token;
                        if (first < 0) {
                            first = System.nanoTime();
                        }
                        if (n == maxTokens || gen.length() >= decoder.maxPositions()) {
                            break;
                        }
                        logits = gen.feed(new int[] {token});
                    }
                }
                tokenizer.decode(Arrays.copyOf(out, n));
                long t1 = System.nanoTime();
                return new Sample(n, (t1 - t0) / 1e6, first < 0 ? Double.NaN : (first - t0) / 1e6);
            });
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        boolean stream = Boolean.parseBoolean(a.getOrDefault("stream", "true"));
        String body = JSON.writeValueAsString(stream
                ? Map.of("model", model, "prompt", prompt, "max_tokens", maxTokens, "temperature", 0, "stream", true,
                        "stream_options", Map.of("include_usage", true))
                : Map.of("model", model, "prompt", prompt, "max_tokens", maxTokens, "temperature", 0));
        for (String target : a.getOrDefault("urls", "").split(";")) {
            if (target.isBlank()) {
                continue;
            }
            int eq = target.indexOf('=');
            String label = eq < 0 ? "http" : target.substring(0, eq);
            URI completions = URI.create((eq < 0 ? target : target.substring(eq + 1)) + "/v1/completions");
            paths.put(label, stream ? () -> streamed(http, completions, body) : () -> whole(http, completions, body));
        }
        try {
            Map<String, List<String>> rows = new java.util.LinkedHashMap<>();
            Map<String, Double> single = new HashMap<>();
            for (var p : paths.entrySet()) {
                // Warm-up: JIT, arenas, connections. A server's JIT keeps compiling for thousands of requests (REST,
                // Vert.x and Jackson paths the bare loop does not have); a short warm-up charges that to its figures.
                run(p.getValue(), Math.max(2, clients[0]), warmup);
                rows.put(p.getKey(), new ArrayList<>());
            }
            for (int c : clients) {
                Map<String, List<Slice>> slices = new HashMap<>();
                for (int r = 0; r < rounds; r++) {
                    for (var p : paths.entrySet()) {
                        slices.computeIfAbsent(p.getKey(), k -> new ArrayList<>()).add(run(p.getValue(), c, seconds));
                    }
                }
                for (var p : paths.entrySet()) {
                    Level l = Level.of(c, slices.get(p.getKey()));
                    double base = single.computeIfAbsent(p.getKey(), k -> l.tokensPerSecond() / c);
                    String row = String.format("| %s | %d | %d | %d | %.1f | %.0f–%.0f | ×%.2f | %.1f | %.1f | %.1f |",
                            p.getKey(), c, l.requests(), l.failed(), l.tokensPerSecond(), l.minTokensPerSecond(),
                            l.maxTokensPerSecond(), l.tokensPerSecond() / base, l.p50(), l.p95(), l.ttftP50());
                    rows.get(p.getKey()).add(row);
                    System.err.println(row);
                }
            }
            rows.values().forEach(r -> r.forEach(System.out::println));
        } finally {
            for (AutoCloseable c : open) {
                c.close();
            }
        }
    }

    /** One completion answered as one JSON body: no time to first token. */
    static Sample whole(HttpClient http, URI uri, String body) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + r.statusCode());
        }
        int tokens = JSON.readTree(r.body()).path("usage").path("completion_tokens").asInt();
        return new Sample(tokens, (System.nanoTime() - t0) / 1e6, Double.NaN);
    }

    /** One streamed completion: time to the first text chunk, and the usage chunk's completion tokens. */
    static Sample streamed(HttpClient http, URI uri, String body) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<java.util.stream.Stream<String>> r = http.send(HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofLines());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + r.statusCode());
        }
        double ttft = Double.NaN;
        int tokens = -1;
        Iterator<String> lines = r.body().iterator();
        while (lines.hasNext()) {
            String line = lines.next();
            if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                continue;
            }
            // The client shares the server's cores: it reads every event but parses only those it needs (the first
            // with text, errors and the usage chunk), so that its own JSON work does not weigh on the server's figures.
            boolean needed = Double.isNaN(ttft) || line.contains("\"usage\":{") || line.contains("\"error\"");
            if (!needed) {
                continue;
            }
            JsonNode chunk = JSON.readTree(line.substring(6));
            if (chunk.has("error")) {
                throw new IllegalStateException(chunk.toString());
            }
            if (Double.isNaN(ttft) && chunk.path("choices").size() > 0
                    && !chunk.path("choices").get(0).path("text").asText().isEmpty()) {
                ttft = (System.nanoTime() - t0) / 1e6;
            }
            if (chunk.path("usage").isObject()) {
                tokens = chunk.path("usage").path("completion_tokens").asInt();
            }
        }
        if (tokens < 0) {
            throw new IllegalStateException("the stream ended without a usage chunk");
        }
        return new Sample(tokens, (System.nanoTime() - t0) / 1e6, ttft);
    }

    /** One timed run of one path at one concurrency. */
    record Slice(List<Sample> samples, int failed, double tokensPerSecond) {
    }

    static Slice run(Call call, int clients, double seconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger failed = new AtomicInteger();
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (seconds * 1e9);
        List<Future<?>> fs = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            fs.add(pool.submit(() -> {
                while (System.nanoTime() < deadline) {
                    try {
                        samples.add(call.run());
                    } catch (Exception e) {
                        if (failed.incrementAndGet() == 1) {
                            System.err.println("first failure: " + e);
                        }
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
        return new Slice(List.copyOf(samples), failed.get(), samples.stream().mapToInt(Sample::tokens).sum() / wall);
    }

    static double pct(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
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
