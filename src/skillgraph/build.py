"""The build: map every source -> crosswalk -> SHACL validation -> on-disk Oxigraph store ->
entailments -> exports, published atomically.

Nothing is published unless every step passed: the store and exports are assembled in a
staging folder and renamed into place, then CURRENT is switched (see skillgraph/store.py).
A failed build keeps its reports under failed/<id>/ and leaves the last good build serving.
"""
from __future__ import annotations

import json
import platform
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from skillgraph import __version__, iri
from skillgraph import store as store_mod
from skillgraph.incremental import Previous, fingerprints, snapshot
from skillgraph.progress import logging_to, progress, track
from skillgraph.errors import BuildError, SourceError, ValidationFailed
from skillgraph.mappings import SOURCES, BuildContext, MappingResult, new_graph
from skillgraph.ontology import ONTOLOGY_IRI, SCHEMA, SG, load_ontology
from skillgraph.reasoning import REASONERS, InferenceReport, rdflib_to_ox
from skillgraph.validation import ValidationResult, load_shapes, validate

Log = Callable[[str], None]

ONTOLOGY_GRAPH = "ontology"
CROSSWALK_GRAPH = "crosswalk"
INFERRED_GRAPH = "inferred"


@dataclass
class Assembled:
    """The mapped graphs of one build, before they are stored: source id -> graph."""

    graphs: dict[str, Graph] = field(default_factory=dict)
    results: dict[str, MappingResult] = field(default_factory=dict)
    crosswalk_report: dict = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    reused: set[str] = field(default_factory=set)  # graphs read back from the previous build, already validated


@dataclass
class BuildSummary:
    build_id: str
    path: Path
    graphs: dict[str, int]
    inferred: InferenceReport
    timings: dict[str, float]
    reports: dict[str, dict]


def plan(paths: Mapping[str, str | Path | None] | None = None, only: list[str] | None = None) -> dict[str, Path]:
    """Which sources to build from where: a given path, else the embedded default; `only` restricts."""
    paths = dict(paths or {})
    for key in paths:
        SOURCES.get(key)  # unknown source id -> ValueError listing the valid ones
    keys = list(SOURCES.keys())
    if only:
        for key in only:
            SOURCES.get(key)
        keys = [k for k in keys if k in only]
    out: dict[str, Path] = {}
    for key in keys:
        given = paths.get(key)
        p = Path(given).expanduser() if given else SOURCES.get(key).embedded_path()
        if not p.exists():
            raise SourceError(p, f"input for source {key!r} does not exist")
        out[key] = p
    return out


def assemble(sources: Mapping[str, Path], log: Log = lambda m: None, crosswalk: bool = True,
             options: Mapping[str, object] | None = None, previous: Previous | None = None,
             fps: Mapping[str, str] | None = None) -> Assembled:
    """Map each source in registry order (so a mapping can read the graphs it requires), then align.

    With `previous` and `fps` (incremental build), a source whose fingerprint the previous build
    shares is read back from that build instead of being mapped (it is then in `a.reused`).
    """
    a = Assembled()
    ctx = BuildContext(graphs=a.graphs, options=dict(options or {}))
    for key, path in sources.items():
        m = SOURCES.get(key)
        missing = [r for r in m.requires if r not in a.graphs]
        if missing:
            log(f"note: {key} joins to {', '.join(missing)}, which is not in this build; its links stay unjoined")
        t0 = time.perf_counter()
        res = previous.graph(key, fps[key]) if previous is not None and fps else None
        if res is not None:
            a.reused.add(key)
            a.timings[f"reuse:{key}"] = time.perf_counter() - t0
            log(f"unchanged {key}: its graph is read back from build {previous.info.get('build_id')}")
        else:
            res = m.map(Path(path), ctx)
            m.describe(res.graph, res.release, res.report)
            a.timings[f"map:{key}"] = time.perf_counter() - t0
        a.graphs[key] = res.graph
        a.results[key] = res
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(res.report.counts.items()))
        log(f"mapped {key} ({res.release}) from {path}: {len(res.graph):,} triples" + (f"; {counts}" if counts else ""))
        for w in res.report.warnings:
            log(f"  warning: {w}")
        if res.report.tables_skipped:
            log(f"  absent, skipped: {', '.join(res.report.tables_skipped)}")
    if crosswalk:
        t0 = time.perf_counter()
        res = previous.graph(CROSSWALK_GRAPH, fps[CROSSWALK_GRAPH]) if previous is not None and fps else None
        if res is not None:
            g, report = res.graph, dict(previous.info.get("crosswalk") or {})
            a.reused.add(CROSSWALK_GRAPH)
        else:
            g, report = _align(a.graphs)
        if g is not None:
            a.graphs[CROSSWALK_GRAPH] = g
            a.crosswalk_report = report
            log(f"aligned: {len(g):,} triples; " + ", ".join(f"{k} {v:,}" for k, v in sorted(report.items()) if isinstance(v, int)))
        a.timings["crosswalk"] = time.perf_counter() - t0
    return a


