"""SkillGraph benchmarks: every figure next to a baseline measured in the same run, in ONE table.

    python bench/run.py                          # the embedded default (minutes)
    python bench/run.py --full                   # the full releases in ../shared/data (build included)
    python bench/run.py --full --build DIR --parts endpoint,queries,overhead    # on an existing build
    python bench/run.py --parts minimal          # a quick run on the embedded default (what the test runs)

A full-size run needs about 8 GB and tens of minutes; run one at a time on a shared machine.

Parts (--parts, comma-separated; each runs guarded: a failure is a "not measured" row, the rest still runs):
- build: a from-scratch build's stages (time, and peak memory while the stage ran: PSS of the build and its
  forked workers) against the floor,
  pyoxigraph Store.bulk_load of the N-Quads the build exported. Always a fresh build (never --build).
- endpoint: a fixed query mix through SkillGraph's HTTP endpoint, `oxigraph serve-read-only
  --union-default-graph` and rdflib-endpoint, all on loopback holding the same N-Quads: median and
  p95 latency per query, requests/s with 4 concurrent clients, server RSS (process tree);
- queries: every curated query in-process on the read-only store (against the 1 s target) and
  through the endpoint (against in-process);
- flagship: the flagship crosswalk query for --flagship-tasks random tasks (fixed seed) at each of the 4
  shared levels, through SkillGraph's SPARQL endpoint, its REST route, its /queries route and
  `oxigraph serve-read-only` on the same store: median and p95 latency, and how many (task, level) pairs
  came back empty;
- overhead: a point look-up in-process, through the worker pool, through Flask;
- shacl: validating every graph with SkillGraph against plain pySHACL (same shapes, same data);
- reasoning (embedded only): the rules (one-pass engine) against owlrl's full closure;
- crosswalk: the build's crosswalk stage on the build's store (inputs by SPARQL, alignment, peak RSS) against
  the floor of adding the same triples to a fresh rdflib graph (the graph the stage hands on);
- engines: the build's own store (pyoxigraph, read-only, in-process) against rdflib's in-memory Dataset loaded
  from the same N-Quads the way rdflib-endpoint loads them (`Dataset(default_union=True).parse`), in one child
  process capped at --rdflib-max-memory: the flagship, the aggregate over all ratings and the point look-up of
  the endpoint mix (median of 5 on the store, of 3 on rdflib, 1 for rdflib's aggregate), with rdflib's load
  time and peak RSS. In-process, so neither side pays HTTP: where rdflib-endpoint fits the data, the
  `endpoint` part measures the servers themselves.
`minimal` is queries,overhead. Ratios compare SkillGraph to the baseline (below 1: SkillGraph is
faster or smaller). Nothing is estimated: what could not be measured says so.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import curated
import endpoints
import flagship
import stages
from common import Table, child, machine, median

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SKILLGRAPH_SHARED_DATA", ROOT.parent / "shared" / "data"))
PARTS = ("build", "endpoint", "flagship", "queries", "overhead", "shacl", "reasoning", "crosswalk", "engines")
PRESETS = {"minimal": ("queries", "overhead"), "all": PARTS}
OX = "oxigraph serve-read-only"
RL = "rdflib-endpoint"
CLIENTS = 4
CLIENT_GRACE = 15.0  # the HTTP client waits this much longer than the server's timeout, to see its 503


def full_inputs(work: Path) -> tuple[dict, dict]:
    """The full build's inputs exactly as the test suite's full_build fixture makes them (tests/conftest.py)."""
    spec = importlib.util.spec_from_file_location("skillgraph_tests_conftest", ROOT / "tests" / "conftest.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod.full_build_inputs(SHARED, work)


def fresh_build(work: Path, paths: dict | None, options: dict | None) -> dict:
    return stages.build(work / "build", paths, options)


def bench_build(t: Table, work: Path, paths: dict | None, options: dict | None) -> Path:
    """A fresh build against the bulk-load floor; returns the build folder."""
    b = fresh_build(work, paths, options)
    nq = Path(b["path"]) / "exports" / "skillgraph.nq"
    fl = stages.floor(nq, work)
    triples = sum(b["graphs"].values())
    t.add("build", f"whole build, {triples:,} triples", b["wall_s"], "s", "Store.bulk_load of its N-Quads",
          fl["wall_s"])
    t.add("build", "peak memory of the build", b["peak_mb"], "MB", "peak RSS of that bulk load", fl["peak_mb"],
          note="the higher of the build process's peak RSS and its tree's sampled PSS")
    for name, secs in b["timings"].items():
        peak = b["stage_peaks"].get(name)
        t.add("build", f"  stage {name}", secs, "s", "bulk load (time)", fl["seconds"],
              note=f"peak PSS (with workers) during the stage {peak:,.0f} MB" if peak else "")
    return work / "build"


def _failed(r: dict, timeout: float) -> str:
    """Why a query has no latency: its HTTP status (599: the client gave up), with the timeout when it applies."""
    return f"HTTP {r['status']}" + (f" (timeout {timeout:g} s)" if r["status"] in (503, 599) else "")


def _geomean(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else math.nan


def measure_servers(servers: list, mix: dict[str, str], args) -> tuple[dict, dict, dict]:
    """Latency per query, throughput with CLIENTS clients (point look-up and whole mix), RSS, per server."""
    tput, rss = {}, {}
    print(f"[endpoint] latency, {', '.join(s.name for s in servers)} taking turns", file=sys.stderr, flush=True)
    results = endpoints.latency(servers, mix, args.runs, args.budget, args.timeout + CLIENT_GRACE)
    for s in servers:
        print(f"[endpoint] {s.name}: throughput", file=sys.stderr, flush=True)
        fast = [q for n, q in mix.items() if (results[s.name][n]["median_ms"] or math.inf) < 5000]
        first = next(iter(mix.values()))
        tput[s.name] = {"point look-up": endpoints.throughput(s, [first], CLIENTS, args.seconds, args.timeout),
                        "whole mix": endpoints.throughput(s, fast, CLIENTS, args.seconds, args.timeout)}
        rss[s.name] = s.rss_mb()
    return results, tput, rss


def report_servers(t: Table, section: str, mix: dict, results: dict, tput: dict, rss: dict, notes: dict,
                   args, where: str = "") -> None:
    mine = results["SkillGraph"]
    for q in mix:
        for stat in ("median_ms", "p95_ms"):
            for b in (OX, RL):
                label = f"{q}{where} ({stat.split('_')[0]}, {mine[q]['rows']} rows)"
                if b in results:
                    other = results[b][q]
                    note = "" if mine[q][stat] is not None else _failed(mine[q], args.timeout)
                    if other[stat] is None:
                        note += f"; {b}: HTTP {other['status']}"
                    if None not in (mine[q]["rows"], other["rows"]) and other["rows"] != mine[q]["rows"]:
                        note += f"; {b} returned {other['rows']} rows"
                    t.add(section, label, mine[q][stat], "ms", b, other[stat], note=note.strip("; "))
                elif b in notes and stat == "median_ms":
                    t.add(section, label, mine[q][stat], "ms", b, None, note=notes[b])
    for kind in ("point look-up", "whole mix"):
        for b in (OX, RL):
            if b in tput:
                t.add(section, f"requests/s, {CLIENTS} clients, {kind}{where}", tput["SkillGraph"][kind], "req/s", b,
                      tput[b][kind])
    for b in (OX, RL):
        if b in rss:
            t.add(section, f"server RSS (with workers){where}", rss["SkillGraph"], "MB", b, rss[b])
    for b in (OX, RL):
        if b in results:
            geo = _geomean([mine[q]["median_ms"] / results[b][q]["median_ms"] for q in mix
                            if mine[q]["median_ms"] and results[b][q]["median_ms"]])
            t.add(section, f"query mix{where}, geometric mean of median ratios", geo, "x", b, 1.0)


def bench_endpoints(t: Table, build_dir: Path, work: Path, args, rdflib: bool, where: str = "") -> None:
    """SkillGraph against oxigraph serve-read-only (and rdflib-endpoint when `rdflib`) on build_dir's N-Quads."""
    from skillgraph import store

    nq = store.build_path(build_dir) / "exports" / "skillgraph.nq"
    mix = endpoints.query_mix()
    servers: list[endpoints.Server] = []
    notes: dict[str, str] = {}
    try:
        servers.append(endpoints.start_skillgraph(build_dir, work, args.timeout, CLIENTS))
        ox_server, _ = endpoints.start_oxigraph(nq, work, None if args.oxigraph_load else store.store_path(build_dir))
        servers.append(ox_server)
        if rdflib:
            try:
                servers.append(endpoints.start_rdflib_endpoint(nq, work, args.rdflib_load_deadline,
                                                               args.rdflib_max_memory))
            except RuntimeError as e:
                notes[RL] = f"not measured: {str(e).splitlines()[0]}"
        elif args.rdflib == "embedded":
            notes[RL] = "measured on the embedded build only (below): it does not fit the full data here"
        else:
            notes[RL] = "not measured in this run (--rdflib skip)"
        results, tput, rss = measure_servers(servers, mix, args)
    finally:
        endpoints.kill_all(servers)
    report_servers(t, "endpoint", mix, results, tput, rss, notes, args, where)


