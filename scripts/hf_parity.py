"""Holds Secateur's reading, ONNX export and pruned checkpoints to Hugging Face transformers' own model code.

For each architecture: transformers builds a small random model from its own config class (weights, norms and biases
all perturbed, so that a dropped bias or a misread norm shows), saves it with save_pretrained, and then
  1. `secateur export` turns that folder into model.onnx; its logits on a fixed token sequence are compared with
     transformers' logits (eager attention, float32);
  2. `secateur prune` removes FFN neurons, a layer, and heads where the architecture allows (--compensation none by
     default);
     transformers loads the pruned folder (no missing, unexpected or mismatched tensors allowed) and its logits are
     compared with the pruned model.onnx's.
Prints one row per architecture and exits non-zero when any row fails.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort
import torch
import transformers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# small sizes shared by the Llama-style configs; each entry adds what its architecture needs to show its features
SMALL = dict(hidden_size=64, intermediate_size=96, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,
             max_position_embeddings=256, pad_token_id=0, bos_token_id=1, eos_token_id=2)


def archs(vocab):
    base = dict(SMALL, vocab_size=vocab)
    mha = dict(base, num_key_value_heads=4)
    gpt_style = dict(vocab_size=vocab, n_embd=64, n_layer=4, n_head=4, n_positions=256, bos_token_id=1, eos_token_id=2)
    # name: (config class, model class, config arguments, whether heads may be removed)
    return {
        "llama": ("LlamaConfig", "LlamaForCausalLM", base, True),
        # rotary variants, in transformers 5's rope_parameters (rope_theta moved there too)
        "llama3-rope": ("LlamaConfig", "LlamaForCausalLM",
                        dict(base, rope_parameters=dict(rope_type="llama3", rope_theta=500000.0, factor=8.0,
                                                        low_freq_factor=1.0, high_freq_factor=4.0,
                                                        original_max_position_embeddings=64)), True),
        "llama-linear-rope": ("LlamaConfig", "LlamaForCausalLM",
                              dict(base, rope_parameters=dict(rope_type="linear", rope_theta=10000.0, factor=2.0)), True),
        "qwen2-yarn": ("Qwen2Config", "Qwen2ForCausalLM",
                       dict(base, rope_parameters=dict(rope_type="yarn", rope_theta=1000000.0, factor=4.0,
                                                       original_max_position_embeddings=64)), True),
        "phi3-longrope": ("Phi3Config", "Phi3ForCausalLM",
                          dict(mha, original_max_position_embeddings=64,
                               rope_parameters=dict(rope_type="longrope", rope_theta=10000.0,
                                                    short_factor=[1.0 + 0.1 * i for i in range(8)],
                                                    long_factor=[1.0 + i for i in range(8)],
                                                    original_max_position_embeddings=64)), False),
        "mistral": ("MistralConfig", "MistralForCausalLM", dict(base, sliding_window=8), True),
        "qwen2": ("Qwen2Config", "Qwen2ForCausalLM", base, True),
        "qwen3": ("Qwen3Config", "Qwen3ForCausalLM", dict(base, head_dim=32), True),
        "phi3": ("Phi3Config", "Phi3ForCausalLM", mha, True),
        "smollm3": ("SmolLM3Config", "SmolLM3ForCausalLM", dict(base, no_rope_layer_interval=2), True),
        "gemma": ("GemmaConfig", "GemmaForCausalLM", dict(base, head_dim=16), True),
        "gemma2": ("Gemma2Config", "Gemma2ForCausalLM",
                   dict(base, head_dim=16, sliding_window=8, query_pre_attn_scalar=16), True),
        "gemma3": ("Gemma3TextConfig", "Gemma3ForCausalLM",
                   dict(base, head_dim=16, sliding_window=8, sliding_window_pattern=2, query_pre_attn_scalar=16), True),
        "granite": ("GraniteConfig", "GraniteForCausalLM",
                    dict(base, embedding_multiplier=4.0, attention_multiplier=0.1, residual_multiplier=0.5,
                         logits_scaling=2.0), True),
        "olmo2": ("Olmo2Config", "Olmo2ForCausalLM", base, True),
        "olmo3": ("Olmo3Config", "Olmo3ForCausalLM", dict(base, sliding_window=8), True),
        "stablelm": ("StableLmConfig", "StableLmForCausalLM", dict(mha, use_qkv_bias=True), False),
        "starcoder2": ("Starcoder2Config", "Starcoder2ForCausalLM", dict(base, sliding_window=8), True),
        "nemotron": ("NemotronConfig", "NemotronForCausalLM", dict(base, head_dim=16), True),
        "gpt_neox": ("GPTNeoXConfig", "GPTNeoXForCausalLM", dict(mha, rotary_pct=0.5), False),
        "phi": ("PhiConfig", "PhiForCausalLM", dict(mha, partial_rotary_factor=0.5), False),
        "gptj": ("GPTJConfig", "GPTJForCausalLM", dict(gpt_style, rotary_dim=8, n_inner=96), False),
        "falcon": ("FalconConfig", "FalconForCausalLM",
                   dict(vocab_size=vocab, hidden_size=64, num_hidden_layers=4, num_attention_heads=4, multi_query=True,
                        parallel_attn=True, bias=False, ffn_hidden_size=96, bos_token_id=1, eos_token_id=2), False),
        "falcon-new": ("FalconConfig", "FalconForCausalLM",
                       dict(vocab_size=vocab, hidden_size=64, num_hidden_layers=4, num_attention_heads=4,
                            new_decoder_architecture=True, num_kv_heads=2, bias=True, ffn_hidden_size=96,
                            bos_token_id=1, eos_token_id=2), False),
        "opt": ("OPTConfig", "OPTForCausalLM",
                dict(vocab_size=vocab, hidden_size=64, ffn_dim=96, num_hidden_layers=4, num_attention_heads=4,
                     max_position_embeddings=256, word_embed_proj_dim=64, pad_token_id=0, bos_token_id=1,
                     eos_token_id=2), False),
        "gpt2": ("GPT2Config", "GPT2LMHeadModel", dict(gpt_style, n_inner=96), False),
    }


def perturb(model, seed):
    """Moves every parameter off its initial value: norms off 1, biases off 0, weights by a fresh draw."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.05)


