"""Build, floor, SHACL and per-request-overhead measurements, each in a fresh child process."""
from __future__ import annotations

import json
from pathlib import Path

from common import PEAK, child

# A sampler thread records the proportional set size (PSS: each shared page split between the processes that
# map it) of this process and its children (the crosswalk's forked workers, which share most of their pages
# with the build) twice a second, so the sum is the memory the process tree holds; RSS added over the tree
# counted every shared page once per process (5,460 MB where PSS gave 2,578). Where smaps_rollup cannot be
# read (not Linux, or before 4.14) it falls back to RSS. The build's stage marks (BuildSummary.phases: each
# stage's start, in the order the build ran them; stages interleave, e.g. validate and load per graph) place
# each sample in a stage, and a stage's peak is the highest sample over all its stretches.
SAMPLER = """
import os, threading, time
samples = []
def _field_mb(path, key):
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None
def _mem_mb(pid):
    pss = _field_mb(f'/proc/{pid}/smaps_rollup', 'Pss:')
    return pss if pss is not None else (_field_mb(f'/proc/{pid}/status', 'VmRSS:') or 0.0)
def _children(pid):
    try:
        with open(f'/proc/{pid}/task/{pid}/children') as fh:
            return [int(c) for c in fh.read().split()]
    except OSError:
        return []
def _sample():
    me = os.getpid()
    while True:
        samples.append((time.perf_counter(), _mem_mb(me) + sum(_mem_mb(c) for c in _children(me))))
        time.sleep(0.5)
threading.Thread(target=_sample, daemon=True).start()
def stage_peaks(phases, end):
    out = {}
    for (name, start), (_, stop) in zip(phases, phases[1:] + [(None, end)]):
        seen = [m for t, m in samples if start <= t <= stop] + ([out[name]] if name in out else [])
        peak = max(seen, default=None)
        if peak is not None:
            out[name] = peak
    return out
"""


def _inputs(paths: dict | None, options: dict | None) -> str:
    """The build's paths and options as a JSON text for the child (paths as strings, lists kept)."""
    def plain(v):
        return [str(x) for x in v] if isinstance(v, (list, tuple)) else str(v)
    return json.dumps([{k: str(v) for k, v in (paths or {}).items()},
                       {k: plain(v) for k, v in (options or {}).items()}])


def build(build_dir: Path, paths: dict | None, options: dict | None) -> dict:
    """A build from scratch into build_dir: wall time, peak RSS, stage times and stage peaks. The build's
    log lines go to build_dir/../build.log too (stderr is kept only when the build fails)."""
    build_dir.parent.mkdir(parents=True, exist_ok=True)  # the log goes beside the build folder
    code = f"""
{PEAK}
{SAMPLER}
import sys
from skillgraph.build import build
paths, options = json.loads({_inputs(paths, options)!r})
log_file = open({str(build_dir.parent / "build.log")!r}, "w", encoding="utf-8")
def log(m):
    print(m, file=sys.stderr, flush=True)
    print(m, file=log_file, flush=True)
t = time.perf_counter()
s = build({str(build_dir)!r}, paths=paths or None, options=options or None, log=log)
end = time.perf_counter()
total = end - t
print(json.dumps({{'seconds': total, 'peak_mb': max(peak(), max((m for _, m in samples), default=0.0)),
                  'graphs': s.graphs, 'timings': s.timings,
                  'stage_peaks': stage_peaks(s.phases, end), 'path': str(s.path)}}))
"""
    return child(code)


def floor(nq: Path, work: Path) -> dict:
    """pyoxigraph Store.bulk_load of the build's N-Quads into a fresh on-disk store."""
    code = f"""
{PEAK}
import time, shutil, pyoxigraph as ox
shutil.rmtree({str(work / 'floor-store')!r}, ignore_errors=True)
t = time.perf_counter()
st = ox.Store({str(work / 'floor-store')!r})
st.bulk_load(path={str(nq)!r}, format=ox.RdfFormat.N_QUADS)
st.flush()
secs = time.perf_counter() - t
print(json.dumps({{'seconds': secs, 'peak_mb': peak(), 'quads': len(st)}}))
"""
    out = child(code)
    import shutil

    shutil.rmtree(work / "floor-store", ignore_errors=True)
    return out


