"""Lay out judged-relevant gold pairs for a level judgement, and store the levels the judge types.

`skillgraph eval` measures level accuracy against a gold `level` column: the shared proficiency level (1
Foundational, 2 Intermediate, 3 Advanced, 4 Expert) at which skill S is needed to perform task T, under the
rule in eval/gold/README.md ("Levels"). Which pairs get a level: the pairs judged relevant (grade >= 1)
that a method's top 5 answers (the runs given with `select`): held-out ones, so that level accuracy is
measured on every relevant answer those methods give, and tune ones, which the level prior is fitted on
(scripts/fit_levels.py). The judge never sees a method, a rank or a level the engine gave: `show` prints
the task, its occupation and Job Zone, and the skill with its description.

    python scripts/gold_levels.py select RUN.sssom.tsv ... [--split tune]   # adds to eval/gold/levels_todo.tsv
    python scripts/gold_levels.py show 10 [--desc 200] [--part K/N]   # the next tasks with pairs to level
    python scripts/gold_levels.py add < levels.txt              # "<task_id> <one digit 1-4 per pair shown>"
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

from gold_common import GOLD_DIR, SAMPLE_TSV, SSSOM_TSV, print_candidate, read_skills, read_tsv, shared_dir, write_tsv
from gold_judge import JUDGER

from skillgraph.crosswalk.evaluate import read_gold, read_run

TODO_TSV = GOLD_DIR / "levels_todo.tsv"
LEVELS_TSV = GOLD_DIR / "levels.tsv"
LEVELS = {"1": "Foundational", "2": "Intermediate", "3": "Advanced", "4": "Expert"}
TASK_IRI = "https://w3id.org/skillgraph/id/onet/task/"
TOP = 5


def select(runs: list[str], split: str) -> None:
    """Add to the to-do list the pairs of one split judged grade >= 1 in the top 5 of one of the runs.

    The list only grows: pairs selected before (for the other split, or from other runs) stay on it, so
    the held-out levels measured so far and the tune levels a level model is fitted on share one file.
    """
    gold = {(j.task, j.skill): j for j in read_gold(SSSOM_TSV)}
    chosen = {(r["task_id"], r["skill_uri"]) for r in read_tsv(TODO_TSV)} if TODO_TSV.is_file() else set()
    before = len(chosen)
    for path in runs:
        for task, answers in read_run(path).items():
            for a in answers[:TOP]:
                j = gold.get((task, a.skill))
                if j is not None and j.split == split and j.grade >= 1:
                    chosen.add((task[len(TASK_IRI):], a.skill))
    rows = [{"task_id": t, "skill_uri": s} for t, s in sorted(chosen, key=lambda x: (int(x[0]), x[1]))]
    write_tsv(TODO_TSV, rows, ["task_id", "skill_uri"],
              f"# gold_levels.py select: pairs judged relevant in the top {TOP} of a method's run "
              "(held-out pairs to measure level accuracy, tune pairs to fit the level model)\n")
    print(f"{len(rows) - before} {split} pairs added; {len(rows)} pairs of {len({t for t, _ in chosen})} tasks listed")


def levelled() -> dict[tuple[str, str], str]:
    """The levels stored so far, by (task id, skill IRI)."""
    if not LEVELS_TSV.is_file():
        return {}
    return {(r["task_id"], r["skill_uri"]): r["level"] for r in read_tsv(LEVELS_TSV)}


def pending(labels: dict[str, str]) -> dict[str, list[str]]:
    """Task id -> its pairs still without a level, in the order shown and typed: skill label, then IRI."""
    have = levelled()
    out: dict[str, list[str]] = defaultdict(list)
    for r in read_tsv(TODO_TSV):
        if (r["task_id"], r["skill_uri"]) not in have:
            out[r["task_id"]].append(r["skill_uri"])
    for uris in out.values():
        uris.sort(key=lambda u: (labels[u].lower(), u))
    return out


def show(n: int, desc_chars: int, part: str | None) -> None:
    skills = read_skills(shared_dir())
    todo = pending({u: s.label for u, s in skills.items()})
    k, parts = (int(x) for x in part.split("/")) if part else (1, 1)
    mine = [r for i, r in enumerate(read_tsv(SAMPLE_TSV)) if i % parts == k - 1]  # judges share out the tasks
    for r in [r for r in mine if r["task_id"] in todo][:n]:
        print(f"\n## {r['task_id']} | {r['occupation']} (JZ{r['job_zone']}) | {r['task']}")
        for i, uri in enumerate(todo[r["task_id"]], 1):
            print_candidate(i, skills[uri], desc_chars)


def add(lines: list[str]) -> None:
    labels = {s.uri: s.label for s in read_skills(shared_dir()).values()}
    todo = pending(labels)
    new = []
    for ln, line in enumerate(lines, 1):
        if not line.strip():
            continue
        tid, digits = line.split()
        if tid not in todo:
            raise SystemExit(f"stdin line {ln}: task {tid} has no pair waiting for a level")
        if len(digits) != len(todo[tid]) or set(digits) - set(LEVELS):
            raise SystemExit(f"stdin line {ln}: task {tid} has {len(todo[tid])} pairs to level, got {digits!r}")
        new += [(tid, uri, LEVELS[d]) for uri, d in zip(todo[tid], digits, strict=True)]
    exists = LEVELS_TSV.is_file()
    with open(LEVELS_TSV, "a", encoding="utf-8") as f:
        if not exists:
            f.write(f"# levels typed by {JUDGER}, pair by pair, under eval/gold/README.md (Levels)\n"
                    "task_id\tskill_uri\tlevel\n")
        f.writelines(f"{t}\t{u}\t{lv}\n" for t, u, lv in new)
    left = sum(len(v) for v in pending(labels).values())
    print(f"stored {len(new)} levels for {len({t for t, _, _ in new})} tasks; {left} pairs left to level")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("select")
    s.add_argument("runs", nargs="+")
    s.add_argument("--split", choices=("heldout", "tune"), default="heldout")
    s = sub.add_parser("show")
    s.add_argument("n", type=int)
    s.add_argument("--desc", type=int, default=200, help="characters of the skill description to print")
    s.add_argument("--part", help="K/N: only the K-th of N shares of the tasks (several judges at once)")
    sub.add_parser("add")
    a = ap.parse_args()
    if a.cmd == "select":
        select(a.runs, a.split)
    elif a.cmd == "show":
        show(a.n, a.desc, a.part)
    else:
        add(sys.stdin.read().splitlines())


if __name__ == "__main__":
    main()
