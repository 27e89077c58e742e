"""The build: map every source -> SHACL per source -> on-disk Oxigraph store -> crosswalk (its inputs
gathered by SPARQL from that store) -> SHACL of the crosswalk -> store -> entailments -> exports,
published atomically.

Nothing is published unless every step passed: the store and exports are assembled in a
staging folder and renamed into place, then CURRENT is switched (see skillgraph/store.py).
A failed build keeps its reports under failed/<id>/ and leaves the last good build serving.

Before anything is mapped, every source's `preflight` checks its input (path, layout, required
files), so a wrong folder fails in seconds; after mapping and aligning, skillgraph.references
checks that every cross-graph reference resolves (the crosswalk's against the sources in the store).
A build holds a lock (store.BuildLock) while it runs and first removes the staging folders of builds
that died (store.clean_stale).
"""
from __future__ import annotations

import ctypes
import gc
import hashlib
import json
import platform
import resource
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from skillgraph import __version__, iri, reasoning, references
from skillgraph import sourceconfig as sc
from skillgraph import store as store_mod
from skillgraph.closure import Capture
from skillgraph.crosswalk.retrieval import DEFAULT_MODE
from skillgraph.errors import BuildError, ReferenceFailed, SourceError, ValidationFailed
from skillgraph.incremental import Previous, fingerprints, snapshot
from skillgraph.licensing import Terms, describe_derived, sssom_licence, terms_of
from skillgraph.mappings import SOURCES, BuildContext, MappingReport, MappingResult, Origins
from skillgraph.ontology import SCHEMA, SG, load_ontology
from skillgraph.progress import logging_to, progress, track
from skillgraph.reasoning import REASONERS, InferenceReport, rdflib_to_ox
from skillgraph.validation import ValidationResult, attach_origins, load_shapes, validate

if TYPE_CHECKING:
    from skillgraph.crosswalk.inputs import Inputs

Log = Callable[[str], None]

ONTOLOGY_GRAPH = "ontology"
CROSSWALK_GRAPH = "crosswalk"
INFERRED_GRAPH = "inferred"


@dataclass
class Assembled:
    """The mapped graphs of one build, before they are stored: source id -> graph."""

    graphs: dict[str, Graph] = field(default_factory=dict)
    results: dict[str, MappingResult] = field(default_factory=dict)
    origins: dict[str, Origins] = field(default_factory=dict)  # source id -> node IRI -> file:line
    crosswalk_report: dict = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    reused: set[str] = field(default_factory=set)  # graphs copied from the current build, already validated
    # (stage, perf_counter when it started), in the order the build ran them: stages interleave (each source
    # graph is validated, then loaded, before the next), so durations alone cannot place a moment in a stage
    phases: list[tuple[str, float]] = field(default_factory=list)

    def phase(self, name: str) -> None:
        """Mark that stage `name` starts now (it lasts until the next mark)."""
        self.phases.append((name, time.perf_counter()))


@dataclass
class BuildSummary:
    """What a finished build reports back to the CLI and callers: its id, folder, graph sizes and timings."""
    build_id: str
    path: Path
    graphs: dict[str, int]
    inferred: InferenceReport
    timings: dict[str, float]
    reports: dict[str, dict]
    phases: list[tuple[str, float]] = field(default_factory=list)  # (stage, perf_counter at its start), in order


Input = Path | list[Path]


Configs = Mapping[str, sc.SourceConfig]


def configure(paths: Mapping[str, object] | None = None, options: Mapping[str, object] | None = None,
              config: Configs | None = None) -> dict[str, sc.SourceConfig]:
    """Each given source's typed configuration: `config` over the untyped (paths, options) pair."""
    out = sc.from_legacy(paths, options)
    for key, c in (config or {}).items():
        SOURCES.get(key)
        out[key] = sc.merged(out[key], c) if key in out else c
    return out