def hf_logits(folder, model_class, ids):
    """The decoder's logits, or an encoder's last hidden state, for one sequence; and what did not load."""
    cls = getattr(transformers, model_class)
    model, info = cls.from_pretrained(folder, attn_implementation="eager", dtype=torch.float32, output_loading_info=True)
    model.eval()
    # BertModel's pooler is not part of what Secateur reads or serves
    problems = {k: [n for n in v if "pooler" not in str(n)] for k, v in info.items()
                if k in ("missing_keys", "unexpected_keys", "mismatched_keys")}
    problems = {k: v for k, v in problems.items() if v}
    with torch.no_grad():
        out = model(torch.tensor([ids]))
        return (out.logits if hasattr(out, "logits") else out.last_hidden_state)[0].numpy(), problems


def ort_logits(onnx_file, ids):
    sess = ort.InferenceSession(onnx_file, providers=["CPUExecutionProvider"])
    feeds = {}
    for i in sess.get_inputs():
        if i.name == "input_ids":
            feeds[i.name] = np.array([ids], dtype=np.int64)
        elif i.name == "token_type_ids":
            feeds[i.name] = np.zeros((1, len(ids)), dtype=np.int64)
        elif i.name == "attention_mask":
            feeds[i.name] = np.ones((1, len(ids)), dtype=np.int64)
        elif i.name == "position_ids":
            feeds[i.name] = np.arange(len(ids), dtype=np.int64)[None, :]
        else:  # past key/value: [batch, kv heads, 0, head_dim]
            kv, hd = i.shape[1], i.shape[3]
            dtype = np.float16 if i.type == "tensor(float16)" else np.float32
            feeds[i.name] = np.zeros((1, kv, 0, hd), dtype=dtype)
    output = "logits" if any(o.name == "logits" for o in sess.get_outputs()) else "last_hidden_state"
    return sess.run([output], feeds)[0][0]


