"""Lay out pooled (task, skill) pairs for the judge to read, and store the grades the judge types.

This script never grades anything: `show` prints the next tasks whose pool is not yet judged (candidates in
label order, without methods or ranks); `add` stores grades typed by the judge, one line per task:

    <task_id> <one digit 0/1/2 per candidate, in the order shown>

    python scripts/gold_judge.py show 10
    python scripts/gold_judge.py add < grades.txt
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

from gold_common import JUDGED_TSV, POOL_TSV, SAMPLE_TSV, read_skills, read_tsv, shared_dir

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


def show(n: int, desc_chars: int) -> None:
    skills = read_skills(shared_dir())
    done = {t for t, _ in judged()}
    pool = pools()
    todo = [r for r in read_tsv(SAMPLE_TSV) if r["task_id"] not in done][:n]
    for r in todo:
        print(f"\n## {r['task_id']} | {r['occupation']} (JZ{r['job_zone']}) | {r['task']}")
        for i, p in enumerate(pool[r["task_id"]], 1):
            s = skills[p["skill_uri"]]
            print(f"  {i:2}. {s.label} [{(s.skill_type or '?')[:4]}] -- {s.description[:desc_chars]}")


def add(lines: list[str]) -> None:
    pool, have = pools(), judged()
    new = []
    for ln, line in enumerate(lines, 1):
        if not line.strip():
            continue
        tid, grades = line.split()
        cands = pool.get(tid)
        if cands is None:
            raise SystemExit(f"stdin line {ln}: task {tid} is not in {POOL_TSV.name}")
        if len(grades) != len(cands) or set(grades) - set("012"):
            raise SystemExit(f"stdin line {ln}: task {tid} has {len(cands)} candidates, got grades {grades!r}")
        if any((tid, c["skill_uri"]) in have for c in cands):
            raise SystemExit(f"stdin line {ln}: task {tid} is already judged")
        new += [(tid, c["skill_uri"], g) for c, g in zip(cands, grades, strict=False)]
    exists = JUDGED_TSV.is_file()
    with open(JUDGED_TSV, "a", encoding="utf-8") as f:
        if not exists:
            f.write(f"# grades typed by {JUDGER}, pair by pair, under eval/gold/README.md\ntask_id\tskill_uri\tgrade\n")
        f.writelines(f"{t}\t{u}\t{g}\n" for t, u, g in new)
    print(f"stored {len(new)} grades for {len({t for t, _, _ in new})} tasks; "
          f"{len({t for t, _ in judged()})} tasks judged in all")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("show")
    s.add_argument("n", type=int)
    s.add_argument("--desc", type=int, default=70, help="characters of the skill description to print")
    sub.add_parser("add")
    a = ap.parse_args()
    if a.cmd == "show":
        show(a.n, a.desc)
    else:
        add(sys.stdin.read().splitlines())


if __name__ == "__main__":
    main()
