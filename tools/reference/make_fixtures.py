#!/usr/bin/python3
"""Independent reference fixtures for Secateur's DJL forward pass.

Writes tiny random Hugging Face style checkpoints (config.json + safetensors)
and the logits an independent float64 torch implementation of the HF forward
produces for them, plus a formulas.json with known values of the building
blocks (gelu_new, RMSNorm, RoPE, llama3 rope scaling).

Everything is written by hand from the public formulas: no transformers, no
safetensors package.  Seeded and deterministic; rerun with

    /usr/bin/python3 tools/reference/make_fixtures.py
"""

import json
import math
import os
import shutil
import struct
import sys

import numpy as np
import torch

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "tools", "reference", "fixtures")

TRANSFORMERS_VERSION = "4.46.3"

# Tiny sizes. hidden 32 (not 64) keeps all fixtures together well under 1 MB;
# 4 query heads of head_dim 8.
VOCAB = 97
HIDDEN = 32
HEADS = 4
HEAD_DIM = HIDDEN // HEADS  # 8
FFN = 96
LAYERS = 2
BATCH, SEQ = 2, 7
ATOL = 1e-4

LLAMA3_SCALING = {
    "factor": 8.0,
    "high_freq_factor": 4.0,
    "low_freq_factor": 1.0,
    # small enough that, at head_dim 8 and theta 500000, the three branches
    # (keep / smooth / divide) all occur: wavelens are 6.28, 167, 4443, 118379
    # against thresholds 256/4 = 64 and 256/1 = 256.
    "original_max_position_embeddings": 256,
    "rope_type": "llama3",
}

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
TORCH_DTYPE_NAME = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}


# --------------------------------------------------------------------------
# safetensors, by hand
# --------------------------------------------------------------------------

def tensor_bytes(t, dtype):
    """Little-endian raw bytes of t stored as dtype ('F32', 'F16', 'BF16')."""
    t = t.detach().to(DTYPES[dtype]).contiguous()
    if dtype == "F32":
        return t.numpy().astype("<f4").tobytes()
    if dtype == "F16":
        return t.numpy().astype("<f2").tobytes()
    # BF16: the top 16 bits of the (round-to-nearest-even) bf16 value
    return t.view(torch.int16).numpy().astype("<i2").tobytes()


def write_safetensors(path, tensors, dtype):
    """tensors: dict name -> torch tensor (already rounded to dtype or not)."""
    # same order as the safetensors library: dtype (all equal here), then name
    names = sorted(tensors)
    header = {"__metadata__": {"format": "pt"}}
    chunks = []
    offset = 0
    for name in names:
        b = tensor_bytes(tensors[name], dtype)
        header[name] = {
            "dtype": dtype,
            "shape": list(tensors[name].shape),
            "data_offsets": [offset, offset + len(b)],
        }
        chunks.append(b)
        offset += len(b)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in chunks:
            f.write(b)
    return offset  # data bytes


