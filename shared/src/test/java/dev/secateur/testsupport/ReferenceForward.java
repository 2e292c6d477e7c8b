package dev.secateur.testsupport;

import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;

/**
 * A plain-Java float64 forward of the Hugging Face decoders, written from the math (test-only): RMSNorm or
 * LayerNorm, RoPE (rotate_half, inv_freq = 1/θ^(2i/d), rope_scaling, a partial rotary part) or learned positions, causal attention
 * with grouped KV heads (and Qwen3's per-head query/key RMSNorm), sliding windows per layer, SwiGLU, GeGLU or gelu_new
 * MLP, and Gemma's scaled embeddings, attention scale, soft caps, post norms and Gemma 3's local rotary base. It reads per-layer sizes from the weights, so it is the reference
 * for sliced (pruned) weights; the tests first check it against the torch fixtures.
 */
public final class ReferenceForward {
    private ReferenceForward() {
    }

    /** Logits [batch][seq][vocab] of the model folder's weights for unpadded sequences, one at a time. */
    public static float[][][] logits(java.nio.file.Path dir, long[][] ids) {
        DecoderWeights w = DecoderWeights.load(dir);
        float[][][] out = new float[ids.length][][];
        for (int b = 0; b < ids.length; b++) {
            out[b] = logits(w, ids[b]);
        }
        return out;
    }

