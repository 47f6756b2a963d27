#!/usr/bin/env python3
"""Regenerates the embedded default data of `./medadapt study` from the public data sets.

Usage: scripts/make-study-sample.py SHARED_DATA_DIR OUT_DIR [--per-benchmark N] [--passages N]

Writes, in the same layout as the full data folder (so the same loaders read both):
  medqa_us/phrases_no_exclude_test.jsonl   N MedQA-US questions (MIT)
  medmcqa/dev.json                         N MedMCQA dev questions (MIT)
  mmlu_medical/test/<subject>_test.csv     N MMLU medical questions over the 6 subjects (MIT)
  pubmedqa/ori_pqal.json + test_ground_truth.json   N PubMedQA PQA-L test questions (MIT)
  corpus/medquad_sample.jsonl              passages of MedQuAD in MedRAG format (CC BY 4.0)
Rows are chosen with numpy's default_rng(4242) and copied verbatim (MMLU rows re-quoted by the csv module).
"""
import argparse
import csv
import json
import os

import numpy as np


def pick(n_total, n, rng):
    return sorted(rng.choice(n_total, size=min(n, n_total), replace=False).tolist())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--per-benchmark", type=int, default=40)
    ap.add_argument("--passages", type=int, default=300)
    a = ap.parse_args()
    rng = np.random.default_rng(4242)
    n = a.per_benchmark

    def out(rel):
        p = os.path.join(a.out, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    for rel in ["medqa_us/phrases_no_exclude_test.jsonl", "medmcqa/dev.json"]:
        lines = open(os.path.join(a.data, rel), encoding="utf-8").read().splitlines()
        lines = [l for l in lines if l.strip()]
        with open(out(rel), "w", encoding="utf-8", newline="\n") as f:
            for i in pick(len(lines), n, rng):
                f.write(lines[i] + "\n")

    subjects = sorted(os.listdir(os.path.join(a.data, "mmlu_medical/test")))
    per_subject = max(1, n // len(subjects))
    for s in subjects:
        with open(os.path.join(a.data, "mmlu_medical/test", s), encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        with open(out("mmlu_medical/test/" + s), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\r\n")
            for i in pick(len(rows), per_subject, rng):
                w.writerow(rows[i])

    truth = json.load(open(os.path.join(a.data, "pubmedqa/test_ground_truth.json")))
    pqal = json.load(open(os.path.join(a.data, "pubmedqa/ori_pqal.json")))
    ids = sorted(truth)
    chosen = [ids[i] for i in pick(len(ids), n, rng)]
    json.dump({k: pqal[k] for k in chosen}, open(out("pubmedqa/ori_pqal.json"), "w"), indent=1)
    json.dump({k: truth[k] for k in chosen}, open(out("pubmedqa/test_ground_truth.json"), "w"), indent=1)

    lines = open(os.path.join(a.data, "medquad/medquad_medrag.jsonl"), encoding="utf-8").read().splitlines()
    with open(out("corpus/medquad_sample.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for i in pick(len(lines), a.passages, rng):
            f.write(lines[i] + "\n")


if __name__ == "__main__":
    main()
