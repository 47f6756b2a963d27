#!/usr/bin/env python3
"""Writes the tiny ONNX encoders and cross-encoder under testdata/rag/ and their expected outputs.

Run from the repository root:  python3 testdata/rag/make_tiny_onnx.py
Needs only numpy: the ONNX protobuf is encoded by hand (field numbers from onnx/onnx.proto), so the
expected values below come from a float64 numpy forward pass that shares no code with ONNX Runtime,
DJL or MedAdapt; tokenization is re-implemented here too (lowercase, split words and punctuation,
whole-word vocabulary lookup, [UNK] otherwise), which matches a WordPiece vocabulary without ## pieces.

Graph (opset 13), a "BERT-like" encoder small enough to read:
  X = word_emb[input_ids] + pos_emb[0:L] (+ type_emb[token_type_ids])
  M = sum_t(X * mask) / sum_t(mask)                  # masked mean over the sequence, [B,1,H]
  last_hidden_state = tanh(X @ W + M)                # every token sees the others, padding must not
  cross-encoder: logits = last_hidden_state[:, 0, :] @ Wc + bc      # [B,1]
"""
import json
import os
import re
import struct

import numpy as np

OUT = os.path.dirname(os.path.abspath(__file__))
H = 8
MAX_POS = 64
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ("what is the treatment of diabetes hypertension insulin metformin a drug for blood pressure "
         "high sugar type 2 patient with cat sat on mat lowers first line therapy cancer ? , . -").split()
VOCAB = {t: i for i, t in enumerate(SPECIAL + WORDS)}
V = len(VOCAB)


# ---------------------------------------------------------------- protobuf writer (proto3 wire format)
def varint(n):
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def f_varint(field, n):
    return varint(field << 3) + varint(n)