    /** Logits [seq][vocab] for one unpadded sequence at positions 0..seq−1. */
    public static float[][] logits(DecoderWeights w, long[] ids) {
        ModelConfig c = w.config();
        int seq = ids.length, hidden = c.hiddenSize(), d = w.headDim();
        double[][] x = new double[seq][hidden];
        for (int t = 0; t < seq; t++) {
            for (int j = 0; j < hidden; j++) {
                x[t][j] = w.tokenEmbedding().data()[(int) ids[t] * hidden + j] * c.embeddingScale()
                        + (w.positionEmbedding() == null ? 0 : w.positionEmbedding().data()[(t + c.positionOffset()) * hidden + j]);
            }
        }
        double attentionScale = c.attentionScale(), attentionCap = c.attentionSoftcap();
        double[] globalInv = c.usesRope() ? invFreq(c.rotaryDim(), c.ropeTheta(), c.ropeScaling()) : null;
        double[] localInv = c.hasLocalRotary() ? invFreq(c.rotaryDim(), c.localRopeTheta(), null) : null;
        for (int layer = 0; layer < w.layers().size(); layer++) {
            LayerWeights l = w.layers().get(layer);
            double[] inv = !c.rotates(layer) ? null : c.localRotary(layer) ? localInv : globalInv;
            double scale = c.localRotary(layer) || c.ropeScaling() == null ? 1.0 : c.ropeScaling().attentionFactor();
            // a windowed layer's query t sees keys t − window < j ≤ t
            int window = c.windowOf(layer) == null ? Integer.MAX_VALUE : c.windowOf(layer);
            int heads = l.numHeads(d), kv = l.numKvHeads(d), group = heads / kv;
            // OLMo 2 has no norm before attention or the MLP
            double[][] h = l.attnNorm() == null ? x : norm(x, l.attnNorm(), l.attnNormBias(), c.normEps());
            double[][] q = linear(h, l.q(), l.qBias());
            double[][] k = linear(h, l.k(), l.kBias());
            double[][] v = linear(h, l.v(), l.vBias());
            if (c.architecture().qkNormSpansHeads()) {
                // OLMo 2: RMSNorm over each token's whole query row (all heads), and its whole key row, before RoPE
                q = norm(q, l.qNorm(), null, c.normEps());
                k = norm(k, l.kNorm(), null, c.normEps());
            } else if (l.qNorm() != null) {
                // Qwen3, Gemma 3: RMSNorm over head_dim of each query and key head, before RoPE
                for (int t = 0; t < seq; t++) {
                    for (int hh = 0; hh < heads; hh++) {
                        rmsNormSlice(q[t], hh * d, d, l.qNorm(), c.normEps());
                    }
                    for (int hh = 0; hh < kv; hh++) {
                        rmsNormSlice(k[t], hh * d, d, l.kNorm(), c.normEps());
                    }
                }
            }
            if (inv != null) {
                for (int t = 0; t < seq; t++) {
                    for (int hh = 0; hh < heads; hh++) {
                        rope(q[t], hh * d, t, inv, scale);
                    }
                    for (int hh = 0; hh < kv; hh++) {
                        rope(k[t], hh * d, t, inv, scale);
                    }
                }
            }
            double[][] ctx = new double[seq][heads * d];
            for (int hh = 0; hh < heads; hh++) {
                int kvh = hh / group;
                for (int t = 0; t < seq; t++) {
                    double[] s = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    int first = (int) Math.max(0, (long) t - window + 1);
                    for (int j = first; j <= t; j++) {
                        double dot = 0;
                        for (int e = 0; e < d; e++) {
                            dot += q[t][hh * d + e] * k[j][kvh * d + e];
                        }
                        s[j] = dot * attentionScale;
                        if (attentionCap > 0) {
                            s[j] = attentionCap * Math.tanh(s[j] / attentionCap);
                        }
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = first; j <= t; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = first; j <= t; j++) {
                        for (int e = 0; e < d; e++) {
                            ctx[t][hh * d + e] += s[j] / sum * v[j][kvh * d + e];
                        }
                    }
                }
            }
            double[][] attn = linear(ctx, l.o(), l.oBias());
            double[][] blockInput = c.parallelResidual() ? new double[seq][] : null;
            for (int t = 0; blockInput != null && t < seq; t++) {
                blockInput[t] = x[t].clone();
            }
            add(x, l.postAttnNorm() == null ? attn : norm(attn, l.postAttnNorm(), null, c.normEps()), c.residualMultiplier());
            // GPT-NeoX's parallel block: the MLP reads the block input, through its own norm; Phi's: what attention read
            double[][] mlpInput = c.parallelResidual() ? blockInput : x;
            if (l.mlpNorm() != null) {
                h = norm(mlpInput, l.mlpNorm(), l.mlpNormBias(), c.normEps());
            } else if (!c.parallelResidual()) {
                h = mlpInput; // OLMo 2: no norm before the MLP
            }
            double[][] act;
            if (l.gated()) {
                double[][] g = linear(h, l.gate(), l.gateBias());
                act = linear(h, l.up(), l.upBias());
                for (int t = 0; t < seq; t++) {
                    for (int j = 0; j < act[t].length; j++) {
                        act[t][j] *= activate(g[t][j], c.mlpActivation());
                    }
                }
            } else {
                act = linear(h, l.up(), l.upBias());
                for (double[] row : act) {
                    for (int j = 0; j < row.length; j++) {
                        row[j] = activate(row[j], c.mlpActivation());
                    }
                }
            }
            double[][] mlp = linear(act, l.down(), l.downBias());
            add(x, l.postMlpNorm() == null ? mlp : norm(mlp, l.postMlpNorm(), null, c.normEps()), c.residualMultiplier());
        }
        double[][] out = linear(norm(x, w.finalNorm(), w.finalNormBias(), c.normEps()), w.lmHead(), w.lmHeadBias());
        for (double[] row : out) {
            for (int j = 0; j < row.length; j++) {
                row[j] /= c.logitsScaling();
            }
        }
        if (c.finalSoftcap() > 0) {
            for (double[] row : out) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = c.finalSoftcap() * Math.tanh(row[j] / c.finalSoftcap());
                }
            }
        }
        float[][] f = new float[seq][];
        for (int t = 0; t < seq; t++) {
            f[t] = new float[out[t].length];
            for (int j = 0; j < f[t].length; j++) {
                f[t][j] = (float) out[t][j];
            }
        }
        return f;
    }

    private static double[] invFreq(int rotary, double theta, dev.secateur.checkpoint.RopeScaling scaling) {
        double[] inv = new double[rotary / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(theta, 2.0 * i / rotary);
        }
        return scaling == null ? inv : scaling.apply(inv);
    }

    private static void rmsNormSlice(double[] x, int off, int d, Tensor w, double eps) {
        double ms = 0;
        for (int i = 0; i < d; i++) {
            ms += x[off + i] * x[off + i] / d;
        }
        double inv = 1 / Math.sqrt(ms + eps);
        for (int i = 0; i < d; i++) {
            x[off + i] *= inv * w.data()[i];
        }
    }

    /** Turns the first 2·inv.length dimensions of the head at off (the rest pass); cos and sin times scale (longrope). */
    private static void rope(double[] x, int off, int pos, double[] inv, double scale) {
        int half = inv.length, d = 2 * half;
        double[] r = new double[d];
        for (int i = 0; i < d; i++) {
            double angle = pos * inv[i % half];
            double rot = i < half ? -x[off + i + half] : x[off + i - half];
            r[i] = x[off + i] * Math.cos(angle) * scale + rot * Math.sin(angle) * scale;
        }
        System.arraycopy(r, 0, x, off, d);
    }

    private static double activate(double z, ModelConfig.Activation a) {
        return switch (a) {
            case SILU -> z / (1 + Math.exp(-z));
            case GELU_TANH -> 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z)));
            case RELU_SQUARED -> z > 0 ? z * z : 0;
            case GELU_ERF -> 0.5 * z * (1 + erf(z / Math.sqrt(2)));
            case RELU -> Math.max(z, 0);
        };
    }

    /** erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7), which Java's Math does not have. */
    private static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double y = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
                * Math.exp(-x * x);
        return x >= 0 ? y : -y;
    }

    private static double[][] norm(double[][] x, Tensor w, Tensor b, double eps) {
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            int n = x[t].length;
            double mean = 0;
            if (b != null) {
                for (double v : x[t]) {
                    mean += v / n;
                }
            }
            double var = 0;
            for (double v : x[t]) {
                var += (v - mean) * (v - mean) / n;
            }
            double inv = 1 / Math.sqrt(var + eps);
            out[t] = new double[n];
            for (int j = 0; j < n; j++) {
                out[t][j] = (x[t][j] - mean) * inv * w.data()[j] + (b == null ? 0 : b.data()[j]);
            }
        }
        return out;
    }

    /** y = x·Wᵀ + b with W [out, in]. */
    private static double[][] linear(double[][] x, Tensor w, Tensor b) {
        int out = w.dim(0), in = w.dim(1);
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b.data()[o];
                for (int i = 0; i < in; i++) {
                    s += x[t][i] * w.data()[o * in + i];
                }
                y[t][o] = s;
            }
        }
        return y;
    }

    /** x += r·y (r: the residual multiplier, 1 but for Granite). */
    private static void add(double[][] x, double[][] y, double r) {
        for (int t = 0; t < x.length; t++) {
            for (int j = 0; j < x[t].length; j++) {
                x[t][j] += r * y[t][j];
            }
        }
    }
}
