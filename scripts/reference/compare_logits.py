#!/usr/bin/env python3
"""compare_logits.py NAME REFERENCE.json CANDIDATE.json [TOL]: relative max error of logits."""
import json
import sys

import numpy as np

name, ref_path, cand_path = sys.argv[1:4]
tol = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-4
ref, cand = json.load(open(ref_path)), json.load(open(cand_path))
if ref["input_ids"] != cand["input_ids"]:
    sys.exit(f"{name}: input_ids differ: {ref['input_ids']} vs {cand['input_ids']}")
a, b = np.array(ref["logits"]), np.array(cand["logits"])
if a.shape != b.shape:
    sys.exit(f"{name}: shape {b.shape}, expected {a.shape}")
rel = float(np.abs(a - b).max() / np.abs(a).max())
print(f"{name}: logits {a.shape} relative max error {rel:.3e} (tolerance {tol:g})")
if not rel <= tol:
    sys.exit(f"{name}: FAILED")