def f_bytes(field, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(field << 3 | 2) + varint(len(data)) + data


def tensor(name, arr):
    arr = np.ascontiguousarray(arr)
    dtype = {np.dtype(np.float32): 1, np.dtype(np.int64): 7}[arr.dtype]
    b = b"".join(f_varint(1, d) for d in arr.shape)
    return b + f_varint(2, dtype) + f_bytes(8, name) + f_bytes(9, arr.astype(arr.dtype.newbyteorder("<")).tobytes())


def attr_int(name, v):
    return f_bytes(1, name) + f_varint(3, v) + f_varint(20, 2)


def node(op, inputs, outputs, *attrs):
    b = b"".join(f_bytes(1, i) for i in inputs) + b"".join(f_bytes(2, o) for o in outputs)
    b += f_bytes(3, outputs[0] + "_node") + f_bytes(4, op)
    return b + b"".join(f_bytes(5, a) for a in attrs)


def value_info(name, elem_type, dims):
    shape = b"".join(f_bytes(1, f_bytes(2, d) if isinstance(d, str) else f_varint(1, d)) for d in dims)
    tensor_type = f_varint(1, elem_type) + f_bytes(2, shape)
    return f_bytes(1, name) + f_bytes(2, f_bytes(1, tensor_type))


def model(nodes, initializers, inputs, outputs):
    g = b"".join(f_bytes(1, n) for n in nodes) + f_bytes(2, "tiny")
    g += b"".join(f_bytes(5, t) for t in initializers)
    g += b"".join(f_bytes(11, i) for i in inputs) + b"".join(f_bytes(12, o) for o in outputs)
    opset = f_bytes(1, "") + f_varint(2, 13)
    return f_varint(1, 7) + f_bytes(2, "medadapt make_tiny_onnx.py") + f_bytes(7, g) + f_bytes(8, opset)


# ---------------------------------------------------------------- graphs
def encoder_graph(with_types, cross):
    rng = np.random.default_rng(20261125 + with_types + 2 * cross)
    w = {
        "word_emb": rng.normal(0, 1, (V, H)).astype(np.float32),
        "pos_emb": rng.normal(0, 0.5, (MAX_POS, H)).astype(np.float32),
        "W": rng.normal(0, 0.5, (H, H)).astype(np.float32),
    }
    if with_types:
        w["type_emb"] = rng.normal(0, 1, (2, H)).astype(np.float32)
    if cross:
        w["Wc"] = rng.normal(0, 1, (H, 1)).astype(np.float32)
        w["bc"] = np.array([0.25], dtype=np.float32)
    consts = {
        "end1": np.array([1], dtype=np.int64),
        "start1": np.array([0], dtype=np.int64),
        "axes2": np.array([2], dtype=np.int64),
        "axes1": np.array([1], dtype=np.int64),
    }
    inits = [tensor(k, v) for k, v in {**w, **consts}.items()]
    out_name = "logits" if cross else ("last_hidden_state" if with_types else "token_embeddings")
    hidden = "hidden" if cross else out_name
    nodes = [
        node("Gather", ["word_emb", "input_ids"], ["E"], attr_int("axis", 0)),
        node("Shape", ["input_ids"], ["shape"]),
        node("Slice", ["shape", "axes1", "axes2"], ["seq_len"]),            # shape[1:2], 1-D
        node("Slice", ["pos_emb", "start1", "seq_len", "start1"], ["P"]),   # pos_emb[0:L] along axis 0
        node("Add", ["E", "P"], ["EP"]),
    ]
    x = "EP"
    if with_types:
        nodes += [node("Gather", ["type_emb", "token_type_ids"], ["T"], attr_int("axis", 0)),
                  node("Add", ["EP", "T"], ["X"])]
        x = "X"
    nodes += [
        node("Cast", ["attention_mask"], ["maskf"], attr_int("to", 1)),
        node("Unsqueeze", ["maskf", "axes2"], ["mask3"]),
        node("Mul", [x, "mask3"], ["Xm"]),
        node("ReduceSum", ["Xm", "axes1"], ["S"], attr_int("keepdims", 1)),
        node("ReduceSum", ["mask3", "axes1"], ["C"], attr_int("keepdims", 1)),
        node("Div", ["S", "C"], ["M"]),
        node("MatMul", [x, "W"], ["XW"]),
        node("Add", ["XW", "M"], ["pre"]),
        node("Tanh", ["pre"], [hidden]),
    ]
    if cross:
        nodes += [
            node("Slice", [hidden, "start1", "end1", "axes1"], ["cls"]),       # [B,1,H]
            node("MatMul", ["cls", "Wc"], ["cw"]),
            node("Add", ["cw", "bc"], ["logits3"]),
            node("Flatten", ["logits3"], ["logits"], attr_int("axis", 1)),      # [B,1]
        ]
    inputs = [value_info("input_ids", 7, ["batch", "seq"]), value_info("attention_mask", 7, ["batch", "seq"])]
    if with_types:
        inputs.append(value_info("token_type_ids", 7, ["batch", "seq"]))
    outputs = [value_info(out_name, 1, ["batch", 1] if cross else ["batch", "seq", H])]
    return model(nodes, inits, inputs, outputs), {k: v.astype(np.float64) for k, v in w.items()}


def forward(w, ids, types):
    """float64 forward pass of one unpadded sequence; returns the token states [L, H]."""
    ids = np.array(ids)
    x = w["word_emb"][ids] + w["pos_emb"][: len(ids)]
    if "type_emb" in w:
        x = x + w["type_emb"][np.array(types)]
    return np.tanh(x @ w["W"] + x.mean(axis=0, keepdims=True))


# ---------------------------------------------------------------- tokenizer
def words(text):
    return [VOCAB.get(t, VOCAB["[UNK]"]) for t in re.findall(r"\w+|[^\w\s]", text.lower())]


def encode_single(text, max_len):
    return [VOCAB["[CLS]"]] + words(text)[: max_len - 2] + [VOCAB["[SEP]"]]


def encode_pair(q, p, max_len):
    a, b = words(q), words(p)
    # longest_first; the test cases only ever cut the passage (it stays longer than the query)
    while len(a) + len(b) > max_len - 3:
        if len(b) >= len(a):
            b.pop()
        else:
            a.pop()
    ids = [VOCAB["[CLS]"]] + a + [VOCAB["[SEP]"]] + b + [VOCAB["[SEP]"]]
    types = [0] * (len(a) + 2) + [1] * (len(b) + 1)
    return ids, types


def tokenizer_json():
    def special(tok):
        return {"id": VOCAB[tok], "content": tok, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": True}

    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [special(t) for t in SPECIAL],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [VOCAB[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": VOCAB},
    }


def write(path, data):
    path = os.path.join(OUT, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data if isinstance(data, bytes) else json.dumps(data, indent=1) + "\n")


def unit(v):
    return v / max(np.linalg.norm(v), 1e-12)


SENTENCES = [
    "What is the treatment of diabetes?",
    "Metformin lowers blood sugar.",
    "A cat sat on the mat",
    "hypertension",
    "Insulin therapy for type 2 diabetes patient with high blood pressure , first line drug for cancer ?",
    "What is zzyzx therapy?",  # zzyzx is not in the vocabulary: [UNK]
]
QUERY = "What is the treatment of diabetes?"
PASSAGES = [
    "Metformin is the first line drug for type 2 diabetes.",
    "A cat sat on the mat.",
    "Insulin lowers blood sugar.",
    "High blood pressure is hypertension.",
    "Insulin therapy for type 2 diabetes patient with high blood pressure , first line drug for cancer is a therapy "
    "for a patient with high sugar and the treatment of diabetes with insulin and metformin lowers blood pressure .",
]


def main():
    tok = tokenizer_json()
    expected = {"generated_by": "testdata/rag/make_tiny_onnx.py (numpy float64 forward pass)"}

    enc_bytes, enc_w = encoder_graph(with_types=True, cross=False)
    write("tiny-encoder/onnx/model.onnx", enc_bytes)
    write("tiny-encoder/tokenizer.json", tok)
    write("tiny-encoder/modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
    write("tiny-encoder/1_Pooling/config.json", {
        "word_embedding_dimension": H, "pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False})
    write("tiny-encoder/sentence_bert_config.json", {"max_seq_length": 32, "do_lower_case": False})
    write("tiny-encoder/config_sentence_transformers.json", {"prompts": {"query": "query : ", "passage": ""}})
    write("tiny-encoder/config.json", {"model_type": "bert", "hidden_size": H})

    nt_bytes, nt_w = encoder_graph(with_types=False, cross=False)
    write("tiny-encoder-notypes/model.onnx", nt_bytes)
    write("tiny-encoder-notypes/tokenizer.json", tok)

    rows = []
    for s in SENTENCES:
        row = {"text": s}
        for max_len in (32, 8):
            ids = encode_single(s, max_len)
            h = forward(enc_w, ids, [0] * len(ids))
            hn = forward(nt_w, ids, None)
            row[f"max{max_len}"] = {
                "ids": ids, "cls": h[0].tolist(), "mean": h.mean(axis=0).tolist(),
                "notypes_mean": hn.mean(axis=0).tolist()}
        ids = encode_single("query : " + s, 32)
        row["query_cls_normalized"] = unit(forward(enc_w, ids, [0] * len(ids))[0]).tolist()
        rows.append(row)
    expected["encoder"] = rows

    ce_bytes, ce_w = encoder_graph(with_types=True, cross=True)
    write("tiny-cross-encoder/model.onnx", ce_bytes)
    write("tiny-cross-encoder/tokenizer.json", tok)
    pairs = []
    for p in PASSAGES:
        row = {"query": QUERY, "passage": p}
        for max_len in (64, 24):
            ids, types = encode_pair(QUERY, p, max_len)
            h = forward(ce_w, ids, types)
            logit = float(h[0] @ ce_w["Wc"][:, 0] + ce_w["bc"][0])
            row[f"max{max_len}"] = {"ids": ids, "types": types, "logit": logit}
        pairs.append(row)
    expected["cross_encoder"] = pairs
    write("tiny_expected.json", expected)
    print("wrote tiny models and tiny_expected.json to", OUT)


if __name__ == "__main__":
    main()