def plan(paths: Mapping[str, object] | None = None, only: list[str] | None = None) -> dict[str, Input]:
    """Which sources to build from where: a given path, else the embedded default; `only` restricts.

    `paths` maps a source id to a path, a list of paths or its SourceConfig. A source that takes several
    releases side by side (`multiple`, e.g. aei) may be given a list of paths; it then gets them all plus
    its embedded default, whose releases it keeps unless given again.
    """
    paths = dict(paths or {})
    for key in paths:
        SOURCES.get(key)  # unknown source id -> ValueError listing the valid ones
    keys = list(SOURCES.keys())
    if only:
        for key in only:
            SOURCES.get(key)
        keys = [k for k in keys if k in only]
    out: dict[str, Input] = {}
    for key in keys:
        m = SOURCES.get(key)
        given = paths.get(key)
        if isinstance(given, sc.SourceConfig):
            given = list(given.paths)
        given = [given] if isinstance(given, (str, Path)) else list(cast(Iterable[str | Path], given or []))
        if len(given) > 1 and not m.multiple:
            raise ValueError(f"source {key!r} takes one path, {len(given)} were given")
        ps = [Path(g).expanduser() for g in given]
        for p in ps:
            if not p.exists():
                raise SourceError(p, f"input for source {key!r} does not exist")
        if m.multiple:
            out[key] = ps + [m.embedded_path()] if ps else [m.embedded_path()]
        else:
            out[key] = ps[0] if ps else m.embedded_path()
    return out


def preflight(sources: Mapping[str, Input], config: Configs | None = None, log: Log = lambda m: None) -> None:
    """Check every source's input (path, layout, required files) and its options before any is mapped."""
    config = config or {}
    t0 = time.perf_counter()
    onet = config.get("onet")
    allowed = list(getattr(onet, "allow_missing", ()))
    if allowed:
        known = {t for k in sources for t in SOURCES.get(k).table_names()}
        unknown = [t for t in allowed if t not in known]
        if unknown:
            raise ValueError(f"unknown table(s) for --allow-missing: {', '.join(map(repr, unknown))}; "
                             f"tables of this build's sources: {', '.join(sorted(known)) or '(none)'}")
    soc = getattr(onet, "soc_structure", None)
    if soc and not Path(soc).is_file():
        raise SourceError(str(soc), "--soc-structure: no such file")
    for key, path in sources.items():
        SOURCES.get(key).preflight(path, config.get(key) or sc.config_class(key)())
    log(f"preflight: inputs of {len(sources)} source(s) checked ({time.perf_counter() - t0:.1f} s)")


def assemble(sources: Mapping[str, Input], log: Log = lambda m: None, crosswalk: bool = True,
             options: Mapping[str, object] | None = None, config: Configs | None = None,
             previous: Previous | None = None, fps: Mapping[str, str] | None = None,
             retrieval: str = "lexical") -> Assembled:
    """Map each source in registry order (so a mapping can read the graphs it requires), then align.

    With `previous` and `fps` (an incremental build), a source whose fingerprint the current build shares
    is read back from that build instead of being mapped (it is then in `a.reused`, already validated).
    """
    a = Assembled()
    ctx = BuildContext(graphs=a.graphs, config=configure(None, options, config), origins=a.origins)
    for key, path in sources.items():
        m = SOURCES.get(key)
        missing = [r for r in m.requires if r not in a.graphs]
        if missing:
            log(f"note: {key} joins to {', '.join(missing)}, which is not in this build; its links stay unjoined")
        t0 = time.perf_counter()
        a.phase(f"map:{key}")
        if previous is not None and fps and previous.has(key, fps[key]):
            res = _reused(previous, key)
            a.reused.add(key)
            a.timings[f"reuse:{key}"] = time.perf_counter() - t0
            log(f"unchanged {key}: its graph is read back from build {previous.build_id}")
        else:
            with gc_paused():
                res = m.map(path if isinstance(path, list) else Path(path), ctx)
            m.describe(res.graph, res.release, res.report)
            a.timings[f"map:{key}"] = time.perf_counter() - t0
        a.graphs[key] = res.graph
        a.results[key] = res
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(res.report.counts.items()))
        shown = ", ".join(_shown_path(path)) if isinstance(path, list) else path
        log(
            f"mapped {key} ({res.release}) from {shown}: {len(res.graph):,} triples"
            + (f"; {counts}" if counts else "")
        )
        for w in res.report.warnings:
            log(f"  warning: {w}")
        for table in res.report.tables_skipped:
            log(f"  skipped {table}: {res.report.skipped_why.get(table, 'absent')}")
    if crosswalk:
        from skillgraph.crosswalk import store_of

        terms = [terms_of(g, str(iri.graph(key))) for key, g in a.graphs.items()]
        align_stage(a, lambda: store_of(a.graphs), terms, log, previous, fps, retrieval)
    return a


