#!/usr/bin/env python3
"""Writes a random Qwen2 checkpoint in Hugging Face layout (numpy only), for cross-checks.

Usage: make_checkpoint.py OUT_DIR --dtype bf16|f32|f16 [--tied] [--seed N] [--layers N] [--hidden N]
       [--heads N] [--kv-heads N] [--intermediate N] [--vocab N] [--rope-theta X] [--shards N]
"""
import argparse
import json
import os
import struct

import numpy as np


def to_bytes(arr, dtype):
    a32 = arr.astype(np.float32)
    if dtype == "F32":
        return a32.tobytes()
    if dtype == "F16":
        return a32.astype("<f2").tobytes()
    u = a32.view(np.uint32)
    # round to nearest even, as torch does when casting to bfloat16
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2")
    return r.tobytes()


def write_file(path, tensors, dtype):
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name, arr in tensors.items():
        b = to_bytes(arr, dtype)
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "f32", "f16"])
    ap.add_argument("--tied", action="store_true")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=96)
    ap.add_argument("--heads", type=int, default=6)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--intermediate", type=int, default=200)
    ap.add_argument("--vocab", type=int, default=300)
    ap.add_argument("--rope-theta", type=float, default=1000000.0)
    ap.add_argument("--shards", type=int, default=1)
    a = ap.parse_args()
    dtype = {"bf16": "BF16", "f32": "F32", "f16": "F16"}[a.dtype]
    rng = np.random.default_rng(a.seed)
    hd = a.hidden // a.heads
    t = {}

    def r(*shape, scale=0.08):
        return rng.normal(0.0, scale, size=shape)

    t["model.embed_tokens.weight"] = r(a.vocab, a.hidden, scale=0.5)
    for i in range(a.layers):
        p = f"model.layers.{i}."
        t[p + "input_layernorm.weight"] = 1.0 + r(a.hidden, scale=0.1)
        t[p + "post_attention_layernorm.weight"] = 1.0 + r(a.hidden, scale=0.1)
        t[p + "self_attn.q_proj.weight"] = r(a.heads * hd, a.hidden)
        t[p + "self_attn.q_proj.bias"] = r(a.heads * hd, scale=0.2)
        t[p + "self_attn.k_proj.weight"] = r(a.kv_heads * hd, a.hidden)
        t[p + "self_attn.k_proj.bias"] = r(a.kv_heads * hd, scale=0.2)
        t[p + "self_attn.v_proj.weight"] = r(a.kv_heads * hd, a.hidden)
        t[p + "self_attn.v_proj.bias"] = r(a.kv_heads * hd, scale=0.2)
        t[p + "self_attn.o_proj.weight"] = r(a.hidden, a.heads * hd)
        t[p + "mlp.gate_proj.weight"] = r(a.intermediate, a.hidden)
        t[p + "mlp.up_proj.weight"] = r(a.intermediate, a.hidden)
        t[p + "mlp.down_proj.weight"] = r(a.hidden, a.intermediate)
    t["model.norm.weight"] = 1.0 + r(a.hidden, scale=0.1)
    if not a.tied:
        t["lm_head.weight"] = r(a.vocab, a.hidden, scale=0.3)
    os.makedirs(a.out, exist_ok=True)
    names = list(t)
    if a.shards == 1:
        write_file(os.path.join(a.out, "model.safetensors"), t, dtype)
    else:
        weight_map = {}
        per = (len(names) + a.shards - 1) // a.shards
        for s in range(a.shards):
            fname = f"model-{s + 1:05d}-of-{a.shards:05d}.safetensors"
            part = {n: t[n] for n in names[s * per:(s + 1) * per]}
            write_file(os.path.join(a.out, fname), part, dtype)
            weight_map.update({n: fname for n in part})
        json.dump({"metadata": {}, "weight_map": weight_map},
                  open(os.path.join(a.out, "model.safetensors.index.json"), "w"), indent=2)
    cfg = {
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": a.hidden,
        "intermediate_size": a.intermediate, "num_hidden_layers": a.layers,
        "num_attention_heads": a.heads, "num_key_value_heads": a.kv_heads, "rope_theta": a.rope_theta,
        "rms_norm_eps": 1e-6, "vocab_size": a.vocab, "tie_word_embeddings": a.tied,
        "max_position_embeddings": 4096, "torch_dtype": {"BF16": "bfloat16", "F32": "float32", "F16": "float16"}[dtype],
        "bos_token_id": 0, "eos_token_id": 1, "hidden_act": "silu", "use_sliding_window": False,
    }
    json.dump(cfg, open(os.path.join(a.out, "config.json"), "w"), indent=2)


if __name__ == "__main__":
    main()
