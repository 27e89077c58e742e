"""SkillGraph benchmarks: every figure is printed with a baseline measured in the same run.

    python bench/run.py                      # embedded default + full O*NET if ../shared/data is there
    python bench/run.py --onet PATH --esco PATH

What it measures (each line: target, baseline, ratio):
1. full build of one release (O*NET, ESCO): wall time and peak RSS of `skillgraph build --only <src>`,
   against the cost of merely reading the same release's tables (the floor any mapping pays);
2. store: loading the built graph into Oxigraph vs rdflib's in-memory store, and an analytic join
   query on both (the reason SkillGraph stores in Oxigraph);
3. reasoning: the SPARQL rules vs owlrl's full closure on the same graph (embedded sample);
4. validation: SHACL on the graph with its own targeted shapes vs all shapes.
Timings are wall-clock on this machine; compare ratios across machines, not seconds.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SKILLGRAPH_SHARED_DATA", ROOT.parent / "shared" / "data"))


def child(code: str) -> dict:
    """Run Python code in a fresh process; return its JSON output plus wall time and peak RSS."""
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{p.stderr[-4000:]}")
    out = json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else {}
    out["wall_s"] = wall
    return out


# the four O*NET 30.1 tables the staged copy lacks (../shared/data/SOURCES.md)
STAGED_ONET_LACKS = ("Abilities", "Task Ratings", "Work Activities", "Work Context")
PEAK = "import resource, json; peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024"


def read_tables(path: Path) -> dict:
    code = f"""
{PEAK}
import time
from pathlib import Path
from skillgraph.tabular import read_table
t = time.perf_counter(); n = 0
for f in sorted(Path({str(path)!r}).rglob('*')):
    if f.suffix in ('.xlsx', '.txt', '.csv', '.gz') and f.name != 'Read Me.txt':
        for _ in read_table(f):
            n += 1
print(json.dumps({{'rows': n, 'seconds': time.perf_counter() - t, 'peak_mb': peak()}}))
"""
    return child(code)


def build_source(source: str, path: Path, store: Path) -> dict:
    code = f"""
{PEAK}
import time
from skillgraph.build import build
t = time.perf_counter()
s = build({str(store)!r}, {{{source!r}: {str(path)!r}}}, only=[{source!r}], log=lambda m: None,
          options={{'allow_missing': {list(STAGED_ONET_LACKS) if source == "onet" else []!r}}})
print(json.dumps({{'seconds': time.perf_counter() - t, 'peak_mb': peak(), 'graphs': s.graphs,
                  'timings': s.timings}}))
"""
    return child(code)


def store_vs_rdflib(nt_file: Path) -> dict:
    code = f"""
{PEAK}
import time, pyoxigraph as ox
from rdflib import Graph
Q = '''PREFIX sg: <https://w3id.org/skillgraph/ontology#>
SELECT ?scale (COUNT(?r) AS ?n) (AVG(?v) AS ?avg) WHERE {{
  ?r a sg:Rating ; sg:scale ?scale ; sg:value ?v ; sg:occupation ?o . ?o sg:jobZone ?z .
}} GROUP BY ?scale ORDER BY ?scale'''
data = open({str(nt_file)!r}, 'rb').read()
t = time.perf_counter(); st = ox.Store(); st.bulk_load(data, ox.RdfFormat.N_TRIPLES); ox_load = time.perf_counter() - t
t = time.perf_counter(); rows_ox = list(st.query(Q)); ox_q = time.perf_counter() - t
t = time.perf_counter(); g = Graph(); g.parse(data=data, format='nt'); rl_load = time.perf_counter() - t
t = time.perf_counter(); rows_rl = list(g.query(Q)); rl_q = time.perf_counter() - t
assert len(rows_ox) == len(rows_rl)
print(json.dumps({{'triples': len(g), 'ox_load': ox_load, 'rdflib_load': rl_load,
                  'ox_query': ox_q, 'rdflib_query': rl_q}}))
"""
    return child(code)


def reasoning_vs_owlrl() -> dict:
    code = f"""
{PEAK}
import time, pyoxigraph as ox
from skillgraph.build import assemble, plan
from skillgraph.ontology import load_ontology
from skillgraph.reasoning import owlrl_closure, rules_reasoner, rdflib_to_ox
a = assemble(plan())
graphs = list(a.graphs.values())
n = sum(len(g) for g in graphs)
st = ox.Store()
for i, g in enumerate([load_ontology(), *graphs]):
    gn = ox.NamedNode(f'urn:g{{i}}')
    st.extend(ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), gn) for s, p, o in g)
t = time.perf_counter(); rep = rules_reasoner(st, ox.NamedNode('urn:inferred'), graphs); rules = time.perf_counter() - t
t = time.perf_counter(); inf = owlrl_closure(graphs); owl = time.perf_counter() - t
print(json.dumps({{'triples': n, 'rules': rules, 'owlrl': owl,
                  'rules_inferred': rep.total, 'owlrl_inferred': len(inf)}}))
"""
    return child(code)


def line(name: str, value: float, unit: str, base_name: str, base: float) -> None:
    ratio = value / base if base else float("nan")
    print(
        f"{name:<44} {value:>10.2f} {unit:<3} | baseline {base_name:<32} {base:>10.2f} {unit:<3} | ratio {ratio:>7.2f}x"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--onet", type=Path, default=SHARED / "onet" / "30.1")
    ap.add_argument("--esco", type=Path, default=SHARED / "esco" / "v1.1.1")
    ap.add_argument("--skip-full", action="store_true", help="only the embedded-sample benchmarks")
    args = ap.parse_args()
    print(f"SkillGraph benchmarks, python {sys.version.split()[0]}, {os.cpu_count()} cores")

    r = reasoning_vs_owlrl()
    print(f"\n[reasoning] embedded sample, {r['triples']:,} triples")
    line("SPARQL rules (instance entailments)", r["rules"], "s", "owlrl full closure", r["owlrl"])

    with tempfile.TemporaryDirectory() as tmp:
        for src in ("onet", "esco"):
            path = getattr(args, src)
            if args.skip_full or not path.exists():
                why = "--skip-full" if args.skip_full else f"{path} not found"
                print(f"\n[build {src}] skipped: {why}")
                continue
            rt = read_tables(path)
            b = build_source(src, path, Path(tmp) / src)
            print(f"\n[build {src}] {path} — {rt['rows']:,} rows, {sum(b['graphs'].values()):,} triples")
            line(
                f"full build of {src} (map+validate+store+reason)", b["wall_s"], "s", "reading its tables", rt["wall_s"]
            )
            line("peak memory of the build", b["peak_mb"], "MB", "peak memory reading tables", rt["peak_mb"])
            for k, v in sorted(b["timings"].items()):
                print(f"    {k:<20} {v:8.1f} s")
            nt = next((Path(tmp) / src / "builds").glob(f"*/exports/{src}.ttl"), None)
            if nt is not None:
                # convert the Turtle export to N-Triples once so both stores parse the same bytes
                import pyoxigraph as ox

                ntp = Path(tmp) / f"{src}.nt"
                st = ox.Store()
                st.bulk_load(path=str(nt), format=ox.RdfFormat.TURTLE)
                st.dump(str(ntp), ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
                s = store_vs_rdflib(ntp)
                print(f"[store {src}] {s['triples']:,} triples")
                line("Oxigraph bulk load", s["ox_load"], "s", "rdflib in-memory parse", s["rdflib_load"])
                line("Oxigraph analytic join query", s["ox_query"], "s", "rdflib in-memory query", s["rdflib_query"])


if __name__ == "__main__":
    main()
