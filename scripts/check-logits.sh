#!/usr/bin/env bash
# Cross-checks `./medadapt logits` against the independent float64 numpy reference on random Qwen2
# checkpoints that are not in the repository (bf16 sharded untied, f32 tied, f16), each with a
# different shape. Exits non-zero when any relative error (max|diff| / max|ref|) exceeds 1e-4.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REF="$ROOT/scripts/reference"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
IDS="3,17,250,99,4,4,180,42,7,1,260,33"

check() {
  local name="$1"; shift
  python3 "$REF/make_checkpoint.py" "$WORK/$name" "$@"
  "$ROOT/medadapt" logits --model "$WORK/$name" --ids "$IDS" > "$WORK/$name.java.json"
  python3 "$REF/qwen2_numpy.py" "$WORK/$name" "$IDS" > "$WORK/$name.ref.json"
  python3 "$REF/compare_logits.py" "$name" "$WORK/$name.ref.json" "$WORK/$name.java.json"
}

check bf16-sharded-untied --dtype bf16 --shards 3 --layers 3 --hidden 96 --heads 6 --kv-heads 2 --vocab 300 --seed 11
check f32-tied --dtype f32 --tied --layers 2 --hidden 64 --heads 8 --kv-heads 4 --vocab 280 --rope-theta 10000 --seed 12
check f16-mha --dtype f16 --layers 2 --hidden 80 --heads 5 --kv-heads 5 --vocab 270 --seed 13