def bench_rdflib_embedded(t: Table, work: Path, args) -> None:
    """rdflib-endpoint where the full data does not fit: all three servers on the embedded default build."""
    d = work / "embedded"
    d.mkdir(exist_ok=True)
    if args.embedded_build is None:
        fresh_build(d, None, None)
    args_full, args.full = args.full, False
    try:
        bench_endpoints(t, args.embedded_build or d / "build", d, args, rdflib=True, where=" [embedded]")
    finally:
        args.full = args_full


def bench_queries(t: Table, build_dir: Path, work: Path, args) -> None:
    """Each curated query in-process (vs the 1 s target), then through SkillGraph's endpoint (vs in-process)."""
    texts = curated.texts()
    inproc = {}
    for name in texts:
        print(f"[queries] {name} in-process", file=sys.stderr, flush=True)
        inproc[name] = curated.in_process(build_dir, name, args.runs, args.budget, args.query_deadline)
    server = endpoints.start_skillgraph(build_dir, work, args.timeout, 1)
    try:
        http = endpoints.latency([server], texts, args.runs, args.budget, args.timeout + CLIENT_GRACE)[server.name]
    finally:
        endpoints.kill_all([server])
    for name in texts:
        r = inproc[name]
        t.add("queries", f"{name} in-process (median, {r['rows']} rows)", r["median_ms"], "ms", "target 1 s", 1000.0,
              note=r["note"])
        h = http[name]
        note = "" if h["median_ms"] is not None else _failed(h, args.timeout)
        t.add("queries", f"{name} through the endpoint (median)", h["median_ms"], "ms", "same query in-process",
              r["median_ms"], note=note)


