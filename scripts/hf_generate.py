"""Greedy completions from a running serve-function against transformers' generate on the same checkpoint.

  python scripts/hf_generate.py URL MODEL_NAME MODEL_DIR [--max-tokens N]

Each prompt of data/demo-prompts.txt is sent to URL/v1/completions (temperature 0) and to transformers'
generate(do_sample=False) on MODEL_DIR with its tokenizer.json; when the folder has a chat template, each prompt is
also sent as a user message to URL/v1/chat/completions and to generate on transformers' apply_chat_template. Prints
one row per request and exits non-zero unless every text is the same.
"""
import argparse
import json
import os
import sys
import urllib.request

import torch
import transformers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def served(url, model, prompt, max_tokens):
    body = json.dumps({"model": model, "prompt": prompt, "max_tokens": max_tokens, "temperature": 0}).encode()
    req = urllib.request.Request(url.rstrip("/") + "/v1/completions", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        out = json.load(r)
    return out["choices"][0]["text"], out["usage"]["prompt_tokens"]


def served_chat(url, model, prompt, max_tokens):
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens,
                       "temperature": 0}).encode()
    req = urllib.request.Request(url.rstrip("/") + "/v1/chat/completions", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        out = json.load(r)
    return out["choices"][0]["message"]["content"], out["usage"]["prompt_tokens"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("model")
    ap.add_argument("dir")
    ap.add_argument("--max-tokens", type=int, default=32)
    args = ap.parse_args()
    tok = transformers.AutoTokenizer.from_pretrained(args.dir)
    model = transformers.AutoModelForCausalLM.from_pretrained(args.dir, dtype=torch.float32)
    model.eval()
    with open(os.path.join(ROOT, "data", "demo-prompts.txt")) as f:
        prompts = [line.rstrip("\n") for line in f if line.strip()][:8]
    print(f"transformers {transformers.__version__}: {len(prompts)} prompts, {args.max_tokens} tokens, greedy")
    print("| request | prompt tokens (served / transformers) | same text |")
    print("|---|---|---|")
    same = total = 0
    for p in prompts:
        requests = [("completion", served(args.url, args.model, p, args.max_tokens), tok(p, return_tensors="pt").input_ids)]
        if tok.chat_template:
            ids = tok.apply_chat_template([{"role": "user", "content": p}], add_generation_prompt=True, return_tensors="pt",
                                          return_dict=True)["input_ids"]
            requests.append(("chat", served_chat(args.url, args.model, p, args.max_tokens), ids))
        for kind, (text, n), ids in requests:
            with torch.no_grad():
                out = model.generate(ids, max_new_tokens=args.max_tokens, do_sample=False, pad_token_id=0)
            ref = tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)
            if kind == "chat":
                ref = ref.strip()  # the server trims what surrounds a chat answer
                text = text.strip()
            ok = ref == text
            same += ok
            total += 1
            print(f"| {kind}: {p[:40]} | {n} / {ids.shape[1]} | "
                  f"{'yes' if ok else 'no: ' + json.dumps(text[:60]) + ' vs ' + json.dumps(ref[:60])} |")
    print(f"{same} of {total} texts identical")
    sys.exit(0 if same == total else 1)


if __name__ == "__main__":
    main()