def align_stage(a: Assembled, store: Callable[[], ox.Store], terms: list[Terms], log: Log = lambda m: None,
                previous: Previous | None = None, fps: Mapping[str, str] | None = None,
                retrieval: str = "lexical") -> Graph:
    """The crosswalk graph into `a`: read back from the current build when nothing it reads changed, else
    aligned from the inputs gathered by SPARQL over `store()` (the source graphs in their named graphs)."""
    from skillgraph.crosswalk import gather_from_store

    t0 = time.perf_counter()
    a.phase("crosswalk:inputs")
    if previous is not None and fps and previous.has(CROSSWALK_GRAPH, fps[CROSSWALK_GRAPH]):
        g = previous.graph(CROSSWALK_GRAPH)
        report = dict(previous.info.get("crosswalk") or {})
        a.reused.add(CROSSWALK_GRAPH)
        log(f"unchanged {CROSSWALK_GRAPH}: its graph is read back from build {previous.build_id}")
    else:
        inputs = gather_from_store(store())
        a.timings["crosswalk:inputs"] = time.perf_counter() - t0
        a.phase("crosswalk")
        log(f"crosswalk inputs gathered by SPARQL ({a.timings['crosswalk:inputs']:.1f} s): {len(inputs.tasks):,} "
            f"tasks, {len(inputs.esco_skills):,} ESCO skills, {len(inputs.statements):,} statements")
        g, report = _align(inputs, terms, retrieval)
        log(f"aligned: {len(g):,} triples; "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(report.items()) if isinstance(v, int)))
    a.graphs[CROSSWALK_GRAPH] = g
    a.crosswalk_report = report
    a.timings["crosswalk"] = time.perf_counter() - t0
    return g


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a source is mapped, and what it made frozen after.

    Mapping allocates tens of millions of objects (rdflib terms, triples) that are not garbage; every
    few thousand allocations the collector walked them again, a fifth of the time mapping O*NET took.
    Pausing alone only defers that walk: the objects stay in the youngest generation, so the first
    collections after the pause walked them all, twice (31 s of the full build's mapping, one 20 s
    collection in the middle of a small source). `gc.freeze()` moves them to the permanent generation,
    which collections skip. A frozen graph is not freed by a collection until thawed (an rdflib Graph and
    its store refer to each other; with O*NET's graph left frozen the full build peaked at 7.5 GB instead
    of 5): the build empties each graph's store as it lets it go (`_let_go`, fastgraph.release), so
    reference counting frees it, and thaws once, before the rules; `validate_all` alone thaws and collects
    once the first graph is let go. (Not around SHACL: pySHACL's garbage is not measured.)
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def gc_thawed() -> None:
    """Hand the objects `gc_paused` froze back to the collector and collect: once the mapped graphs are let
    go, what is left of them is small, and any cyclic garbage made while mapping is freed here. Then the C
    allocator is asked to give freed memory back to the system (glibc's malloc_trim: after O*NET's graph was
    freed, 0.3 GB of the 2.8 GB the process still held)."""
    gc.unfreeze()
    gc.collect()
    _trim()


def _trim() -> None:
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, musl): nothing to ask
        return
    libc.malloc_trim(0)


