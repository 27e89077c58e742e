"""Map the full releases and pickle the crosswalk's `Inputs`, for scripts/fit_reranker.py.

    python scripts/gather_inputs.py --shared ../shared/data --out inputs.pkl

Maps O*NET 30.1, ESCO v1.1.1, the Nesta crosswalk and AEI 2025-02-10 from the staged upstream data (the
other sources embedded) as the full build does (skillgraph.crosswalk.methods.gather_full), without the
crosswalk, then gathers the crosswalk's inputs and pickles them. A full-size
run (several GB): on a shared machine, run it through the machine's full-size slot.
"""
from __future__ import annotations

import argparse
import pickle
import resource
import time
from pathlib import Path

from skillgraph.crosswalk.methods import gather_full


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, required=True, help="the staged upstream data (holds SOURCES.md)")
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    t0 = time.perf_counter()
    inp = gather_full(a.shared, print)
    with a.out.open("wb") as f:
        pickle.dump(inp, f, protocol=5)
    print(f"{len(inp.tasks)} tasks, {len(inp.esco_skills)} ESCO skills, {len(inp.task_dwas)} tasks with DWAs, "
          f"{len(inp.skill_reuse)} skills with a reuse level; {time.perf_counter() - t0:.0f} s, peak "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
