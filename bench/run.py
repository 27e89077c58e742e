"""SkillGraph benchmarks: every figure next to a baseline measured in the same run, in ONE table.

    python bench/run.py            # the embedded default (minutes)
    python bench/run.py --full     # the full releases in ../shared/data (the tests' full-build inputs)

Measured, each in fresh processes, on this machine:
1. build: a from-scratch build's stages (time, and peak RSS while the stage ran) against the floor,
   pyoxigraph Store.bulk_load of the same N-Quads the build exported; and a rebuild with nothing
   changed (incremental) against the from-scratch build;
2. endpoint: a fixed query mix through SkillGraph's HTTP endpoint, `oxigraph serve-read-only
   --union-default-graph` and rdflib-endpoint, all on loopback holding the same N-Quads: median and
   p95 latency per query, requests/s with 4 concurrent clients, server RSS (process tree);
3. per-request overhead of a point look-up: in-process, through the worker pool, through Flask;
4. SHACL: validating every graph with SkillGraph against plain pySHACL (same shapes, same data);
5. reasoning (embedded only): the SPARQL rules against owlrl's full closure.
Ratios compare SkillGraph to the baseline (below 1: SkillGraph is faster or smaller). A figure that
could not be measured in this run says so; nothing is estimated. The machine is described in the header.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from common import Table, child, machine
import endpoints
import stages

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SKILLGRAPH_SHARED_DATA", ROOT.parent / "shared" / "data"))


def full_inputs(work: Path) -> tuple[dict, dict]:
    """The full build's inputs exactly as the test suite's full_build fixture makes them (tests/conftest.py)."""
    spec = importlib.util.spec_from_file_location("skillgraph_tests_conftest", ROOT / "tests" / "conftest.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod.full_build_inputs(SHARED, work)


def bench_build(t: Table, work: Path, paths: dict | None, options: dict | None, reuse: Path | None) -> Path:
    """Returns the build folder."""
    if reuse is not None:
        from skillgraph import store

        info = store.build_info(reuse)
        t.add("build", "full build (from scratch)", None, "s", note=f"not measured in this run: reused build "
              f"{info.get('build_id')} (--build-dir)")
        return reuse
    d = work / "build"
    b = stages.build(d, paths, options)
    nq = Path(b["path"]) / "exports" / "skillgraph.nq"
    fl = stages.floor(nq, work)
    triples = sum(b["graphs"].values())
    t.add("build", f"whole build, {triples:,} triples", b["wall_s"], "s", "Store.bulk_load of its N-Quads", fl["wall_s"])
    t.add("build", "peak RSS of the build", b["peak_mb"], "MB", "peak RSS of that bulk load", fl["peak_mb"])
    for name, secs in b["timings"].items():
        peak = b["stage_peaks"].get(name)
        t.add("build", f"  stage {name}", secs, "s", "bulk load (time)", fl["seconds"],
              note=f"peak RSS during the stage {peak:,.0f} MB" if peak else "")
    r = stages.rebuild_unchanged(d, paths, options)
    t.add("build", "rebuild with nothing changed", r["wall_s"], "s", "the from-scratch build", b["wall_s"])
    return d


def bench_endpoints(t: Table, build_dir: Path, work: Path, args) -> None:
    from skillgraph import store

    nq = store.build_path(build_dir) / "exports" / "skillgraph.nq"
    mix = endpoints.query_mix()
    servers: list[endpoints.Server] = []
    results: dict[str, dict] = {}
    tput: dict[str, dict] = {}
    rss: dict[str, float] = {}
    notes: dict[str, str] = {}
    try:
        sg = endpoints.start_skillgraph(build_dir, work, args.timeout)
        servers.append(sg)
        ox_server, _load_s = endpoints.start_oxigraph(nq, work)
        servers.append(ox_server)
        candidates = [sg, ox_server]
        if args.skip_rdflib:
            notes["rdflib-endpoint"] = "not measured: --skip-rdflib"
        else:
            try:
                rl = endpoints.start_rdflib_endpoint(nq, work, args.rdflib_load_deadline)
                servers.append(rl)
                candidates.append(rl)
            except RuntimeError as e:
                notes["rdflib-endpoint"] = f"not measured: {str(e).splitlines()[0]}"
        for s in candidates:
            print(f"[endpoint] {s.name}: latency", file=sys.stderr, flush=True)
            results[s.name] = endpoints.latency(s, mix, args.runs, args.budget, args.timeout)
            print(f"[endpoint] {s.name}: throughput", file=sys.stderr, flush=True)
            tput[s.name] = {
                "point look-up": endpoints.throughput(s, [mix["point look-up of a task"]], 4, args.seconds, args.timeout),
                "whole mix": endpoints.throughput(s, [q for n, q in mix.items() if results[s.name][n]["median_ms"] is not None
                                                     and results[s.name][n]["median_ms"] < 5000],
                                                  4, args.seconds, args.timeout),
            }
            rss[s.name] = s.rss_mb()
    finally:
        endpoints.kill_all(servers)
    mine = results["SkillGraph"]
    for q in mix:
        for stat in ("median_ms", "p95_ms"):
            for b in ["oxigraph serve-read-only", "rdflib-endpoint"]:
                if b in results:
                    other = results[b][q]
                    if mine[q]["rows"] is not None and other["rows"] is not None and other["rows"] != mine[q]["rows"]:
                        raise SystemExit(f"{b} returned {other['rows']} rows for {q!r}, SkillGraph {mine[q]['rows']}")
                    note = "" if mine[q][stat] is not None else f"HTTP {mine[q]['status']} (timeout {args.timeout:g} s)"
                    if other[stat] is None:
                        note += f"; {b}: HTTP {other['status']}"
                    t.add("endpoint", f"{q} ({stat.split('_')[0]}, {mine[q]['rows']} rows)", mine[q][stat], "ms", b,
                          other[stat], note=note.strip("; "))
                elif b in notes and stat == "median_ms":
                    t.add("endpoint", f"{q} (median)", mine[q][stat], "ms", b, None, note=notes[b])
    for kind in ("point look-up", "whole mix"):
        for b in ["oxigraph serve-read-only", "rdflib-endpoint"]:
            if b in tput:
                t.add("endpoint", f"requests/s, 4 clients, {kind}", tput["SkillGraph"][kind], "req/s", b, tput[b][kind])
    for b in ["oxigraph serve-read-only", "rdflib-endpoint"]:
        if b in rss:
            t.add("endpoint", "server RSS (with workers)", rss["SkillGraph"], "MB", b, rss[b])
    geo = _geomean([mine[q]["median_ms"] / results["oxigraph serve-read-only"][q]["median_ms"] for q in mix
                    if mine[q]["median_ms"] and results["oxigraph serve-read-only"][q]["median_ms"]])
    t.add("endpoint", "query mix, geometric mean of median ratios", geo, "x", "oxigraph serve-read-only", 1.0)


def _geomean(xs: list[float]) -> float:
    import math

    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else math.nan


def bench_overhead(t: Table, build_dir: Path, n: int) -> None:
    o = stages.overhead(build_dir, endpoints.query_mix()["point look-up of a task"], n)
    t.add("overhead", "point look-up through the worker pool", o["worker_pool_ms"], "ms", "same query in-process",
          o["in_process_ms"])
    t.add("overhead", "point look-up through Flask (test client)", o["flask_ms"], "ms", "through the worker pool",
          o["worker_pool_ms"])


def bench_shacl(t: Table, build_dir: Path, graphs: list[str] | None) -> None:
    from skillgraph import store
    from skillgraph.mappings import SOURCES

    info = store.build_info(build_dir)
    exports = store.build_path(build_dir) / "exports"
    keys = graphs or [k for k in info["graphs"] if k in SOURCES.keys() or k == "crosswalk"]
    mine = stages.shacl(exports, keys, plain=False)
    plain = stages.shacl(exports, keys, plain=True)
    if mine["violations"] != plain["violations"]:
        raise SystemExit(f"SHACL results differ: SkillGraph {mine['violations']} violations, pySHACL {plain['violations']}")
    n = sum(info["graphs"][k] for k in keys)
    t.add("shacl", f"validate {len(keys)} graphs, {n:,} triples", mine["seconds"], "s", "plain pySHACL", plain["seconds"])
    for k in sorted(keys, key=lambda k: -info["graphs"][k])[:3]:
        t.add("shacl", f"  {k} ({info['graphs'][k]:,} triples)", mine["per_graph"][k], "s", "plain pySHACL",
              plain["per_graph"][k])
    t.add("shacl", "peak RSS (parse + validate)", mine["peak_mb"], "MB", "plain pySHACL", plain["peak_mb"])


def bench_reasoning(t: Table) -> None:
    code = """
