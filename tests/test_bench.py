"""The benchmark runs as a user runs it: `python bench/run.py --parts minimal --build DIR` on the embedded build.

No timing is asserted (speed is what the benchmark reports, not what a test decides): the test checks
that every curated query and the overhead part were measured and printed in the one table.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.e2e
def test_bench_minimal_on_the_embedded_build(embedded_build):
    from skillgraph.queries import catalog

    build_dir, _ = embedded_build
    p = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--parts", "minimal", "--build", str(build_dir),
                        "--runs", "2", "--budget", "1", "--overhead-runs", "5"],
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    rows = [line for line in p.stdout.splitlines() if line.startswith("| ")]
    measured = {line.split("|")[2].strip() for line in rows}
    names = sorted(catalog())
    assert len(names) == 7
    for name in names:
        inproc = next(m for m in measured if m.startswith(f"{name} in-process"))
        assert f"{name} through the endpoint (median)" in measured
        assert inproc.endswith("rows)")
    assert "point look-up through the worker pool" in measured
    assert "not measured" not in p.stdout
    assert len(rows) == 1 + 2 * len(names) + 3  # the header, two rows per curated query, three overhead rows


@pytest.mark.e2e
def test_bench_flagship_part_on_the_embedded_build(embedded_build):
    """The flagship part: random tasks x 4 levels through the SPARQL endpoint, the REST route and oxigraph serve."""
    build_dir, _ = embedded_build
    p = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--parts", "flagship",
                        "--build", str(build_dir), "--flagship-tasks", "2"],
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    rows = {line.split("|")[2].strip(): [c.strip() for c in line.split("|")[3:-1]]
            for line in p.stdout.splitlines() if line.startswith("| flagship")}
    what = "flagship, 2 random tasks of 13 x 4 levels"
    vias = ("SPARQL endpoint", "REST API", "/queries route")
    assert set(rows) == {f"{what}, {via} ({stat})" for via in vias for stat in ("median", "p95")} | {
        f"{what}, {via}: pairs answered empty" for via in vias} | {f"{what}: rows per pair (median)"}
    for via in vias:
        assert rows[f"{what}, {via}: pairs answered empty"][:3] == ["0 pairs", "oxigraph serve-read-only (empty)",
                                                                   "0 pairs"]
        assert rows[f"{what}, {via} (median)"][0].endswith(" ms")
    assert "not measured" not in p.stdout and "row count unlike" not in p.stdout


@pytest.mark.e2e
def test_bench_engines_part_on_the_embedded_build(embedded_build):
    """The engines part: the build's store and rdflib's in-memory Dataset on the same N-Quads, same rows."""
    build_dir, _ = embedded_build
    p = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--parts", "engines",
                        "--build", str(build_dir)], capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    rows = {line.split("|")[2].strip(): [c.strip() for c in line.split("|")[3:-1]]
            for line in p.stdout.splitlines() if line.startswith("| engines")}
    assert len(rows) == 4, rows
    load = rows["rdflib Dataset, loading the build's N-Quads"][0]
    assert " quads in " in load and "peak RSS" in load
    queries = [m for m in rows if m.endswith("rows), in-process")]
    assert len(queries) == 3
    for m in queries:
        assert rows[m][0].endswith(" ms") and rows[m][1] == "rdflib in-memory Dataset" and rows[m][3].startswith("x")
    assert "not measured" not in p.stdout


def _sampler() -> dict:
    """The bench's sampler code (bench/stages.py SAMPLER), run without starting its thread."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_stages", ROOT / "bench" / "stages.py")
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        stages = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(stages)
    finally:
        sys.path.remove(str(ROOT / "bench"))
    space: dict = {}
    exec(stages.SAMPLER.replace("threading.Thread(target=_sample, daemon=True).start()", ""), space)
    return space


def test_stage_peaks_place_each_sample_in_its_stage_and_keep_each_stage_highest():
    # stages interleave (validate, load, validate, load...): a stage's peak is its highest sample over all its
    # stretches; a stretch with no sample (shorter than the sampling period) leaves the stage out, never fails
    space = _sampler()
    space["samples"].extend([(1.0, 100.0), (2.5, 300.0), (3.5, 200.0), (4.5, 250.0)])
    phases = [("map:onet", 0.5), ("validate", 2.0), ("load", 3.0), ("validate", 4.0), ("quick", 4.2),
              ("load", 4.3)]
    assert space["stage_peaks"](phases, 5.0) == {"map:onet": 100.0, "validate": 300.0, "load": 250.0}


def test_sampler_counts_a_forked_child_by_its_share_not_its_whole_rss():
    # the crosswalk's workers are forks sharing most pages with the build: adding their RSS counted those pages
    # twice; PSS splits each shared page between the processes, so parent + child stays near the parent alone
    import os
    import time

    space = _sampler()
    if not os.path.exists(f"/proc/{os.getpid()}/smaps_rollup"):
        pytest.skip("no /proc/PID/smaps_rollup here (Linux 4.14+): the sampler falls back to RSS")
    ballast = bytearray(200 * 1024 * 1024)  # 200 MB, touched, shared with the child after the fork
    ballast[::4096] = b"\1" * len(ballast[::4096])
    alone = space["_mem_mb"](os.getpid())
    rss = space["_field_mb"](f"/proc/{os.getpid()}/status", "VmRSS:")
    pid = os.fork()
    if pid == 0:
        time.sleep(5)
        os._exit(0)
    try:
        time.sleep(0.3)
        both = space["_mem_mb"](os.getpid()) + space["_mem_mb"](pid)
        child_rss = space["_field_mb"](f"/proc/{pid}/status", "VmRSS:")
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    assert child_rss > 200 and rss > 200  # each maps the ballast in full
    assert both < alone + 0.5 * child_rss  # the child adds a share, not its whole RSS
    del ballast