def bench_flagship(t: Table, build_dir: Path, work: Path, args) -> None:
    """The flagship for random tasks at every level: SkillGraph's endpoint against oxigraph serve-read-only."""
    from skillgraph import store

    servers: list[endpoints.Server] = []
    try:
        servers.append(endpoints.start_skillgraph(build_dir, work, args.timeout, 1))
        ox_server, _ = endpoints.start_oxigraph(store.build_path(build_dir) / "exports" / "skillgraph.nq", work,
                                                store.store_path(build_dir))
        servers.append(ox_server)
        # listed by Oxigraph: SkillGraph's endpoint would cut the 18,796 tasks at RESULT_LIMIT
        tasks, of = flagship.sample_tasks(ox_server, args.flagship_tasks, args.flagship_seed,
                                          args.timeout + CLIENT_GRACE)
        pairs = flagship.texts(tasks)
        print(f"[flagship] {len(tasks)} of {of:,} tasks x {len(flagship.LEVELS)} levels", file=sys.stderr, flush=True)
        r = flagship.measure(servers, pairs, args.timeout + CLIENT_GRACE)
    finally:
        endpoints.kill_all(servers)
    what = f"flagship, {len(tasks)} random tasks of {of:,} x {len(flagship.LEVELS)} levels"
    ox = r[OX]
    for who, label in (("SkillGraph", "SPARQL endpoint"), (flagship.API, "REST API"),
                       (flagship.CURATED, "/queries route")):
        mine = r[who]
        failed = "; ".join(f"{n} x HTTP {s}" for s, n in sorted(mine["failed"].items()))
        for stat in ("median_ms", "p95_ms"):
            t.add("flagship", f"{what}, {label} ({stat.split('_')[0]})", mine[stat], "ms", OX, ox[stat], note=failed)
        differ = sum(1 for a, b in zip(mine["rows"], ox["rows"], strict=True) if a != b)
        note = f"{differ} pairs with a row count unlike {OX}'s" if differ else ""
        t.add("flagship", f"{what}, {label}: pairs answered empty", float(mine["empty"]), "pairs",
              f"{OX} (empty)", float(ox["empty"]), note=note)
    t.add("flagship", f"{what}: rows per pair (median)", median([n for n in ox["rows"] if n is not None]), "rows")