import json, time, pyoxigraph as ox
from skillgraph.build import assemble, plan
from skillgraph.ontology import load_ontology
from skillgraph.reasoning import owlrl_closure, rules_reasoner, rdflib_to_ox
a = assemble(plan())
graphs = list(a.graphs.values())
st = ox.Store()
for i, g in enumerate([load_ontology(), *graphs]):
    gn = ox.NamedNode(f'urn:g{i}')
    st.extend(ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), gn) for s, p, o in g)
t = time.perf_counter(); rep = rules_reasoner(st, ox.NamedNode('urn:inferred'), graphs); rules = time.perf_counter() - t
t = time.perf_counter(); inf = owlrl_closure(graphs); owl = time.perf_counter() - t
print(json.dumps({'rules': rules, 'owlrl': owl}))
"""
    r = child(code)
    t.add("reasoning", "SPARQL rules, embedded sample", r["rules"], "s", "owlrl full closure", r["owlrl"])


def section(t: Table, name: str, run) -> None:
    """Run one part of the benchmark; a failure is reported in the table, and the other parts still run."""
    try:
        run()
    except (Exception, SystemExit) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        t.add(name, "(this part)", None, "", note=f"not measured: {first}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="the full releases in ../shared/data instead of the embedded default")
    ap.add_argument("--build-dir", type=Path, help="measure the endpoint and SHACL on this existing build "
                                                   "instead of building (the build row then says 'not measured')")
    ap.add_argument("--runs", type=int, default=20, help="sequential requests per query (after one warm-up)")
    ap.add_argument("--budget", type=float, default=20.0, help="seconds per query and server for the latency runs")
    ap.add_argument("--seconds", type=float, default=10.0, help="duration of each throughput run")
    ap.add_argument("--timeout", type=float, default=30.0, help="HTTP timeout per request (SkillGraph's QUERY_TIMEOUT too)")
    ap.add_argument("--skip-rdflib", action="store_true", help="leave rdflib-endpoint out")
    ap.add_argument("--rdflib-load-deadline", type=float, default=900.0,
                    help="seconds rdflib-endpoint may take to load the N-Quads before it counts as not measured")
    ap.add_argument("--shacl-graphs", help="comma-separated graphs to validate (default: every source graph)")
    ap.add_argument("--skip-shacl", action="store_true")
    ap.add_argument("--parts", default="endpoint,overhead,shacl,reasoning",
                    help="which parts besides the build (endpoint, overhead, shacl, reasoning)")
    ap.add_argument("--keep-build", type=Path, help="build into this folder (kept) instead of a temporary one")
    ap.add_argument("--overhead-runs", type=int, default=300)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))  # stop the servers on the way out

    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    header = f"SkillGraph benchmark ({'full releases' if args.full else 'embedded default'}), {started}, {machine()}"
    print(header, file=sys.stderr, flush=True)
    t = Table()
    with tempfile.TemporaryDirectory(prefix="skillgraph-bench-") as tmp:
        work = Path(tmp)
        paths, options = full_inputs(work / "inputs") if args.full else (None, None)
        parts = set(args.parts.split(","))
        build_dir = bench_build(t, args.keep_build or work, paths, options, args.build_dir)
        if "endpoint" in parts:
            section(t, "endpoint", lambda: bench_endpoints(t, build_dir, work, args))
        if "overhead" in parts:
            section(t, "overhead", lambda: bench_overhead(t, build_dir, args.overhead_runs))
        if args.skip_shacl or "shacl" not in parts:
            t.add("shacl", "validate every graph", None, "s", "plain pySHACL", None, note="not measured in this run")
        else:
            section(t, "shacl", lambda: bench_shacl(t, build_dir, args.shacl_graphs.split(",") if args.shacl_graphs else None))
        if not args.full and "reasoning" in parts:
            section(t, "reasoning", lambda: bench_reasoning(t))
    print(header)
    print()
    print(t.render())


if __name__ == "__main__":
    main()
