"""Lay out pooled (task, skill) pairs for the judge to read, and store the grades the judge types.

This script never grades anything: `show` prints the next tasks with pooled pairs not yet judged (those
candidates only, in label order, without methods or ranks; `--split` takes one split first, `--context`
lists the task's pairs already judged, for consistency with the rule's "a closer skill in the pool");
`add` stores grades typed by the judge, one line per task:

    <task_id> <one digit 0/1/2 per unjudged candidate, in the order shown>

    python scripts/gold_judge.py show 10 [--split heldout] [--context]
    python scripts/gold_judge.py add < grades.txt
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

from gold_common import JUDGED_TSV, POOL_TSV, SAMPLE_TSV, print_candidate, read_skills, read_tsv, shared_dir

JUDGER = "Claude (AI model), SkillGraph gold helper"


def pools() -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in read_tsv(POOL_TSV):
        out[r["task_id"]].append(r)
    return out


def judged() -> dict[tuple[str, str], str]:
    if not JUDGED_TSV.is_file():
        return {}
    return {(r["task_id"], r["skill_uri"]): r["grade"] for r in read_tsv(JUDGED_TSV)}


def pending(cands: list[dict[str, str]], have: dict[tuple[str, str], str]) -> list[dict[str, str]]:
    """A task's pooled candidates not yet judged, in the order shown and graded: label, then URI."""
    todo = [c for c in cands if (c["task_id"], c["skill_uri"]) not in have]
    return sorted(todo, key=lambda c: (c["skill_label"].lower(), c["skill_uri"]))


def show(n: int, desc_chars: int, split: str | None, context: bool) -> None:
    skills = read_skills(shared_dir())
    have, pool = judged(), pools()
    todo = [r for r in read_tsv(SAMPLE_TSV) if (split is None or r["split"] == split)
            and pending(pool[r["task_id"]], have)][:n]
    for r in todo:
        print(f"\n## {r['task_id']} | {r['occupation']} (JZ{r['job_zone']}) | {r['task']}")
        if context:
            done = sorted((c["skill_label"], have[(r["task_id"], c["skill_uri"])]) for c in pool[r["task_id"]]
                          if (r["task_id"], c["skill_uri"]) in have)
            print("  judged: " + "; ".join(f"{lab}={g}" for lab, g in done))
        for i, p in enumerate(pending(pool[r["task_id"]], have), 1):
            print_candidate(i, skills[p["skill_uri"]], desc_chars)


def add(lines: list[str]) -> None:
    pool, have = pools(), judged()
    new = []
    for ln, line in enumerate(lines, 1):
        if not line.strip():
            continue
        tid, grades = line.split()
        if tid not in pool:
            raise SystemExit(f"stdin line {ln}: task {tid} is not in {POOL_TSV.name}")
        cands = pending(pool[tid], have)
        if not cands:
            raise SystemExit(f"stdin line {ln}: task {tid} is already judged")
        if len(grades) != len(cands) or set(grades) - set("012"):
            raise SystemExit(f"stdin line {ln}: task {tid} has {len(cands)} unjudged candidates, "
                             f"got grades {grades!r}")
        new += [(tid, c["skill_uri"], g) for c, g in zip(cands, grades, strict=False)]
    exists = JUDGED_TSV.is_file()
    with open(JUDGED_TSV, "a", encoding="utf-8") as f:
        if not exists:
            f.write(f"# grades typed by {JUDGER}, pair by pair, under eval/gold/README.md\ntask_id\tskill_uri\tgrade\n")
        f.writelines(f"{t}\t{u}\t{g}\n" for t, u, g in new)
    left = sum(len(pending(c, judged())) for c in pool.values())
    print(f"stored {len(new)} grades for {len({t for t, _, _ in new})} tasks; {left} pooled pairs left to judge")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("show")
    s.add_argument("n", type=int)
    s.add_argument("--desc", type=int, default=70, help="characters of the skill description to print")
    s.add_argument("--split", choices=("tune", "heldout"), help="only tasks of this split")
    s.add_argument("--context", action="store_true", help="list the task's pairs already judged")
    sub.add_parser("add")
    a = ap.parse_args()
    if a.cmd == "show":
        show(a.n, a.desc, a.split, a.context)
    else:
        add(sys.stdin.read().splitlines())


if __name__ == "__main__":
    main()