def bench_overhead(t: Table, build_dir: Path, n: int) -> None:
    mix = endpoints.query_mix()
    o = stages.overhead(build_dir, mix["point look-up of a task"], n, mix["flagship crosswalk query"])
    t.add("overhead", "point look-up through the worker pool", o["worker_pool_ms"], "ms", "same query in-process",
          o["in_process_ms"])
    t.add("overhead", "point look-up through Flask (test client)", o["flask_ms"], "ms", "through the worker pool",
          o["worker_pool_ms"])
    t.add("overhead", "query check of the flagship text, first time (rdflib parse)", o["check_ms"], "ms",
          "same check, cached", o["cached_check_ms"])


def bench_shacl(t: Table, build_dir: Path, graphs: list[str] | None) -> None:
    from skillgraph import store
    from skillgraph.mappings import SOURCES

    info = store.build_info(build_dir)
    exports = store.build_path(build_dir) / "exports"
    keys = graphs or [k for k in info["graphs"] if k in SOURCES.keys() or k == "crosswalk"]
    mine = stages.shacl(exports, keys, plain=False)
    plain = stages.shacl(exports, keys, plain=True)
    note = "" if mine["violations"] == plain["violations"] else (
        f"violations differ: SkillGraph {mine['violations']}, pySHACL {plain['violations']}")
    n = sum(info["graphs"][k] for k in keys)
    t.add("shacl", f"validate {len(keys)} graphs, {n:,} triples", mine["seconds"], "s", "plain pySHACL",
          plain["seconds"], note=note)
    for k in sorted(keys, key=lambda k: -info["graphs"][k]):
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
t = time.perf_counter(); rep = rules_reasoner(st, ox.NamedNode('urn:inferred')); rules = time.perf_counter() - t
t = time.perf_counter(); inf = owlrl_closure(graphs); owl = time.perf_counter() - t
print(json.dumps({'rules': rules, 'owlrl': owl}))
"""
    r = child(code)
    t.add("reasoning", "rules (one pass), embedded sample", r["rules"], "s", "owlrl full closure", r["owlrl"])


def bench_crosswalk(t: Table, build_dir: Path) -> None:
    r = stages.crosswalk(build_dir)
    what = f"{r['alignments']:,} alignments, {r['triples']:,} triples"
    t.add("crosswalk", f"crosswalk stage ({what})", r["inputs"] + r["align"], "s",
          "its triples into a fresh rdflib graph", r["floor"], note=f"peak RSS {r['peak_mb']:,.0f} MB")
    t.add("crosswalk", "  inputs by SPARQL", r["inputs"], "s", "its triples into a fresh rdflib graph", r["floor"])
    t.add("crosswalk", "  alignment and its graph", r["align"], "s", "its triples into a fresh rdflib graph",
          r["floor"])


ENGINE_QUERIES = ("flagship crosswalk query", "aggregate over all ratings", "point look-up of a task")


def bench_engines(t: Table, build_dir: Path, max_memory_mb: int) -> None:
    """SkillGraph's store in-process against rdflib's in-memory Dataset (rdflib-endpoint's engine), same N-Quads."""
    from skillgraph import store

    root = store.build_path(build_dir)
    mix = endpoints.query_mix()
    code = f"""
import json, resource, time
import pyoxigraph as ox
from rdflib import Dataset
cap = {max_memory_mb} * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
queries = {json.dumps({name: mix[name] for name in ENGINE_QUERIES})}
st = ox.Store.read_only({str(root / "store")!r})
def timed(run, n):
    ts, rows = [], 0
    for _ in range(n):
        t = time.perf_counter(); rows = len(list(run())); ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2], rows
out = {{"store": {{k: timed(lambda: st.query(q, use_default_graph_as_union=True), 5) for k, q in queries.items()}}}}
t = time.perf_counter()
ds = Dataset(default_union=True)
ds.parse({str(root / "exports" / "skillgraph.nq")!r}, format="nquads")
out["load_s"], out["quads"] = time.perf_counter() - t, len(ds)
out["load_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["rdflib"] = {{k: timed(lambda: ds.query(q), 1 if k.startswith("aggregate") else 3) for k, q in queries.items()}}
print(json.dumps(out))
"""
    r = child(code)
    t.add("engines", "rdflib Dataset, loading the build's N-Quads", None, "",
          note=f"{r['quads']:,} quads in {r['load_s']:,.1f} s, peak RSS {r['load_peak_mb']:,.0f} MB")
    for name in ENGINE_QUERIES:
        (mine, rows), (theirs, their_rows) = r["store"][name], r["rdflib"][name]
        if rows != their_rows:
            raise RuntimeError(f"{name}: {rows} rows from the store, {their_rows} from rdflib")
        t.add("engines", f"{name} ({rows} rows), in-process", mine * 1000, "ms", "rdflib in-memory Dataset",
              theirs * 1000)


def section(t: Table, name: str, run) -> None:
    """Run one part of the benchmark; a failure is reported in the table, and the other parts still run."""
    try:
        run()
    except (Exception, SystemExit) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f"[{name}] not measured: {e}", file=sys.stderr, flush=True)  # whole: the table shows its first line
        t.add(name, "(this part)", None, "", note=f"not measured: {first}")