def read_safetensors(path):
    """Tiny independent parser (struct only). Returns name -> (dtype, shape, list of floats)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack_from("<Q", data, 0)
    assert n % 8 == 0, "header not padded to 8"
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    end_max = 0
    for name, info in header.items():
        if name == "__metadata__":
            assert info == {"format": "pt"}
            continue
        b, e = info["data_offsets"]
        end_max = max(end_max, e)
        raw = data[base + b: base + e]
        count = 1
        for s in info["shape"]:
            count *= s
        if info["dtype"] == "F32":
            assert len(raw) == 4 * count
            vals = list(struct.unpack("<%df" % count, raw))
        elif info["dtype"] == "F16":
            assert len(raw) == 2 * count
            vals = list(struct.unpack("<%de" % count, raw))
        elif info["dtype"] == "BF16":
            assert len(raw) == 2 * count
            halves = struct.unpack("<%dH" % count, raw)
            vals = [struct.unpack("<f", struct.pack("<I", h << 16))[0] for h in halves]
        else:
            raise ValueError(info["dtype"])
        out[name] = (info["dtype"], info["shape"], vals)
    assert base + end_max == len(data), "trailing or missing bytes"
    return out


def check_round_trip(path, tensors, dtype):
    parsed = read_safetensors(path)
    assert set(parsed) == set(tensors), (set(parsed) ^ set(tensors))
    for name, t in tensors.items():
        d, shape, vals = parsed[name]
        assert d == dtype and shape == list(t.shape), name
        want = t.detach().to(DTYPES[dtype]).to(torch.float64).flatten().tolist()
        assert vals == want, "round trip mismatch in " + name
    return len(parsed)


# --------------------------------------------------------------------------
# random weights
# --------------------------------------------------------------------------

class Rand:
    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def normal(self, *shape, mean=0.0, std=1.0):
        return torch.randn(*shape, generator=self.g, dtype=torch.float64) * std + mean

    def matrix(self, *shape):
        return self.normal(*shape, std=0.2)

    def norm(self, n):
        return self.normal(n, mean=1.0, std=0.1)

    def bias(self, n):
        return self.normal(n, std=0.1)


def llama_weights(seed, *, heads, kv_heads, head_dim, hidden, ffn, layers, vocab,
                  tied, qkv_bias, qk_norm=False):
    r = Rand(seed)
    w = {"model.embed_tokens.weight": r.matrix(vocab, hidden)}
    for i in range(layers):
        p = "model.layers.%d." % i
        w[p + "input_layernorm.weight"] = r.norm(hidden)
        w[p + "self_attn.q_proj.weight"] = r.matrix(heads * head_dim, hidden)
        w[p + "self_attn.k_proj.weight"] = r.matrix(kv_heads * head_dim, hidden)
        w[p + "self_attn.v_proj.weight"] = r.matrix(kv_heads * head_dim, hidden)
        if qkv_bias:
            w[p + "self_attn.q_proj.bias"] = r.bias(heads * head_dim)
            w[p + "self_attn.k_proj.bias"] = r.bias(kv_heads * head_dim)
            w[p + "self_attn.v_proj.bias"] = r.bias(kv_heads * head_dim)
        if qk_norm:
            # Qwen3: one RMSNorm weight over head_dim, shared by all query (key) heads;
            # wider spread than the other norms so that a wrong weight shows in the logits
            w[p + "self_attn.q_norm.weight"] = r.normal(head_dim, mean=1.0, std=0.3)
            w[p + "self_attn.k_norm.weight"] = r.normal(head_dim, mean=1.0, std=0.3)
        w[p + "self_attn.o_proj.weight"] = r.matrix(hidden, heads * head_dim)
        w[p + "post_attention_layernorm.weight"] = r.norm(hidden)
        w[p + "mlp.gate_proj.weight"] = r.matrix(ffn, hidden)
        w[p + "mlp.up_proj.weight"] = r.matrix(ffn, hidden)
        w[p + "mlp.down_proj.weight"] = r.matrix(hidden, ffn)
    w["model.norm.weight"] = r.norm(hidden)
    if not tied:
        w["lm_head.weight"] = r.matrix(vocab, hidden)
    return w


def gpt2_weights(seed, *, n_embd, n_inner, n_layer, n_positions, vocab):
    r = Rand(seed)
    w = {
        "transformer.wte.weight": r.matrix(vocab, n_embd),
        "transformer.wpe.weight": r.matrix(n_positions, n_embd),
    }
    for i in range(n_layer):
        p = "transformer.h.%d." % i
        w[p + "ln_1.weight"] = r.norm(n_embd)
        w[p + "ln_1.bias"] = r.bias(n_embd)
        # Conv1D: weight is [in, out]
        w[p + "attn.c_attn.weight"] = r.matrix(n_embd, 3 * n_embd)
        w[p + "attn.c_attn.bias"] = r.bias(3 * n_embd)
        w[p + "attn.c_proj.weight"] = r.matrix(n_embd, n_embd)
        w[p + "attn.c_proj.bias"] = r.bias(n_embd)
        w[p + "ln_2.weight"] = r.norm(n_embd)
        w[p + "ln_2.bias"] = r.bias(n_embd)
        w[p + "mlp.c_fc.weight"] = r.matrix(n_embd, n_inner)
        w[p + "mlp.c_fc.bias"] = r.bias(n_inner)
        w[p + "mlp.c_proj.weight"] = r.matrix(n_inner, n_embd)
        w[p + "mlp.c_proj.bias"] = r.bias(n_embd)
    w["transformer.ln_f.weight"] = r.norm(n_embd)
    w["transformer.ln_f.bias"] = r.bias(n_embd)
    return w


def rounded(weights, dtype):
    """The values a reader of the checkpoint sees, widened to float64."""
    return {k: v.to(DTYPES[dtype]).to(torch.float64) for k, v in weights.items()}


# --------------------------------------------------------------------------
# reference math (plain, from the formulas)
# --------------------------------------------------------------------------

def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def silu(x):
    return x / (1.0 + torch.exp(-x))


def rms_norm(x, w, eps):
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * w


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def rope_inv_freq(head_dim, theta, scaling=None, dtype=torch.float64):
    i = torch.arange(0, head_dim // 2, dtype=dtype)
    inv = 1.0 / (theta ** (2.0 * i / head_dim))
    if scaling is None:
        return inv
    if scaling.get("type") == "linear":
        # position interpolation: position / factor, i.e. every frequency / factor
        return inv / scaling["factor"]
    assert scaling["rope_type"] == "llama3"
    factor = scaling["factor"]
    low = scaling["low_freq_factor"]
    high = scaling["high_freq_factor"]
    orig = scaling["original_max_position_embeddings"]
    out = torch.empty_like(inv)
    for j in range(inv.shape[0]):
        f = inv[j].item()
        wavelen = 2.0 * math.pi / f
        if wavelen < orig / high:
            out[j] = f
        elif wavelen > orig / low:
            out[j] = f / factor
        else:
            smooth = (orig / wavelen - low) / (high - low)
            out[j] = (1.0 - smooth) * f / factor + smooth * f
    return out


def llama3_branches(head_dim, theta, scaling):
    inv = rope_inv_freq(head_dim, theta)
    orig = scaling["original_max_position_embeddings"]
    res = []
    for f in inv.tolist():
        wl = 2 * math.pi / f
        res.append("keep" if wl < orig / scaling["high_freq_factor"]
                   else "divide" if wl > orig / scaling["low_freq_factor"] else "smooth")
    return res


def rotate_half(x):
    d = x.shape[-1] // 2
    return torch.cat([-x[..., d:], x[..., :d]], dim=-1)


def apply_rope(x, positions, inv_freq):
    """x [..., T, head_dim]; pairs (i, i + head_dim/2) (HF rotate_half)."""
    freqs = positions.to(inv_freq.dtype)[:, None] * inv_freq[None, :]
    emb = torch.cat([freqs, freqs], dim=-1)
    return x * torch.cos(emb).to(x.dtype) + rotate_half(x) * torch.sin(emb).to(x.dtype)


def causal_attention(q, k, v):
    """q, k, v [B, T, d] for one head."""
    T = q.shape[1]
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    scores = scores.masked_fill(mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def llama_forward(w, cfg, ids, dtype=torch.float64):
    w = {k: v.to(dtype) for k, v in w.items()}
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim") or cfg["hidden_size"] // H
    eps = cfg["rms_norm_eps"]
    B, T = ids.shape
    pos = torch.arange(T)
    inv_freq = rope_inv_freq(hd, cfg["rope_theta"], cfg.get("rope_scaling"))
    x = w["model.embed_tokens.weight"][ids]
    group = H // KV
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i

        def lin(name, inp):
            y = inp @ w[p + name + ".weight"].T
            if (p + name + ".bias") in w:
                y = y + w[p + name + ".bias"]
            return y

        n = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = lin("self_attn.q_proj", n)
        k = lin("self_attn.k_proj", n)
        v = lin("self_attn.v_proj", n)
        qn = w.get(p + "self_attn.q_norm.weight")
        kn = w.get(p + "self_attn.k_norm.weight")

        def head(t, j, norm_w):
            s = t[..., j * hd:(j + 1) * hd]
            # Qwen3's q_norm / k_norm: RMSNorm over head_dim, before RoPE
            return s if norm_w is None else rms_norm(s, norm_w, eps)

        heads_out = []
        for h in range(H):
            kvh = h // group  # each KV head serves `group` consecutive query heads
            qh = apply_rope(head(q, h, qn), pos, inv_freq)
            kh = apply_rope(head(k, kvh, kn), pos, inv_freq)
            vh = v[..., kvh * hd:(kvh + 1) * hd]
            heads_out.append(causal_attention(qh, kh, vh))
        attn = torch.cat(heads_out, dim=-1)
        hres = x + lin("self_attn.o_proj", attn)
        n2 = rms_norm(hres, w[p + "post_attention_layernorm.weight"], eps)
        x = hres + lin("mlp.down_proj", silu(lin("mlp.gate_proj", n2)) * lin("mlp.up_proj", n2))
    x = rms_norm(x, w["model.norm.weight"], eps)
    lm = w["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else w["lm_head.weight"]
    return x @ lm.T


def gpt2_forward(w, cfg, ids, dtype=torch.float64):
    w = {k: v.to(dtype) for k, v in w.items()}
    E, H = cfg["n_embd"], cfg["n_head"]
    hd = E // H
    eps = cfg["layer_norm_epsilon"]
    B, T = ids.shape
    x = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][torch.arange(T)]
    for i in range(cfg["n_layer"]):
        p = "transformer.h.%d." % i

        def conv1d(name, inp):  # weight [in, out]
            return inp @ w[p + name + ".weight"] + w[p + name + ".bias"]

        a = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = conv1d("attn.c_attn", a)
        q, k, v = qkv[..., :E], qkv[..., E:2 * E], qkv[..., 2 * E:]
        heads_out = [causal_attention(q[..., h * hd:(h + 1) * hd], k[..., h * hd:(h + 1) * hd],
                                      v[..., h * hd:(h + 1) * hd]) for h in range(H)]
        x = x + conv1d("attn.c_proj", torch.cat(heads_out, dim=-1))
        m = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        x = x + conv1d("mlp.c_proj", gelu_new(conv1d("mlp.c_fc", m)))
    x = layer_norm(x, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], eps)
    return x @ w["transformer.wte.weight"].T


# --------------------------------------------------------------------------
# configs, as transformers' save_pretrained writes them (to_diff_dict,
# indent=2, sort_keys=True)
# --------------------------------------------------------------------------

def llama_config(*, kv_heads, tied, dtype, rope_theta, rope_scaling, max_pos):
    return {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "head_dim": HEAD_DIM,
        "hidden_act": "silu",
        "hidden_size": HIDDEN,
        "initializer_range": 0.02,
        "intermediate_size": FFN,
        "max_position_embeddings": max_pos,
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": HEADS,
        "num_hidden_layers": LAYERS,
        "num_key_value_heads": kv_heads,
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "rope_scaling": rope_scaling,
        "rope_theta": rope_theta,
        "tie_word_embeddings": tied,
        "torch_dtype": TORCH_DTYPE_NAME[dtype],
        "transformers_version": TRANSFORMERS_VERSION,
        "use_cache": True,
        "vocab_size": VOCAB,
    }


def qwen2_config(dtype):
    return {
        "architectures": ["Qwen2ForCausalLM"],
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "hidden_act": "silu",
        "hidden_size": HIDDEN,
        "initializer_range": 0.02,
        "intermediate_size": FFN,
        "max_position_embeddings": 128,
        "max_window_layers": LAYERS,
        "model_type": "qwen2",
        "num_attention_heads": HEADS,
        "num_hidden_layers": LAYERS,
        "num_key_value_heads": 2,
        "rms_norm_eps": 1e-06,
        "rope_scaling": None,
        "rope_theta": 1000000.0,
        "sliding_window": 128,
        "tie_word_embeddings": False,
        "torch_dtype": TORCH_DTYPE_NAME[dtype],
        "transformers_version": TRANSFORMERS_VERSION,
        "use_cache": True,
        "use_sliding_window": False,
        "vocab_size": VOCAB,
    }


def qwen3_config(dtype, head_dim):
    return {
        "architectures": ["Qwen3ForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "head_dim": head_dim,
        "hidden_act": "silu",
        "hidden_size": HIDDEN,
        "initializer_range": 0.02,
        "intermediate_size": FFN,
        "max_position_embeddings": 128,
        "max_window_layers": LAYERS,
        "model_type": "qwen3",
        "num_attention_heads": HEADS,
        "num_hidden_layers": LAYERS,
        "num_key_value_heads": 2,
        "rms_norm_eps": 1e-06,
        "rope_scaling": None,
        "rope_theta": 1000000.0,
        "sliding_window": None,
        "tie_word_embeddings": True,
        "torch_dtype": TORCH_DTYPE_NAME[dtype],
        "transformers_version": "4.51.0",
        "use_cache": True,
        "use_sliding_window": False,
        "vocab_size": VOCAB,
    }


def gpt2_config():
    # tie_word_embeddings is true but, equal to PretrainedConfig's default,
    # transformers does not write it for GPT-2.
    return {
        "activation_function": "gelu_new",
        "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.1,
        "bos_token_id": VOCAB - 1,
        "embd_pdrop": 0.1,
        "eos_token_id": VOCAB - 1,
        "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-05,
        "model_type": "gpt2",
        "n_embd": HIDDEN,
        "n_head": HEADS,
        "n_inner": None,
        "n_layer": LAYERS,
        "n_positions": 32,
        "reorder_and_upcast_attn": False,
        "resid_pdrop": 0.1,
        "scale_attn_by_inverse_layer_idx": False,
        "scale_attn_weights": True,
        "summary_activation": None,
        "summary_first_dropout": 0.1,
        "summary_proj_to_labels": True,
        "summary_type": "cls_index",
        "summary_use_proj": True,
        "torch_dtype": "float32",
        "transformers_version": TRANSFORMERS_VERSION,
        "use_cache": True,
        "vocab_size": VOCAB,
    }


def write_json(path, obj, compact=False):
    with open(path, "w") as f:
        if compact:
            f.write(json.dumps(obj, separators=(",", ":")))
        else:
            f.write(json.dumps(obj, indent=2, sort_keys=True))
        f.write("\n")


def f32_list(t):
    """float32-rounded values, as the shortest decimal that round-trips float32."""
    arr = t.to(torch.float32).numpy()
    return [[[float(str(np.float32(v))) for v in row] for row in seq] for seq in arr]


def write_expected(folder, ids, logits64):
    obj = {"input_ids": ids.tolist(), "logits": f32_list(logits64), "atol": ATOL}
    # keep the key order of the schema; logits rows one per line-ish, compact
    with open(os.path.join(folder, "expected.json"), "w") as f:
        f.write('{"input_ids": %s,\n "logits": %s,\n "atol": %s}\n' % (
            json.dumps(obj["input_ids"]),
            json.dumps(obj["logits"], separators=(",", ":")),
            repr(ATOL)))
    back = json.load(open(os.path.join(folder, "expected.json")))
    assert back == obj


# --------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------

SUMMARY = []


def emit(name, cfg, weights, dtype, forward, ids, shards=None):
    folder = os.path.join(OUT, name)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    write_json(os.path.join(folder, "config.json"), cfg)
    w = rounded(weights, dtype)
    ntensors = 0
    if shards is None:
        path = os.path.join(folder, "model.safetensors")
        write_safetensors(path, weights, dtype)
        ntensors += check_round_trip(path, weights, dtype)
    else:
        weight_map, total = {}, 0
        n = len(shards)
        for si, names in enumerate(shards):
            fname = "model-%05d-of-%05d.safetensors" % (si + 1, n)
            part = {k: weights[k] for k in names}
            total += write_safetensors(os.path.join(folder, fname), part, dtype)
            ntensors += check_round_trip(os.path.join(folder, fname), part, dtype)
            for k in names:
                weight_map[k] = fname
        assert set(weight_map) == set(weights)
        write_json(os.path.join(folder, "model.safetensors.index.json"),
                   {"metadata": {"total_size": total}, "weight_map": weight_map})
    logits = forward(w, cfg, ids, torch.float64)
    logits32 = forward(w, cfg, ids, torch.float32).to(torch.float64)
    f32_err = (logits - logits32).abs().max().item()
    assert f32_err < ATOL / 10, (name, f32_err)
    assert torch.isfinite(logits).all()
    write_expected(folder, ids, logits)
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
    SUMMARY.append((name, dtype, ntensors, size, logits.abs().max().item(),
                    logits.std().item(), f32_err))
    return logits


def sheared_indices():
    """Kept indices of llama-gqa's target shape hidden=24, kv-heads=1 (heads=2), ffn=64, seeded."""
    g = torch.Generator().manual_seed(4242)
    hidden = sorted(torch.randperm(HIDDEN, generator=g)[:24].tolist())
    ffn = [sorted(torch.randperm(FFN, generator=g)[:64].tolist()) for _ in range(LAYERS)]
    kv_groups = [[1], [0]]  # layer 0 keeps KV group 1 (query heads 2, 3), layer 1 keeps group 0
    # norm factors that are not 1, so a reader that ignores them fails
    attn_scale = [1.1, 0.95]
    mlp_scale = [0.9, 1.2]
    final_scale = 1.05
    return dict(hidden=hidden, ffn=ffn, kvGroups=kv_groups, attnScale=attn_scale,
                mlpScale=mlp_scale, finalScale=final_scale)


