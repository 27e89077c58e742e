"""Shared pieces of the benchmarks: child processes with peak memory, process-tree RSS, the result table."""
from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PEAK = ("import resource, json; "
        "peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024")


def child(code: str, timeout: float | None = None) -> dict:
    """Run Python code in a fresh process; its last stdout line is JSON. Adds wall_s and peak_mb."""
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        how = f"signal {-p.returncode}" if p.returncode < 0 else f"exit status {p.returncode}"
        raise RuntimeError(f"benchmark step failed ({how}):\n{p.stderr[-4000:]}")
    lines = [x for x in p.stdout.strip().splitlines() if x.startswith("{")]
    out = json.loads(lines[-1]) if lines else {}
    out["wall_s"] = wall
    return out


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (SkillGraph's query workers count)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(stat[1]), []).append(int(d.name))
            except (OSError, IndexError):
                continue
    total, stack = 0.0, [pid]
    while stack:
        p = stack.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
        stack.extend(children.get(p, []))
    return total


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else math.nan


def p95(xs: list[float]) -> float:
    if not xs:
        return math.nan
    s = sorted(xs)
    return s[min(len(s) - 1, math.ceil(0.95 * len(s)) - 1)]


@dataclass
class Row:
    section: str
    measure: str
    value: float | None
    unit: str
    baseline: str
    base: float | None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or self.base is None or not self.base or math.isnan(self.value) or math.isnan(self.base):
            return None
        return self.value / self.base


@dataclass
class Table:
    rows: list[Row] = field(default_factory=list)

    def add(self, section, measure, value, unit, baseline="", base=None, note="") -> Row:
        r = Row(section, measure, value, unit, baseline, base, note)
        self.rows.append(r)
        print(f"  measured: {section} | {measure}: {fmt(value)} {unit} vs {baseline} {fmt(base)} {note}",
              file=sys.stderr, flush=True)
        return r

    def render(self) -> str:
        head = ("section", "measure", "SkillGraph", "baseline", "baseline value", "ratio")
        body = []
        for r in self.rows:
            ratio = "" if r.ratio is None else f"x{r.ratio:.2f}"
            value = (fmt(r.value) + f" {r.unit}") if r.value is not None else (r.note or "not measured")
            base = (fmt(r.base) + f" {r.unit}") if r.base is not None else ("" if not r.baseline else "not measured")
            body.append((r.section, r.measure, value, r.baseline, base, ratio))
        widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]

        def line(cells):
            return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

        out = [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        out += [line(b) for b in body]
        notes = [f"- {r.section} / {r.measure}: {r.note}" for r in self.rows if r.note and r.value is not None]
        return "\n".join(out + ([""] + notes if notes else []))


def fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if isinstance(x, float) and math.isnan(x):
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
    return f"{os.cpu_count()} cores ({cpu}){mem}, load average {load:.1f} at start, Python {sys.version.split()[0]}"
