"""Every curated query (queries/*.rq, default parameters bound as the server binds them) on a build:
in-process on the read-only store, each in a fresh child process stopped at a deadline, then
through SkillGraph's HTTP endpoint. The target is 1 s per query on the full store.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from common import PEAK, child, median, p95


def in_process(build_dir: Path, name: str, runs: int, budget_s: float, deadline_s: float) -> dict:
    """First run (cold caches of a fresh process) and median/p95 of the following runs, within budget_s."""
    code = f"""
{PEAK}
import time
from skillgraph import store
from skillgraph.queries import catalog
from skillgraph.query import run
st = store.open_read_only({str(build_dir)!r})
text = catalog()[{name!r}].bind()
times, rows = [], None
t_start = time.perf_counter()
for i in range({runs} + 1):
    t = time.perf_counter(); rows = len(list(run(st, text))); dt = time.perf_counter() - t
    times.append(dt)
    if time.perf_counter() - t_start > {budget_s} and len(times) >= 2:  # a slow query: first run + one
        break
print(json.dumps({{'first_s': times[0], 'times': times[1:] or times, 'rows': rows, 'peak_mb': peak()}}))
"""
    try:
        out = child(code, timeout=deadline_s)
    except subprocess.TimeoutExpired:
        return {"median_ms": None, "p95_ms": None, "rows": None, "note": f"stopped at {deadline_s:g} s"}
    return {"median_ms": median(out["times"]) * 1000, "p95_ms": p95(out["times"]) * 1000,
            "first_ms": out["first_s"] * 1000, "rows": out["rows"], "runs": len(out["times"]), "note": ""}


def names() -> list[str]:
    from skillgraph.queries import catalog

    return sorted(catalog())


def texts() -> dict[str, str]:
    from skillgraph.queries import catalog

    return {n: q.bind() for n, q in sorted(catalog().items())}