def secateur(*args):
    started = time.time()
    p = subprocess.run([os.path.join(ROOT, "secateur"), *args], cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("secateur " + " ".join(args[:1]) + " failed: " + (p.stderr or p.stdout).strip()[-600:])
    return time.time() - started


def rel(a, b):
    return float(np.max(np.abs(a - b)) / max(1e-12, np.max(np.abs(b))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "hf-parity"))
    ap.add_argument("--only", default="", help="comma-separated architecture keys")
    ap.add_argument("--compensation", default="none", help="the prune's --compensation: none, bias or lsq")
    ap.add_argument("--tolerance", type=float, default=1e-4, help="max |difference| / max |logit|")
    args = ap.parse_args()
    tokenizer = os.path.join(ROOT, "models", "kjv-llama", "tokenizer.json")
    calibration = os.path.join(ROOT, "data", "kjv-calib.txt")
    with open(os.path.join(ROOT, "models", "kjv-llama", "config.json")) as f:
        vocab = json.load(f)["vocab_size"]
    rows = [(key, spec) for key, spec in archs(vocab).items()]
    # real weights: the demo's trained Llama, and all-MiniLM-L6-v2 as the encoder tests import it (when built)
    rows.append(("kjv-llama (trained)", ("folder", "LlamaForCausalLM", os.path.join(ROOT, "models", "kjv-llama"), True)))
    minilm = os.path.join(ROOT, "prune-function", "target", "minilm", "hf")
    if os.path.isdir(minilm):
        rows.append(("all-MiniLM-L6-v2 (real)", ("folder", "BertModel", minilm, False)))
    selected = [a for a in args.only.split(",") if a]
    print(f"transformers {transformers.__version__}, torch {torch.__version__}, onnxruntime {ort.__version__}")
    print("| architecture | export vs transformers | pruned (kept sizes) loads in transformers | pruned export vs transformers |")
    print("|---|---:|---|---:|")
    failures = 0
    for key, (config_class, model_class, kw, heads) in rows:
        if selected and key.split(" ")[0] not in selected:
            continue
        folder = os.path.join(args.work, key.split(" ")[0])
        shutil.rmtree(folder, ignore_errors=True)
        dense = os.path.join(folder, "dense")
        encoder = model_class == "BertModel"
        try:
            if config_class == "folder":
                shutil.copytree(kw, dense)
            else:
                config = getattr(transformers, config_class)(**kw)
                torch.manual_seed(0)
                model = getattr(transformers, model_class)(config)
                perturb(model, 1)
                model.save_pretrained(dense)
                shutil.copy(tokenizer, os.path.join(dense, "tokenizer.json"))
            with open(os.path.join(dense, "config.json")) as f:
                row_vocab = json.load(f)["vocab_size"]
            ids = [int(x) for x in np.random.default_rng(7).integers(3, row_vocab, size=24)]
            expected, _ = hf_logits(dense, model_class, ids)
            secateur("export", "--model", dense, "--out", os.path.join(folder, "onnx"))
            dense_err = rel(ort_logits(os.path.join(folder, "onnx", "model.onnx"), ids), expected)
            text = os.path.join(ROOT, "data", "sentences.txt") if encoder else calibration
            prune = ["prune", "--model", dense, "--method", "wanda-sp", "--ffn-ratio", "0.25", "--drop-layers", "1",
                     "--compensation", args.compensation, "--calibration", text, "--samples", "8", "--export", "fp32",
                     "--out", os.path.join(folder, "pruned")]
            if not encoder:
                prune += ["--seq-len", "32"]
            if heads:
                prune += ["--head-ratio", "0.5"]
            secateur(*prune)
            with open(os.path.join(folder, "pruned", "config.json")) as f:
                sizes = json.load(f).get("secateur_layer_sizes", [])
            shown = ", ".join(f"{s['num_attention_heads']}h/{s['num_key_value_heads']}kv/{s['intermediate_size']}f"
                              for s in sizes)
            got, problems = hf_logits(os.path.join(folder, "pruned"), model_class, ids)
            pruned_err = rel(ort_logits(os.path.join(folder, "pruned", "model.onnx"), ids), got)
            ok = dense_err <= args.tolerance and pruned_err <= args.tolerance and not problems
            loads = "yes" if not problems else "no: " + json.dumps({k: sorted(map(str, v))[:3] for k, v in problems.items()})
            print(f"| {key} | {dense_err:.1e} | {loads} ({shown}) | {pruned_err:.1e} |" + ("" if ok else " **FAIL**"))
        except Exception as e:  # one architecture's failure is a row, not the end of the run
            ok = False
            print(f"| {key} | error: {str(e).splitlines()[-1][:300] if str(e) else type(e).__name__} | | | **FAIL**")
        sys.stdout.flush()
        failures += 0 if ok else 1
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