def parse_parts(text: str) -> list[str]:
    out: list[str] = []
    for p in (x.strip() for x in text.split(",") if x.strip()):
        if p in PRESETS:
            out += [x for x in PRESETS[p] if x not in out]
        elif p in PARTS:
            out += [p] if p not in out else []
        else:
            raise ValueError(f"unknown part {p!r}; valid: {', '.join((*PARTS, *PRESETS))}")
    return out


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true",
                    help="the full releases in ../shared/data instead of the embedded default")
    ap.add_argument("--build", type=Path, help="run the endpoint, queries, overhead and SHACL parts on this existing "
                                               "build folder (opened read-only); the build part still builds fresh")
    ap.add_argument("--parts", default="all", help=f"comma-separated: {', '.join(PARTS)}, or minimal / all")
    ap.add_argument("--keep-build", type=Path, help="build into this folder (kept) instead of a temporary one")
    ap.add_argument("--runs", type=int, default=20, help="sequential requests per query (after one warm-up)")
    ap.add_argument("--budget", type=float, default=20.0, help="seconds per query and server for the latency runs")
    ap.add_argument("--seconds", type=float, default=10.0, help="duration of each throughput run")
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="HTTP timeout per request (SkillGraph's QUERY_TIMEOUT too)")
    ap.add_argument("--query-deadline", type=float, default=120.0, help="seconds a curated query may run in-process")
    ap.add_argument("--rdflib", choices=("same", "embedded", "skip"), default=None,
                    help="rdflib-endpoint on the same data (default without --full), on the embedded build only "
                         "(default with --full: the full data does not fit this machine), or not at all")
    ap.add_argument("--oxigraph-load", action="store_true",
                    help="load the build's N-Quads into a fresh store for `oxigraph serve-read-only` "
                         "(default: serve the build's own store, opened read-only)")
    ap.add_argument("--embedded-build", type=Path,
                    help="with --rdflib embedded: an existing build of the embedded default (else one is built)")
    ap.add_argument("--rdflib-load-deadline", type=float, default=900.0,
                    help="seconds rdflib-endpoint may take to load the N-Quads before it counts as not measured")
    ap.add_argument("--rdflib-max-memory", type=int, default=12000,
                    help="MB of address space rdflib-endpoint may use (RLIMIT_AS) before it counts as not measured")
    ap.add_argument("--shacl-graphs", help="comma-separated graphs to validate (default: every source graph)")
    ap.add_argument("--overhead-runs", type=int, default=300)
    ap.add_argument("--flagship-tasks", type=int, default=100, help="random tasks for the flagship part (x 4 levels)")
    ap.add_argument("--flagship-seed", type=int, default=2026, help="seed of the flagship part's task sample")
    args = ap.parse_args(argv)
    args.parts = parse_parts(args.parts)
    if args.rdflib is None:
        args.rdflib = "embedded" if args.full else "same"
    return args


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))  # stop the servers on the way out
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    data = "full releases" if args.full else "embedded default"
    header = f"SkillGraph benchmark ({data}), {started}, {machine()}"
    print(header, file=sys.stderr, flush=True)
    t = Table()
    with tempfile.TemporaryDirectory(prefix="skillgraph-bench-") as tmp:
        work = Path(tmp)
        build_dir = args.build
        if "build" in args.parts:
            section(t, "build", lambda: bench_build(t, args.keep_build or work, *(
                full_inputs(work / "inputs") if args.full else (None, None))))
            if build_dir is None:
                build_dir = (args.keep_build or work) / "build"
        elif build_dir is None:
            if args.full:
                raise SystemExit("--full without the build part needs --build DIR (an existing full build)")
            fresh_build(work, None, None)  # not measured: only what the other parts run on
            build_dir = work / "build"
        header += f"; measured on {'a fresh build' if args.build is None else args.build}"
        rd = args.rdflib
        if "queries" in args.parts:
            section(t, "queries", lambda: bench_queries(t, build_dir, work, args))
        if "endpoint" in args.parts:
            section(t, "endpoint", lambda: bench_endpoints(t, build_dir, work, args, rdflib=rd == "same"))
            if rd == "embedded":
                section(t, "endpoint", lambda: bench_rdflib_embedded(t, work, args))
        if "flagship" in args.parts:
            section(t, "flagship", lambda: bench_flagship(t, build_dir, work, args))
        if "overhead" in args.parts:
            section(t, "overhead", lambda: bench_overhead(t, build_dir, args.overhead_runs))
        if "shacl" in args.parts:
            graphs = args.shacl_graphs.split(",") if args.shacl_graphs else None
            section(t, "shacl", lambda: bench_shacl(t, build_dir, graphs))
        if not args.full and "reasoning" in args.parts:
            section(t, "reasoning", lambda: bench_reasoning(t))
        if "crosswalk" in args.parts:
            section(t, "crosswalk", lambda: bench_crosswalk(t, build_dir))
        if "engines" in args.parts:
            section(t, "engines", lambda: bench_engines(t, build_dir, args.rdflib_max_memory))
    print(header)
    print()
    print(t.render())


if __name__ == "__main__":
    main()
