"""Writes tokenizer_excerpt.json: the Qwen2.5 tokenizer.json (7 MB, shared/data/tokenizer_qwen2_5)
cut down to what reference_encodings.json needs, so that unit tests can check exact BPE encodings
on a fresh clone.

Kept: normalizer, pre-tokenizer, decoder, post-processor and all added tokens unchanged (their
contents are also listed in model.vocab with their ids, which pins the ids); the 256
byte tokens; every token in the merge ancestry of the reference ids (for every merge rule whose
result is such a token, both inputs, recursively); and every merge rule whose result is kept, in
the original order. A merge that is applied while encoding the reference texts produces a kept
token, and dropping rules that are never applied does not change which rule has the lowest rank at
any step, so these texts encode exactly as with the full file. Other texts may not.

Run: python3 make_tokenizer_excerpt.py /path/to/shared/data/tokenizer_qwen2_5/tokenizer.json
"""
import json
import sys

full = json.load(open(sys.argv[1], encoding="utf-8"))
ref = json.load(open("reference_encodings.json", encoding="utf-8"))
model = full["model"]
vocab = model["vocab"]
id_to_token = {i: t for t, i in vocab.items()}


def pair(m):
    return tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m)


by_result = {}
for m in model["merges"]:
    a, b = pair(m)
    by_result.setdefault(a + b, []).append((a, b))

added_ids = {t["id"] for t in full["added_tokens"]}
keep = {id_to_token[i] for i in range(256)}  # the byte alphabet (GPT-2 bytes_to_unicode)
stack = [id_to_token[i] for case in ref["encodings"] + ref["chat_template_examples"]
         for i in case.get("ids", []) if i not in added_ids]
seen = set()
while stack:
    t = stack.pop()
    if t in seen:
        continue
    seen.add(t)
    keep.add(t)
    for a, b in by_result.get(t, []):
        stack.extend([a, b])

kept_merges = [m for m in model["merges"] if "".join(pair(m)) in keep]
model = dict(model)
model["vocab"] = {t: i for t, i in vocab.items() if t in keep}
# The tokenizers library numbers added tokens from the model's vocab size unless their content is in
# the model vocab; with a cut vocab they would be renumbered, so list them there with their real ids.
for t in full["added_tokens"]:
    model["vocab"][t["content"]] = t["id"]
model["merges"] = kept_merges
out = dict(full)
out["model"] = model
json.dump(out, open("tokenizer_excerpt.json", "w", encoding="utf-8"), ensure_ascii=False, indent=1)
print(len(model["vocab"]), "tokens,", len(kept_merges), "merges")