def shear(w, cfg, kept):
    """Slices a llama state dict by the kept indices, written out independently of the Java slicer."""
    H = torch.tensor(kept["hidden"])
    group = cfg["num_attention_heads"] // cfg["num_key_value_heads"]
    hd = cfg["head_dim"]
    out = {"model.embed_tokens.weight": w["model.embed_tokens.weight"][:, H]}
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        F = torch.tensor(kept["ffn"][i])
        kv_rows = torch.tensor([g * hd + j for g in kept["kvGroups"][i] for j in range(hd)])
        q_rows = torch.tensor([(g * group + h) * hd + j for g in kept["kvGroups"][i]
                               for h in range(group) for j in range(hd)])
        out[p + "input_layernorm.weight"] = w[p + "input_layernorm.weight"][H] * kept["attnScale"][i]
        out[p + "self_attn.q_proj.weight"] = w[p + "self_attn.q_proj.weight"][q_rows][:, H]
        out[p + "self_attn.k_proj.weight"] = w[p + "self_attn.k_proj.weight"][kv_rows][:, H]
        out[p + "self_attn.v_proj.weight"] = w[p + "self_attn.v_proj.weight"][kv_rows][:, H]
        out[p + "self_attn.o_proj.weight"] = w[p + "self_attn.o_proj.weight"][H][:, q_rows]
        out[p + "post_attention_layernorm.weight"] = w[p + "post_attention_layernorm.weight"][H] * kept["mlpScale"][i]
        out[p + "mlp.gate_proj.weight"] = w[p + "mlp.gate_proj.weight"][F][:, H]
        out[p + "mlp.up_proj.weight"] = w[p + "mlp.up_proj.weight"][F][:, H]
        out[p + "mlp.down_proj.weight"] = w[p + "mlp.down_proj.weight"][H][:, F]
    out["model.norm.weight"] = w["model.norm.weight"][H] * kept["finalScale"]
    out["lm_head.weight"] = w["lm_head.weight"][:, H]
    heads = len(kept["kvGroups"][0]) * group
    scfg = dict(cfg, hidden_size=len(kept["hidden"]), intermediate_size=len(kept["ffn"][0]),
                num_attention_heads=heads, num_key_value_heads=len(kept["kvGroups"][0]), head_dim=hd)
    return out, scfg