def _reused(previous: Previous, key: str) -> MappingResult:
    """Source `key`'s graph and mapping report as the current build recorded them."""
    src = previous.info.get("sources", {}).get(key, {})
    report = MappingReport(counts=src.get("counts", {}), tables_read=src.get("tables_read", []),
                           tables_skipped=src.get("tables_skipped", []), warnings=src.get("warnings", []),
                           details=src.get("details", {}), skipped_why=src.get("tables_skipped_why", {}))
    return MappingResult(previous.graph(key), src.get("release", ""), report)


def _align(inputs: Inputs, terms: list[Terms], retrieval: str = "lexical") -> tuple[Graph, dict]:
    """The crosswalk graph of gathered inputs, described as derived from the source graphs (`terms`)."""
    from skillgraph.crosswalk import align_inputs

    g, report = align_inputs(inputs, retrieval)
    gi = iri.graph(CROSSWALK_GRAPH)
    g.add((gi, RDF.type, SG.SourceGraph))
    g.add((gi, SG.sourceId, Literal(CROSSWALK_GRAPH)))
    g.add((gi, DCTERMS.title, Literal("SkillGraph crosswalk alignments", lang="en")))
    g.add((gi, RDFS.label, Literal("SkillGraph crosswalk alignments", lang="en")))
    g.add((gi, SCHEMA.version, Literal(__version__)))
    describe_derived(g, str(gi), "Alignments computed by SkillGraph from the source graphs of this build.", terms)
    return g, report


def check_references(graphs: Mapping[str, Graph], log: Log = lambda m: None,
                     allowed: frozenset[str] = frozenset(),
                     owners: Mapping[str, references.Owner | Graph] | None = None) -> None:
    """The closing check over the union: every cross-graph reference resolves, else a BuildError listing them.

    `allowed`: IRIs a source's own release references without describing (its mapping reports them).
    `owners`: where targets are looked up, when not in `graphs` (the crosswalk's: the sources in the store).
    """
    t0 = time.perf_counter()
    dangling = references.check(graphs, allowed, owners)
    if dangling:
        raise ReferenceFailed("cross-graph references do not resolve; nothing was published.\n"
                         + references.describe(dangling))
    log(f"references: every cross-graph reference of {', '.join(graphs)} resolves ({time.perf_counter() - t0:.1f} s)")


def validate_all(graphs: Mapping[str, Graph], log: Log = lambda m: None,
                 origins: Mapping[str, Origins] | None = None, skip: frozenset[str] | set[str] = frozenset(),
                 then: Callable[[str, Graph], None] | None = None,
                 mark: Callable[[str], None] = lambda name: None, thaw: bool = True) -> dict[str, ValidationResult]:
    """Each graph against its own shapes (plus the common ones), with the ontology for the class hierarchy.

    With `origins` (source id -> map-back index), each result names the source file:line of its focus node.
    `skip`: graphs an earlier build validated against the same shapes (incremental builds). `then(key, g)`
    runs on each graph as soon as it conforms while every graph so far did (the build loads it at once).
    `mark("validate")` runs before each graph is validated (the build's stage marks). `thaw=False`: the
    caller frees the graphs `then` lets go itself (the build: fastgraph.release) and thaws later.
    """
    ontology = load_ontology()
    results = {}
    ok = True
    for key in track(list(graphs), "SHACL validation", unit="graphs"):
        g = graphs[key]  # looked up each time: `then` may let go of a graph the caller holds
        if key not in skip:
            mark("validate")
            t0 = time.perf_counter()
            res = validate(g, load_shapes([key]), ontology, label=key)
            if origins and key in origins and not res.conforms:
                attach_origins(res, origins[key])
            results[key] = res
            ok = ok and res.conforms
            log(f"validated {key}: " + ("conforms" if res.conforms else f"{len(res.violations)} violation(s)")
                + f" ({time.perf_counter() - t0:.1f} s)")
        if ok and then is not None:
            then(key, g)
        del g
        if thaw and gc.get_freeze_count():  # the first graph let go (O*NET's, GBs): thaw what mapping froze
            gc_thawed()
    return results


def _shown_path(p: Input) -> str | list[str]:
    return [str(x) for x in p] if isinstance(p, list) else str(p)


