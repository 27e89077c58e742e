#!/usr/bin/env python
"""The AEI -> O*NET task join report, reproducible with one command.

    python scripts/aei_join_report.py                       # staged 2025-02-10 release vs O*NET 30.1
    python scripts/aei_join_report.py --aei PATH --tasks "PATH/Task Statements.xlsx" --threshold 0.9 --json

Runs the real `aei` mapping against a graph of the task table's sg:Task nodes and prints, per
release, how many distinct task texts (and rows) joined exactly, normalised, fuzzy, ambiguously
or not at all. Writes nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SKILLGRAPH_SHARED_DATA", ROOT.parent / "shared" / "data"))


def run(aei: Path, tasks: Path, threshold: float = 0.90) -> dict:
    from skillgraph.mappings import BuildContext, source
    from skillgraph.mappings.aei_join import task_graph_from_table
    from skillgraph.sourceconfig import make

    onet = task_graph_from_table(tasks)
    config = {"aei": make("aei", fuzzy_threshold=threshold)}
    result = source("aei").map(aei, BuildContext(graphs={"onet": onet}, config=config))
    return {"aei": str(aei), "tasks": str(tasks), **result.report.details["join"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--aei", type=Path, default=SHARED / "aei" / "release_2025_02_10")
    ap.add_argument("--tasks", type=Path, default=SHARED / "onet" / "30.1" / "Task Statements.xlsx",
                    help="an O*NET Task Statements table (.xlsx, .txt) or AEI's onet_task_statements.csv.gz")
    ap.add_argument("--threshold", type=float, default=0.90, help="fuzzy similarity threshold in (0, 1]")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    rep = run(a.aei, a.tasks, a.threshold)
    if a.json:
        print(json.dumps(rep, indent=2))
        return 0
    print(f"AEI {rep['aei']}\nO*NET tasks {rep['tasks']}")
    for name, r in rep.items():
        if not isinstance(r, dict):
            continue
        texts = r["texts"]
        joined = sum(texts[m] for m in ("task-id", "exact", "normalised", "fuzzy"))
        print(f"\n{name} ({r['layout']} layout) vs {r['onet_tasks']} O*NET tasks, fuzzy threshold {r['threshold']:g}")
        print(f"  {'method':<11} {'texts':>6} {'rows':>6}")
        for m, n in texts.items():
            print(f"  {m:<11} {n:>6} {r['rows'][m]:>6}")
        print(f"  {'matched':<11} {joined:>6}   of {sum(texts.values())} distinct task texts")
    print(f"\n({time.perf_counter() - t0:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