def shacl(exports: Path, graphs: list[str], plain: bool) -> dict:
    """Validate each graph's Turtle export against its shapes: SkillGraph's validate(), or plain pySHACL
    on the same shapes and data: pyshacl.validate(data + the ontology's class hierarchy, shacl_graph=shapes,
    inference='none', advanced=True), the shapes as written. (pySHACL's ont_graph= option is not used for
    the baseline: it clones the ontology node by node into the data graph, minutes even on the embedded
    sample; and the whole ontology would bring its own individuals into the shapes' targets.)"""
    code = f"""
{PEAK}
import time
from rdflib import RDF, Graph, URIRef
from skillgraph.ontology import load_ontology
from skillgraph.validation import class_hierarchy, load_shapes, validate
import pyshacl
ontology = load_ontology()
per, violations = {{}}, 0
for key in {graphs!r}:
    data = Graph().parse({str(exports)!r} + '/' + key + '.ttl', format='turtle')
    shapes = load_shapes([key])
    t = time.perf_counter()
    if {plain!r}:
        for triple in class_hierarchy(ontology):
            data.add(triple)
        conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference='none', abort_on_first=False,
                                               allow_warnings=True, advanced=True, inplace=True)
        n = sum(1 for _ in report.subjects(RDF.type, URIRef('http://www.w3.org/ns/shacl#ValidationResult')))
    else:
        res = validate(data, shapes, ontology, label=key)
        conforms, n = res.conforms, len(res.violations)
    per[key] = time.perf_counter() - t
    violations += n
    del data
print(json.dumps({{'seconds': sum(per.values()), 'per_graph': per, 'peak_mb': peak(), 'violations': violations}}))
"""
    return child(code)


def overhead(build_dir: Path, text: str, n: int, unseen: str) -> dict:
    """Where a small query's time goes: in-process (the worker's own work), through the worker pool
    (pickled job over a pipe to a worker process and back), through Flask's test client (+ the app);
    and what the server's check costs for a query text it has not seen (rdflib parse) against a cached one."""
    code = f"""
{PEAK}
import time, statistics
from skillgraph.server.executor import Job, WorkerPool, run_job, _StoreCache
from skillgraph.server.app import create_app
from skillgraph.ontology import PREFIXES
from skillgraph import store
build_dir = {str(build_dir)!r}
text = {text!r}
bid = store.current_id(build_dir)
job = Job(build_dir, bid, text, {{'results': 'json', 'graph': 'turtle'}}, 10000, form='SELECT', prefixes=PREFIXES)
def med(f):
    f(); f()
    xs = []
    for _ in range({n}):
        t = time.perf_counter(); f(); xs.append(time.perf_counter() - t)
    return statistics.median(xs) * 1000
cache = _StoreCache()
inproc = med(lambda: run_job(job, cache))
pool = WorkerPool(1)
try:
    pooled = med(lambda: pool.run(job, 30))
finally:
    pool.close()
app = create_app({{'BUILD_DIR': build_dir, 'WORKERS': 1}})
client = app.test_client()
hdr = {{'Accept': 'application/sparql-results+json'}}
try:
    flask = med(lambda: client.post('/sparql', data={{'query': text}}, headers=hdr))
finally:
    app.extensions['skillgraph'].close()
from skillgraph.server import checks
unseen = {unseen!r}
xs = []
for _ in range(3):
    t = time.perf_counter(); checks._inspect(unseen); xs.append(time.perf_counter() - t)
check_ms = statistics.median(xs) * 1000
checks.inspect(unseen)
cached_ms = med(lambda: checks.inspect(unseen))
print(json.dumps({{'in_process_ms': inproc, 'worker_pool_ms': pooled, 'flask_ms': flask, 'check_ms': check_ms,
                  'cached_check_ms': cached_ms}}))
"""
    return child(code)


def crosswalk(build_dir: Path) -> dict:
    """The build's crosswalk stage on a build's store (read-only): its inputs gathered by SPARQL, the alignment
    (graph included), the stage's peak RSS (with its forked workers'); then the floor, the same triples added to a
    fresh rdflib graph."""
    code = f"""
{PEAK}
{SAMPLER}
import pyoxigraph as ox
from pathlib import Path
from rdflib import Graph
from skillgraph import store
from skillgraph.crosswalk import align_inputs, gather_from_store
st = ox.Store.read_only(str(store.build_path(Path({str(build_dir)!r})) / 'store'))
t = time.perf_counter()
inp = gather_from_store(st)
inputs = time.perf_counter() - t
t = time.perf_counter()
g, report = align_inputs(inp)
align = time.perf_counter() - t
stage_peak = max(peak(), max((m for _, m in samples), default=0.0))  # its forked workers counted
triples = list(g)
t = time.perf_counter()
f = Graph()
f.addN((s, p, o, f) for s, p, o in triples)
floor = time.perf_counter() - t
print(json.dumps({{'inputs': inputs, 'align': align, 'peak_mb': stage_peak, 'floor': floor, 'triples': len(triples),
                  'alignments': report['alignments']}}))
"""
    return child(code)