def emit_sheared(w, cfg, ids):
    """expected.json only: the source weights are llama-gqa's, the indices say how to cut them."""
    folder = os.path.join(OUT, "llama-gqa-sheared")
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    kept = sheared_indices()
    sw, scfg = shear(rounded(w, "F32"), cfg, kept)
    logits = llama_forward(sw, scfg, ids, torch.float64)
    logits32 = llama_forward(sw, scfg, ids, torch.float32).to(torch.float64)
    assert (logits - logits32).abs().max().item() < ATOL / 10
    assert torch.isfinite(logits).all()
    with open(os.path.join(folder, "expected.json"), "w") as f:
        f.write('{"source": "llama-gqa",\n "kept": %s,\n "input_ids": %s,\n "logits": %s,\n "atol": %s}\n' % (
            json.dumps(kept), json.dumps(ids.tolist()),
            json.dumps(f32_list(logits), separators=(",", ":")), repr(ATOL)))
    back = json.load(open(os.path.join(folder, "expected.json")))
    assert back["kept"] == kept
    size = os.path.getsize(os.path.join(folder, "expected.json"))
    SUMMARY.append(("llama-gqa-sheared", "F32", 0, size, logits.abs().max().item(),
                    logits.std().item(), (logits - logits32).abs().max().item()))
    return logits


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    ids = torch.randint(0, VOCAB, (BATCH, SEQ), generator=torch.Generator().manual_seed(20240))

    # 1. llama-gqa
    gqa_kw = dict(heads=HEADS, kv_heads=2, head_dim=HEAD_DIM, hidden=HIDDEN, ffn=FFN,
                  layers=LAYERS, vocab=VOCAB, tied=False, qkv_bias=False)
    gqa_w = llama_weights(101, **gqa_kw)
    gqa_cfg = llama_config(kv_heads=2, tied=False, dtype="F32", rope_theta=10000.0,
                           rope_scaling=None, max_pos=128)
    gqa_logits = emit("llama-gqa", gqa_cfg, gqa_w, "F32", llama_forward, ids)

    # 2. llama-tied-bf16 (MHA, llama3 rope scaling)
    bf_w = llama_weights(202, heads=HEADS, kv_heads=HEADS, head_dim=HEAD_DIM, hidden=HIDDEN,
                         ffn=FFN, layers=LAYERS, vocab=VOCAB, tied=True, qkv_bias=False)
    bf_cfg = llama_config(kv_heads=HEADS, tied=True, dtype="BF16", rope_theta=500000.0,
                          rope_scaling=dict(LLAMA3_SCALING), max_pos=2048)
    assert sorted(set(llama3_branches(HEAD_DIM, 500000.0, LLAMA3_SCALING))) == ["divide", "keep", "smooth"]
    bf_logits = emit("llama-tied-bf16", bf_cfg, bf_w, "BF16", llama_forward, ids)
    unscaled_cfg = dict(bf_cfg, rope_scaling=None)
    scaling_effect = (bf_logits - llama_forward(rounded(bf_w, "BF16"), unscaled_cfg, ids)).abs().max().item()
    assert scaling_effect > 100 * ATOL, scaling_effect

    # 3. qwen2 (q/k/v bias, GQA 4/2, F16)
    qw_w = llama_weights(303, heads=HEADS, kv_heads=2, head_dim=HEAD_DIM, hidden=HIDDEN, ffn=FFN,
                         layers=LAYERS, vocab=VOCAB, tied=False, qkv_bias=True)
    qw_logits = emit("qwen2", qwen2_config("F16"), qw_w, "F16", llama_forward, ids)
    qw_nobias = {k: v for k, v in rounded(qw_w, "F16").items() if not k.endswith(".bias")}
    bias_effect = (qw_logits - llama_forward(qw_nobias, qwen2_config("F16"), ids)).abs().max().item()
    assert bias_effect > 100 * ATOL, bias_effect

    # 4. llama-sharded: the llama-gqa weights, in two shards
    names = sorted(gqa_w)
    first = [n for n in names if n.startswith("model.embed_tokens.") or n.startswith("model.layers.0.")]
    second = [n for n in names if n not in first]
    sh_logits = emit("llama-sharded", gqa_cfg, gqa_w, "F32", llama_forward, ids, shards=[first, second])
    assert torch.equal(sh_logits, gqa_logits)

    # 5. gpt2
    g_cfg = gpt2_config()
    g_w = gpt2_weights(505, n_embd=HIDDEN, n_inner=4 * HIDDEN, n_layer=LAYERS,
                       n_positions=g_cfg["n_positions"], vocab=VOCAB)
    emit("gpt2", g_cfg, g_w, "F32", gpt2_forward, ids)

    # 6. llama-mha-repeated-kv: llama-gqa with each KV head repeated for the
    #    query heads it serves; expected computed on its own with the MHA path
    group = HEADS // 2
    rep_w = {}
    for k, v in gqa_w.items():
        if k.endswith("self_attn.k_proj.weight") or k.endswith("self_attn.v_proj.weight"):
            v = v.reshape(2, HEAD_DIM, HIDDEN).repeat_interleave(group, dim=0).reshape(HEADS * HEAD_DIM, HIDDEN)
        rep_w[k] = v.clone()
    rep_cfg = dict(gqa_cfg, num_key_value_heads=HEADS)
    rep_logits = emit("llama-mha-repeated-kv", rep_cfg, rep_w, "F32", llama_forward, ids)
    rep_vs_gqa = (rep_logits - gqa_logits).abs().max().item()
    assert rep_vs_gqa < 1e-12, rep_vs_gqa

    # 7. qwen3: GQA 4/2, head_dim 16 != hidden / heads = 8, q/k norms, tied, BF16
    q3_hd = 2 * HEAD_DIM
    q3_w = llama_weights(707, heads=HEADS, kv_heads=2, head_dim=q3_hd, hidden=HIDDEN, ffn=FFN,
                         layers=LAYERS, vocab=VOCAB, tied=True, qkv_bias=False, qk_norm=True)
    q3_cfg = qwen3_config("BF16", q3_hd)
    q3_logits = emit("qwen3", q3_cfg, q3_w, "BF16", llama_forward, ids)
    q3_round = rounded(q3_w, "BF16")
    q3_nonorm = {k: v for k, v in q3_round.items() if not k.endswith(("q_norm.weight", "k_norm.weight"))}
    qk_norm_effect = (q3_logits - llama_forward(q3_nonorm, q3_cfg, ids)).abs().max().item()
    assert qk_norm_effect > 100 * ATOL, qk_norm_effect
    q3_unit = {k: (torch.ones_like(v) if k.endswith(("q_norm.weight", "k_norm.weight")) else v) for k, v in q3_round.items()}
    qk_weight_effect = (q3_logits - llama_forward(q3_unit, q3_cfg, ids)).abs().max().item()
    assert qk_weight_effect > 100 * ATOL, qk_weight_effect

    # 8. llama-rope-linear: linear rope_scaling (some Llama-2 derivatives), F16
    lin_w = llama_weights(808, heads=HEADS, kv_heads=2, head_dim=HEAD_DIM, hidden=HIDDEN, ffn=FFN,
                          layers=LAYERS, vocab=VOCAB, tied=False, qkv_bias=False)
    lin_cfg = llama_config(kv_heads=2, tied=False, dtype="F16", rope_theta=10000.0,
                           rope_scaling={"factor": 4.0, "type": "linear"}, max_pos=512)
    lin_logits = emit("llama-rope-linear", lin_cfg, lin_w, "F16", llama_forward, ids)
    linear_effect = (lin_logits - llama_forward(rounded(lin_w, "F16"), dict(lin_cfg, rope_scaling=None), ids)).abs().max().item()
    assert linear_effect > 100 * ATOL, linear_effect

    # 9. cross-fixture sanity: the fixtures really differ
    assert (gqa_logits - qw_logits).abs().max() > 1.0

    # 8. llama-gqa-sheared: llama-gqa pruned to a target shape by given kept indices
    #    (hidden channels, FFN neurons, KV groups) and norm factors; weights not stored
    sheared_logits = emit_sheared(gqa_w, gqa_cfg, ids)
    assert (sheared_logits - gqa_logits[..., :]).abs().max() > 1.0

    write_formulas()

    total = 0
    print("%-24s %-5s %8s %9s %10s %9s %12s" % ("fixture", "dtype", "tensors", "bytes",
                                                 "max|logit|", "std", "f32-vs-f64"))
    for name, dtype, nt, size, mx, sd, err in SUMMARY:
        total += size
        print("%-24s %-5s %8d %9d %10.4f %9.4f %12.3e" % (name, dtype, nt, size, mx, sd, err))
    fsize = os.path.getsize(os.path.join(OUT, "formulas.json"))
    total += fsize
    print("formulas.json %d bytes; all fixtures %d bytes" % (fsize, total))
    print("input_ids", ids.tolist())
    print("llama3 branches at head_dim %d: %s; max logit change from scaling %.4f"
          % (HEAD_DIM, llama3_branches(HEAD_DIM, 500000.0, LLAMA3_SCALING), scaling_effect))
    print("qwen2 max logit change from q/k/v bias %.4f" % bias_effect)
    print("llama-mha-repeated-kv vs llama-gqa (float64) max diff %.3e" % rep_vs_gqa)
    print("llama-rope-linear max logit change from linear scaling %.4f" % linear_effect)
    print("qwen3 max logit change without q/k norm %.4f, with unit q/k norm weights %.4f"
          % (qk_norm_effect, qk_weight_effect))
    assert total < 1_000_000