def _load_graph(st: ox.Store, key: str, g: Graph, capture: Capture | None = None) -> int:
    """An rdflib graph into its named graph of the store (skillgraph.loading: N-Triples text in chunks); what
    the rules will read of it written aside into `capture`."""
    from skillgraph import loading

    target = ox.NamedNode(str(iri.graph(key)))
    with progress(f"loading {key}", total=len(g), unit="triples") as bar:
        if capture is None:
            return loading.load(st, g, target, done=bar.update)
        with capture.writer(target.value) as tap:
            return loading.load(st, g, target, done=bar.update, tap=tap)


def _describe_inferred(st: ox.Store, target: ox.NamedNode, report: InferenceReport, inputs: list[Terms]) -> None:
    g = Graph()
    gi = URIRef(target.value)
    g.add((gi, RDF.type, SG.InferenceGraph))
    g.add((gi, SG.sourceId, Literal(INFERRED_GRAPH)))
    g.add((gi, RDFS.label, Literal("Entailed triples", lang="en")))
    g.add((gi, DCTERMS.title, Literal("Entailed triples", lang="en")))
    g.add((gi, SG.method, Literal(f"{report.reasoner} reasoner, SkillGraph {__version__}")))
    describe_derived(g, target.value, "Triples entailed by SkillGraph from the graphs of this build.", inputs)
    st.extend(ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), target) for s, p, o in g)


def _views(st: ox.Store, target: ox.NamedNode, inf: InferenceReport, log: Log) -> dict[str, int]:
    """The materialised views the curated queries read (skillgraph.views), into the inferred graph."""
    from skillgraph import views

    report = views.materialise(st, target)
    inf.seconds_by_rule.update({f"view:{k}": v for k, v in report.seconds.items()})
    log("materialised views: "
        + ", ".join(f"{k} {n:,} in {report.seconds[k]:.1f} s" for k, n in report.triples.items()))
    return {f"view:{k}": n for k, n in report.triples.items()}