def _align(graphs: dict[str, Graph]) -> tuple[Graph | None, dict]:
    try:
        from skillgraph.crosswalk import align
    except ImportError:
        return None, {}
    g, report = align(graphs)
    gi = iri.graph(CROSSWALK_GRAPH)
    g.add((gi, RDF.type, SG.SourceGraph))
    g.add((gi, SG.sourceId, Literal(CROSSWALK_GRAPH)))
    g.add((gi, DCTERMS.title, Literal("SkillGraph crosswalk alignments", lang="en")))
    g.add((gi, RDFS.label, Literal("SkillGraph crosswalk alignments", lang="en")))
    g.add((gi, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    g.add((gi, SG.creditLine, Literal("Alignments computed by SkillGraph from the source graphs of this build.")))
    g.add((gi, SCHEMA.version, Literal(__version__)))
    for key in graphs:
        g.add((gi, PROV.wasDerivedFrom, iri.graph(key)))
    return g, report


def validate_all(graphs: Mapping[str, Graph], log: Log = lambda m: None,
                 skip: set[str] = frozenset()) -> dict[str, ValidationResult]:
    """Each graph against its own shapes (plus the common ones), with the ontology for the class hierarchy.

    `skip`: graphs an earlier build validated against the same shapes (incremental builds)."""
    ontology = load_ontology()
    results = {}
    todo = {k: g for k, g in graphs.items() if k not in skip}
    for key, g in track(todo.items(), "SHACL validation", total=len(todo), unit="graphs"):
        t0 = time.perf_counter()
        res = validate(g, load_shapes([key]), ontology, label=key)
        results[key] = res
        log(f"validated {key}: " + ("conforms" if res.conforms else f"{len(res.violations)} violation(s)")
            + f" ({time.perf_counter() - t0:.1f} s)")
    return results


def _load_graph(st: ox.Store, key: str, g: Graph) -> int:
    """Stream the graph's triples into the store (no N-Triples text of the whole graph in memory)."""
    target = ox.NamedNode(str(iri.graph(key)))
    terms: dict = {}  # rdflib term -> pyoxigraph term; IRIs and values repeat a lot

    def ox_term(t):
        o = terms.get(t)
        if o is None:
            if len(terms) > 500_000:
                terms.clear()
            o = terms[t] = rdflib_to_ox(t)
        return o

    def quads():
        with progress(f"loading {key}", total=len(g), unit="triples") as bar:
            for i, (s, p, o) in enumerate(g, 1):
                yield ox.Quad(ox_term(s), ox_term(p), ox_term(o), target)
                if i % 10_000 == 0:
                    bar.update(10_000)
            bar.update(len(g) % 10_000)

    st.bulk_extend(quads())
    return len(g)


def _describe_inferred(st: ox.Store, target: ox.NamedNode, report: InferenceReport) -> None:
    g = Graph()
    gi = URIRef(target.value)
    g.add((gi, RDF.type, SG.InferenceGraph))
    g.add((gi, SG.sourceId, Literal(INFERRED_GRAPH)))
    g.add((gi, RDFS.label, Literal("Entailed triples", lang="en")))
    g.add((gi, DCTERMS.title, Literal("Entailed triples", lang="en")))
    g.add((gi, SG.method, Literal(f"{report.reasoner} reasoner, SkillGraph {__version__}")))
    g.add((gi, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    st.extend(ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), target) for s, p, o in g)


def _release_graphs(a: Assembled) -> None:
    """Drop the build's rdflib graphs (GBs on the full releases) once they are stored."""
    import gc

    a.graphs.clear()
    for r in a.results.values():
        r.graph = None
    gc.collect()


def _count(st: ox.Store, graph: ox.NamedNode) -> int:
    sol = next(iter(st.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}")))
    return int(sol["n"].value)


def _peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if platform.system() != "Darwin" else kb / 1024 / 1024


DEFAULT_EXPORTS = ("ttl", "nq")  # TriG would repeat the N-Quads dump: `--exports ttl,trig,nq` to get it too


def build(build_dir: str | Path = "build", paths: Mapping[str, str | Path | None] | None = None,
          only: list[str] | None = None, reasoner: str = "rules", log: Log = print,
          export_formats: tuple[str, ...] = DEFAULT_EXPORTS,
          options: Mapping[str, object] | None = None, incremental: bool = True) -> BuildSummary:
    """Build the graph into `build_dir` and publish it; raise BuildError (nothing published) on failure.

    Incremental (default): sources whose inputs, options and code are unchanged since the current
    build are read back from it instead of being mapped and validated again, and a build with
    nothing changed is a hard-linked copy of the current one (skillgraph/incremental.py).
    Long stages report progress (a bar on a terminal, periodic lines through `log` otherwise).
    """
    with logging_to(log):
        return _build(build_dir, paths, only, reasoner, log, tuple(export_formats), options, incremental)


def _build(build_dir, paths, only, reasoner, log, export_formats, options, incremental) -> BuildSummary:
    from skillgraph.export import write_exports

    reason = REASONERS.get(reasoner)
    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    sources = plan(paths, only)
    build_id = store_mod.new_build_id()
    staging = store_mod.staging_dir(build_dir, build_id)
    reports_dir = staging / "reports"
    reports_dir.mkdir()
    t_start = time.perf_counter()
    try:
        log(f"build {build_id}: sources {', '.join(sources)}")
        previous = Previous(build_dir) if incremental else None
        fps = fingerprints(sources, {k: SOURCES.get(k).requires for k in sources}, options)
        if previous is not None and previous.unchanged(fps, reasoner, export_formats):
            return _republish(build_dir, build_id, staging, previous, t_start, log)
        a = assemble(sources, log, options=options, previous=previous, fps=fps)
        t0 = time.perf_counter()
        results = validate_all(a.graphs, log, skip=a.reused)
        a.timings["validate"] = time.perf_counter() - t0
        failed = {k: r for k, r in results.items() if not r.conforms}
        for k, r in results.items():
            if r.report is not None and not r.conforms:
                r.report.serialize(reports_dir / f"shacl-{k}.ttl", format="turtle")
        if failed:
            text = "\n".join(r.summary() for r in failed.values())
            raise ValidationFailed(f"SHACL validation failed; nothing was published.\n{text}", reports_dir)

        t0 = time.perf_counter()
        st = ox.Store(str(staging / "store"))
        counts: dict[str, int] = {}
        counts[ONTOLOGY_GRAPH] = _load_graph(st, ONTOLOGY_GRAPH, load_ontology())
        counts.update({key: _load_graph(st, key, g) for key, g in a.graphs.items()})
        a.timings["load"] = time.perf_counter() - t0

        # every graph is in the store now: write what still reads the rdflib graphs, then let them go
        # (the rules reasoner works in the store; its entailment sets would otherwise sit on top of them)
        t0 = time.perf_counter()
        if CROSSWALK_GRAPH in a.graphs:
            from skillgraph.crosswalk.sssom import write_sssom

            (staging / "exports").mkdir(parents=True, exist_ok=True)
            write_sssom(a.graphs[CROSSWALK_GRAPH], staging / "exports" / "crosswalk.sssom.tsv",
                        labels=list(a.graphs.values()))
        a.timings["export"] = time.perf_counter() - t0
        data = list(a.graphs.values()) if reasoner == "owlrl" else []
        if reasoner != "owlrl":
            _release_graphs(a)

        t0 = time.perf_counter()
        target = ox.NamedNode(str(iri.graph(INFERRED_GRAPH)))
        inf = reason(st, target, data)
        del data
        _describe_inferred(st, target, inf)
        counts[INFERRED_GRAPH] = _count(st, target)
        a.timings["reason"] = time.perf_counter() - t0
        log(f"inferred {counts[INFERRED_GRAPH]:,} triples with {inf.reasoner} in {inf.rounds} round(s): "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(inf.by_rule.items())))
        st.flush()
        st.optimize()

        t0 = time.perf_counter()
        write_exports(st, staging / "exports", list(counts), export_formats, log=log)
        a.timings["export"] += time.perf_counter() - t0
        del st

        info = {
            "build_id": build_id,
            "skillgraph_version": __version__,
            "reasoner": reasoner,
            "sources": {k: {"path": str(p), "release": a.results[k].release, "triples": counts[k],
                            "counts": a.results[k].report.counts, "warnings": a.results[k].report.warnings,
                            "tables_read": a.results[k].report.tables_read,
                            "tables_skipped": a.results[k].report.tables_skipped,
                            "details": a.results[k].report.details}
                        for k, p in sources.items()},
            "graphs": counts,
            "crosswalk": a.crosswalk_report,
            "inferred_by_rule": inf.by_rule,
            "inference_seconds_by_rule": {k: round(v, 3) for k, v in inf.seconds_by_rule.items()},
            "inference_rounds": inf.rounds,
            "timings_s": {k: round(v, 3) for k, v in a.timings.items()},
            "total_s": round(time.perf_counter() - t_start, 3),
            "peak_rss_mb": round(_peak_rss_mb(), 1),
            "export_formats": list(export_formats),
            "fingerprints": fps,
            "reused": sorted(a.reused),
        }
        (reports_dir / "build.json").write_text(json.dumps(info, indent=2, default=str), encoding="utf-8")
        final = store_mod.publish(build_dir, build_id, staging)
    except BaseException as e:
        kept = store_mod.discard(build_dir, build_id, staging)
        if isinstance(e, ValidationFailed):
            e.report_path = kept / "reports" if kept else None
            raise
        if isinstance(e, (BuildError, SourceError, KeyboardInterrupt)):
            raise
        raise BuildError(f"build {build_id} failed: {type(e).__name__}: {e}") from e
    total = sum(counts.values())
    log(f"published build {build_id}: {total:,} triples in {len(counts)} graphs -> {final}")
    return BuildSummary(build_id, final, counts, inf, a.timings, info["sources"])


def _republish(build_dir: Path, build_id: str, staging: Path, previous: Previous, t_start: float,
               log: Log) -> BuildSummary:
    """Nothing changed since the current build: publish a hard-linked copy of it as this build."""
    t0 = time.perf_counter()
    snapshot(previous.path, staging)
    info = dict(previous.info)
    info.update(build_id=build_id, reused_from=previous.info.get("build_id"),
                reused=sorted(previous.fingerprints), timings_s={"snapshot": round(time.perf_counter() - t0, 3)},
                total_s=round(time.perf_counter() - t_start, 3), peak_rss_mb=round(_peak_rss_mb(), 1))
    reports = staging / "reports"
    for f in (previous.path / "reports").iterdir():
        if f.is_file() and f.name != "build.json":
            (reports / f.name).write_bytes(f.read_bytes())
    (reports / "build.json").write_text(json.dumps(info, indent=2, default=str), encoding="utf-8")
    final = store_mod.publish(build_dir, build_id, staging)
    counts = dict(info.get("graphs", {}))
    inf = InferenceReport(info.get("reasoner", ""), info.get("inference_rounds", 0), dict(info.get("inferred_by_rule", {})))
    log(f"nothing changed since build {previous.info.get('build_id')}: published it again as {build_id} "
        f"({sum(counts.values()):,} triples, hard links) -> {final}")
    return BuildSummary(build_id, final, counts, inf, dict(info["timings_s"]), info.get("sources", {}))
