"""Fit the Job Zone level prior (skillgraph.crosswalk.level_prior) on the gold set's levelled TUNE pairs.

    python scripts/fit_levels.py [--gold eval/gold/onet_task_esco_skill.sssom.tsv] [--check]

Reads the gold SSSOM file (its `level`, `split` and `job_zone` columns, written by gold_write.py from
eval/gold/levels.tsv) and writes src/skillgraph/crosswalk/level_prior.json; deterministic, so the file is
regenerated, never edited. --check exits 1 if the file differs from what the gold gives. Held-out levels
are never read here: `skillgraph eval` measures the prior on them.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from gold_common import read_tsv

from skillgraph.crosswalk import level_prior

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "eval" / "gold" / "onet_task_esco_skill.sssom.tsv"
OUT = ROOT / "src" / "skillgraph" / "crosswalk" / level_prior.PRIOR_FILE
NAME = "job-zone prior v1"


def document(gold: Path) -> dict:
    pairs = [(int(r["job_zone"]), r["level"].removeprefix("sg:")) for r in read_tsv(gold)
             if r["split"] == "tune" and r["level"]]
    sha = hashlib.sha256(gold.read_bytes()).hexdigest()
    return level_prior.fit(pairs, f"{NAME} ({len(pairs)} levelled tune pairs, gold {sha[:12]})", sha)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    a = ap.parse_args()
    text = json.dumps(document(a.gold), indent=1, sort_keys=True) + "\n"
    if a.check:
        same = OUT.is_file() and OUT.read_text(encoding="utf-8") == text
        print(f"{OUT.name}: " + ("in sync with the gold" if same else "differs from what the gold gives"))
        sys.exit(0 if same else 1)
    OUT.write_text(text, encoding="utf-8")
    doc = json.loads(text)
    print(f"wrote {OUT}: {doc['name']}")
    for z, lv in doc["level_by_job_zone"].items():
        print(f"  Job Zone {z}: {lv:<13} tune counts {doc['tune_counts'][z]}")


if __name__ == "__main__":
    main()