def _count(st: ox.Store, graph: ox.NamedNode) -> int:
    res = cast(ox.QuerySolutions, st.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"))
    sol = next(iter(res))
    return int(sol["n"].value)


def _peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if platform.system() != "Darwin" else kb / 1024 / 1024


DEFAULT_EXPORTS = ("ttl", "trig", "nq")


def build(build_dir: str | Path = "build", paths: Mapping[str, object] | None = None,
          only: list[str] | None = None, reasoner: str = "rules", log: Log = print,
          export_formats: tuple[str, ...] = DEFAULT_EXPORTS,
          options: Mapping[str, object] | None = None, config: Configs | None = None,
          incremental: bool = True, crosswalk_retrieval: str = DEFAULT_MODE) -> BuildSummary:
    """Build the graph into `build_dir` and publish it; raise BuildError (nothing published) on failure.

    `crosswalk_retrieval`: the support method of the crosswalk (skillgraph.crosswalk.retrieval.MODES, default
    DEFAULT_MODE; `auto`: hybrid with the re-ranker when the dense extra and model are installed, else lexical).

    `config`: source id -> typed SourceConfig (skillgraph.sourceconfig), over `paths` and the untyped
    `options` (allow_missing, soc_structure, onet_release, esco_release, aei_fuzzy_threshold).
    Incremental (default): sources whose inputs, options and code are unchanged since the current build
    are copied from it instead of being mapped and validated again, and a build with nothing changed is
    a hard-linked copy of the current one (skillgraph/incremental.py). Stages longer than a couple of
    seconds report progress: a bar on a terminal, periodic plain lines through `log` otherwise.
    """
    reason = REASONERS.get(reasoner)
    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    for line in store_mod.clean_stale(build_dir):
        log(f"cleaned stale staging folder of a build that died: {line}")
    configs = configure(paths, options, config)
    sources = plan(configs, only)
    preflight(sources, configs, log)
    from skillgraph.crosswalk.retrieval import resolve

    retrieval = resolve(crosswalk_retrieval)  # unknown, or hybrid without the dense extra: fail before mapping
    build_id = store_mod.new_build_id()
    lock = store_mod.BuildLock(build_dir, build_id)
    try:
        with logging_to(log):
            return _build(build_dir, build_id, sources, configs, reason, reasoner, log, tuple(export_formats),
                          incremental, retrieval)
    finally:
        lock.release()
        gc.unfreeze()  # a failed build never reached gc_thawed: give the collector back what mapping froze


def _build(build_dir: Path, build_id: str, sources: dict[str, Input], configs: dict[str, sc.SourceConfig],
           reason, reasoner: str, log: Log, export_formats: tuple[str, ...], incremental: bool,
           retrieval: str = "lexical") -> BuildSummary:
    from skillgraph.export import GraphExports
    from skillgraph.release import StoreLabels

    staging = store_mod.staging_dir(build_dir, build_id)
    reports_dir = staging / "reports"
    reports_dir.mkdir()
    t_start = time.perf_counter()
    options = {k: (configs.get(k) or sc.config_class(k)()).options() for k in sources}
    exports: GraphExports | None = None
    try:
        log(f"build {build_id}: sources {', '.join(sources)}")
        t0 = time.perf_counter()
        previous = Previous(build_dir) if incremental else None
        fps = fingerprints(sources, {k: SOURCES.get(k).requires for k in sources}, options)
        if CROSSWALK_GRAPH in fps:  # the crosswalk's method is one of its inputs
            fps[CROSSWALK_GRAPH] = hashlib.sha256(f"{fps[CROSSWALK_GRAPH]}\0{retrieval}".encode()).hexdigest()
        fp_seconds = time.perf_counter() - t0
        if previous is not None and previous.unchanged(fps, reasoner, export_formats):
            return _republish(build_dir, build_id, staging, previous, t_start, log)
        a = assemble(sources, log, crosswalk=False, config=configs, previous=previous, fps=fps, retrieval=retrieval)
        a.timings["fingerprints"] = fp_seconds
        t0 = time.perf_counter()
        a.phase("references")
        gaps = frozenset(iri_ for res in a.results.values()
                         for iri_ in res.report.details.get("referenced, not described by the release", ()))
        check_references(a.graphs, log, gaps)
        a.timings["references"] = time.perf_counter() - t0
        inputs = [terms_of(g, str(iri.graph(key))) for key, g in a.graphs.items()]
        source_keys = list(a.graphs)

        # the store is the hub: each graph goes in as soon as it conforms, then its rdflib copy is let go;
        # the crosswalk reads its inputs from the store once every source graph is in
        st = ox.Store(str(staging / "store"))
        # each graph's export files are written by a background thread as soon as it is in the store
        exports = GraphExports(st, staging / "exports", export_formats)
        a.phase("load")
        # what the one-pass rules read, written aside as each graph is loaded (a graph copied from the previous
        # build is not: then the rules read the store); deleted once the rules ran; none for another reasoner
        capture = reasoning.capture(staging / "rules-input") if reasoner == "rules" else None
        counts: dict[str, int] = {ONTOLOGY_GRAPH: _load_graph(st, ONTOLOGY_GRAPH, load_ontology(), capture)}
        exports.graph_done(ONTOLOGY_GRAPH)
        loading = 0.0

        def load(key: str, g: Graph, store: ox.Store = st) -> None:
            nonlocal loading
            t = time.perf_counter()
            a.phase("load")
            if key in a.reused and previous is not None:
                previous.copy_into(store, key)
                counts[key] = len(g)
            else:
                counts[key] = _load_graph(store, key, g, capture)
            cast(GraphExports, exports).graph_done(key)
            if key != CROSSWALK_GRAPH:  # the SSSOM export reads the crosswalk graph
                _let_go(a, key)
            loading += time.perf_counter() - t

        t0 = time.perf_counter()
        _validated(validate_all(a.graphs, log, a.origins, skip=a.reused, then=load, mark=a.phase, thaw=False),
                   reports_dir)
        validating = time.perf_counter() - t0 - loading

        g = align_stage(a, _const(st), inputs, log, previous, fps, retrieval)
        inputs.append(terms_of(g, str(iri.graph(CROSSWALK_GRAPH))))
        t0 = time.perf_counter()
        a.phase("references")
        check_references({CROSSWALK_GRAPH: g}, log, gaps,
                         owners={**{k: references.StoreGraph(st, k) for k in source_keys}, CROSSWALK_GRAPH: g})
        a.timings["references"] += time.perf_counter() - t0
        t0, loaded = time.perf_counter(), loading
        _validated(validate_all({CROSSWALK_GRAPH: g}, log, skip=a.reused, then=load, mark=a.phase, thaw=False),
                   reports_dir)
        a.timings["validate"] = validating + time.perf_counter() - t0 - (loading - loaded)
        a.timings["load"] = loading
        if previous is not None:
            previous.close()

        t0 = time.perf_counter()
        a.phase("export")
        if CROSSWALK_GRAPH in a.graphs:  # always (aligned or read back); the SSSOM export reads it
            from skillgraph.crosswalk.sssom import write_sssom

            (staging / "exports").mkdir(parents=True, exist_ok=True)
            lic, other = sssom_licence(a.graphs[CROSSWALK_GRAPH], str(iri.graph(CROSSWALK_GRAPH)))
            write_sssom(a.graphs[CROSSWALK_GRAPH], staging / "exports" / "crosswalk.sssom.tsv",
                        labels=[StoreLabels(st)], license=lic, other=other)
            _let_go(a, CROSSWALK_GRAPH)
        a.timings["export"] = time.perf_counter() - t0
        a.origins.clear()
        gc_thawed()

        t0 = time.perf_counter()
        a.phase("reason")
        st.optimize()  # each chunk the bulk loader stored left its own files; the rules read every graph
        log(f"store compacted before the rules ({time.perf_counter() - t0:.1f} s)")
        target = ox.NamedNode(str(iri.graph(INFERRED_GRAPH)))
        inf = reason(st, target, captured=capture)
        if capture is not None:
            shutil.rmtree(capture.directory, ignore_errors=True)
        _describe_inferred(st, target, inf, inputs)
        inf.by_rule.update(_views(st, target, inf, log))  # last: the label keys index every label, its own too
        counts[INFERRED_GRAPH] = _count(st, target)
        a.timings["reason"] = time.perf_counter() - t0
        log(f"inferred {counts[INFERRED_GRAPH]:,} triples with {inf.reasoner} in {inf.rounds} round(s): "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(inf.by_rule.items())))
        st.flush()
        st.optimize()

        t0 = time.perf_counter()
        a.phase("export")
        exports.graph_done(INFERRED_GRAPH, now=True)
        exports.finish()
        a.timings["export"] += time.perf_counter() - t0
        del st
        a.phase("publish")

        info = {
            "build_id": build_id,
            "skillgraph_version": __version__,
            "reasoner": reasoner,
            "sources": {
                k: {
                    "path": _shown_path(p),
                    "options": options[k],
                    "release": a.results[k].release,
                    "triples": counts[k],
                    "counts": a.results[k].report.counts,
                    "warnings": a.results[k].report.warnings,
                    "tables_read": a.results[k].report.tables_read,
                    "tables_skipped": a.results[k].report.tables_skipped,
                    "tables_skipped_why": {
                        t: a.results[k].report.skipped_why.get(t, "absent") for t in a.results[k].report.tables_skipped
                    },
                    "details": a.results[k].report.details,
                }
                for k, p in sources.items()
            },
            "allow_missing": list(getattr(configs.get("onet"), "allow_missing", ())),
            "graphs": counts,
            "crosswalk": a.crosswalk_report,
            "inferred_by_rule": inf.by_rule,
            "inference_seconds_by_rule": {k: round(v, 3) for k, v in inf.seconds_by_rule.items()},
            "inference_rounds": inf.rounds,
            "inference_seconds_by_phase": inf.seconds_by_phase,
            "timings_s": {k: round(v, 3) for k, v in a.timings.items()},
            # each export file's writing time; all but the entailed graph's and the dataset files' were
            # written beside the build's later stages, so they are not in timings_s["export"]
            "export_seconds_by_file": {k: round(v, 3) for k, v in exports.seconds.items()},
            "phases_s": [[name, round(t - t_start, 3)] for name, t in a.phases],
            "total_s": round(time.perf_counter() - t_start, 3),
            "peak_rss_mb": round(_peak_rss_mb(), 1),
            "export_formats": list(export_formats),
            "fingerprints": fps,
            "reused": sorted(a.reused),
        }
        (reports_dir / "build.json").write_text(json.dumps(info, indent=2, default=str), encoding="utf-8")
        final = store_mod.publish(build_dir, build_id, staging)
    except BaseException as e:
        if exports is not None:
            exports.abort()  # before the staging folder goes
        kept = store_mod.discard(build_dir, build_id, staging)
        if isinstance(e, ValidationFailed):
            e.report_path = kept / "reports" if kept else None
            raise
        if isinstance(e, (BuildError, SourceError, KeyboardInterrupt)):
            raise
        raise BuildError(f"build {build_id} failed: {type(e).__name__}: {e}") from e
    total = sum(counts.values())
    log(f"published build {build_id}: {total:,} triples in {len(counts)} graphs -> {final}")
    return BuildSummary(build_id, final, counts, inf, a.timings, info["sources"], list(a.phases))


