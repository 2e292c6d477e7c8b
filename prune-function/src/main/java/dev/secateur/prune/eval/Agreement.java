package dev.secateur.prune.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.prune.model.ForwardCapture;
import dev.secateur.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How closely a pruned model follows the dense one on held-out text, beyond perplexity: the share of positions
 * where both predict the same next token (top-1 agreement), and the mean KL divergence KL(dense ‖ pruned) of
 * the next-token distributions, in nats. Computed on the first windows of the text.
 */
public record Agreement(double top1, double klDivergence, long positions) {

    /** Reads only what the windows need from the start of the file (about 8 characters per token is ample). */
    public static Agreement measure(DecoderModel dense, DecoderModel pruned, TextTokenizer tokenizer, Path text, int seqLen, int windows)
            throws IOException {
        char[] buf = new char[seqLen * windows * 8];
        int n;
        try (Reader r = Files.newBufferedReader(text, StandardCharsets.UTF_8)) {
            n = r.read(buf);
        }
        long[] ids = tokenizer.encode(new String(buf, 0, Math.max(0, n)));
        int w = Math.min(windows, ids.length / seqLen);
        if (w == 0) {
            throw new IllegalArgumentException(text + ": fewer than " + seqLen + " tokens, not one window to compare on");
        }
        long[] used = java.util.Arrays.copyOf(ids, w * seqLen);
        try (NDManager m = NDManager.newBaseManager(dense.device())) {
            NDArray input = m.create(used, new Shape(w, seqLen));
            NDArray ld = dense.forward(input, ForwardCapture.NONE).logSoftmax(-1);
            NDArray lp = pruned.forward(input, ForwardCapture.NONE).logSoftmax(-1);
            double top1 = ld.argMax(-1).eq(lp.argMax(-1)).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).mean().getFloat();
            double kl = ld.exp().mul(ld.sub(lp)).sum(new int[] {-1}).mean().getFloat();
            return new Agreement(top1, kl, (long) w * seqLen);
        }
    }
}