def write_formulas():
    xs = [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]
    gelu = gelu_new(torch.tensor(xs, dtype=torch.float64)).tolist()

    rms_x = [0.5, -1.25, 2.0, 0.0, 3.5, -0.75, 1.0, -2.5]
    rms_w = [1.0, 0.5, 2.0, -1.0, 1.5, 0.25, 1.0, 0.75]
    rms_y = rms_norm(torch.tensor(rms_x, dtype=torch.float64),
                     torch.tensor(rms_w, dtype=torch.float64), 1e-6).tolist()

    scaling = dict(LLAMA3_SCALING, original_max_position_embeddings=64)
    unscaled = rope_inv_freq(16, 500000.0).tolist()
    scaled = rope_inv_freq(16, 500000.0, scaling).tolist()
    branches = llama3_branches(16, 500000.0, scaling)
    assert sorted(set(branches)) == ["divide", "keep", "smooth"]

    rope_x = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8]
    positions = [0, 1, 5]
    rope_inv = rope_inv_freq(8, 10000.0)
    rope_y = apply_rope(torch.tensor([rope_x] * 3, dtype=torch.float64),
                        torch.tensor(positions), rope_inv).tolist()
    # position 0 is the identity
    assert max(abs(a - b) for a, b in zip(rope_y[0], rope_x)) < 1e-15
    # cross-check RoPE against explicit 2-D rotations of the pairs (i, i + d/2)
    for pi, p in enumerate(positions):
        for i in range(4):
            ang = p * rope_inv[i].item()
            a, b = rope_x[i], rope_x[i + 4]
            assert abs(rope_y[pi][i] - (a * math.cos(ang) - b * math.sin(ang))) < 1e-15
            assert abs(rope_y[pi][i + 4] - (b * math.cos(ang) + a * math.sin(ang))) < 1e-15

    formulas = {
        "gelu_new": {"x": xs, "y": gelu},
        "rms_norm": {"x": rms_x, "weight": rms_w, "eps": 1e-6, "y": rms_y},
        "llama3_inv_freq": {
            "head_dim": 16,
            "rope_theta": 500000.0,
            "rope_scaling": scaling,
            "unscaled": unscaled,
            "scaled": scaled,
            "branches": branches,
        },
        "rope": {
            "head_dim": 8,
            "rope_theta": 10000.0,
            "convention": "rotate_half: pairs (i, i + head_dim/2)",
            "inv_freq": rope_inv.tolist(),
            "x": rope_x,
            "positions": positions,
            "y": rope_y,
        },
    }
    write_json(os.path.join(OUT, "formulas.json"), formulas)


if __name__ == "__main__":
    main()