def _const(store: ox.Store) -> Callable[[], ox.Store]:
    """`store`, as the callable align_stage asks for (elsewhere the store is made only when needed)."""
    return lambda: store


def _validated(results: dict[str, ValidationResult], reports_dir: Path) -> None:
    """Write the SHACL report of each graph that does not conform and fail the build; nothing is published."""
    failed = {k: r for k, r in results.items() if not r.conforms}
    for k, r in failed.items():
        if r.report is not None:
            r.report.serialize(reports_dir / f"shacl-{k}.ttl", format="turtle")
    if failed:
        text = "\n".join(r.summary() for r in failed.values())
        raise ValidationFailed(f"SHACL validation failed; nothing was published.\n{text}", reports_dir)


def _let_go(a: Assembled, key: str) -> None:
    """Drop the rdflib copy of a graph once it is in the store (GBs on the full releases), freed at once
    (fastgraph.release) rather than by the collection `gc_thawed` runs before the rules."""
    from skillgraph.fastgraph import release

    g = a.graphs.pop(key, None)
    if g is not None and release(g):
        _trim()
    if key in a.results:
        a.results[key].graph = Graph()
    a.origins.pop(key, None)


def _republish(build_dir: Path, build_id: str, staging: Path, previous: Previous, t_start: float,
               log: Log) -> BuildSummary:
    """Nothing changed since the current build: publish a hard-linked copy of it as this build."""
    assert previous.path is not None
    t0 = time.perf_counter()
    snapshot(previous.path, staging)
    info = dict(previous.info)
    info.update(build_id=build_id, reused_from=previous.build_id, reused=sorted(previous.fingerprints),
                timings_s={"snapshot": round(time.perf_counter() - t0, 3)},
                total_s=round(time.perf_counter() - t_start, 3), peak_rss_mb=round(_peak_rss_mb(), 1))
    reports = staging / "reports"
    for f in (previous.path / "reports").iterdir():
        if f.is_file() and f.name != "build.json":
            (reports / f.name).write_bytes(f.read_bytes())
    (reports / "build.json").write_text(json.dumps(info, indent=2, default=str), encoding="utf-8")
    final = store_mod.publish(build_dir, build_id, staging)
    counts = dict(info.get("graphs", {}))
    inf = InferenceReport(str(info.get("reasoner", "")), int(info.get("inference_rounds", 0)),
                          dict(info.get("inferred_by_rule", {})))
    log(f"nothing changed since build {previous.build_id}: published it again as {build_id} "
        f"({sum(counts.values()):,} triples, hard links) -> {final}")
    return BuildSummary(build_id, final, counts, inf, dict(info["timings_s"]), info.get("sources", {}))
