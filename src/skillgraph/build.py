"""The build: map every source -> crosswalk -> SHACL validation -> on-disk Oxigraph store ->
entailments -> exports, published atomically.

Nothing is published unless every step passed: the store and exports are assembled in a
staging folder and renamed into place, then CURRENT is switched (see skillgraph/store.py).
A failed build keeps its reports under failed/<id>/ and leaves the last good build serving.

Before anything is mapped, every source's `preflight` checks its input (path, layout, required
files), so a wrong folder fails in seconds; after mapping and aligning, skillgraph.references
checks that every cross-graph reference resolves. A build holds a lock (store.BuildLock) while it
runs and first removes the staging folders of builds that died (store.clean_stale).
"""
from __future__ import annotations

import json
import platform
import resource
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from skillgraph import __version__, iri, references
from skillgraph import store as store_mod
from skillgraph.errors import BuildError, ReferenceFailed, SourceError, ValidationFailed
from skillgraph.licensing import describe_derived, sssom_licence, terms_of
from skillgraph.mappings import SOURCES, BuildContext, MappingResult, Origins
from skillgraph.ontology import SCHEMA, SG, load_ontology
from skillgraph.reasoning import REASONERS, InferenceReport, rdflib_to_ox
from skillgraph.validation import ValidationResult, attach_origins, load_shapes, validate

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


@dataclass
class BuildSummary:
    """What a finished build reports back to the CLI and callers: its id, folder, graph sizes and timings."""
    build_id: str
    path: Path
    graphs: dict[str, int]
    inferred: InferenceReport
    timings: dict[str, float]
    reports: dict[str, dict]


Input = Path | list[Path]


def plan(paths: Mapping[str, object] | None = None, only: list[str] | None = None) -> dict[str, Input]:
    """Which sources to build from where: a given path, else the embedded default; `only` restricts.

    A source that takes several releases side by side (`multiple`, e.g. aei) may be given a list of
    paths; it then gets them all plus its embedded default, whose releases it keeps unless given again.
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


def preflight(sources: Mapping[str, Input], options: Mapping[str, object] | None = None,
              log: Log = lambda m: None) -> None:
    """Check every source's input (path, layout, required files) and the options before any is mapped."""
    options = dict(options or {})
    t0 = time.perf_counter()
    allowed = list(cast(Iterable[str], options.get("allow_missing") or ()))
    if allowed:
        known = {t for k in sources for t in SOURCES.get(k).table_names()}
        unknown = [t for t in allowed if t not in known]
        if unknown:
            raise ValueError(f"unknown table(s) for --allow-missing: {', '.join(map(repr, unknown))}; "
                             f"tables of this build's sources: {', '.join(sorted(known)) or '(none)'}")
    for opt in ("soc_structure",):
        if options.get(opt) and not Path(str(options[opt])).is_file():
            raise SourceError(str(options[opt]), f"--{opt.replace('_', '-')}: no such file")
    for key, path in sources.items():
        SOURCES.get(key).preflight(path, options)
    log(f"preflight: inputs of {len(sources)} source(s) checked ({time.perf_counter() - t0:.1f} s)")


def assemble(sources: Mapping[str, Input], log: Log = lambda m: None, crosswalk: bool = True,
             options: Mapping[str, object] | None = None) -> Assembled:
    """Map each source in registry order (so a mapping can read the graphs it requires), then align."""
    a = Assembled()
    ctx = BuildContext(graphs=a.graphs, options=dict(options or {}), origins=a.origins)
    for key, path in sources.items():
        m = SOURCES.get(key)
        missing = [r for r in m.requires if r not in a.graphs]
        if missing:
            log(f"note: {key} joins to {', '.join(missing)}, which is not in this build; its links stay unjoined")
        t0 = time.perf_counter()
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
        t0 = time.perf_counter()
        g, report = _align(a.graphs)
        if g is not None:
            a.graphs[CROSSWALK_GRAPH] = g
            a.crosswalk_report = report
            log(
                f"aligned: {len(g):,} triples; "
                + ", ".join(f"{k} {v:,}" for k, v in sorted(report.items()) if isinstance(v, int))
            )
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
    g.add((gi, SCHEMA.version, Literal(__version__)))
    describe_derived(g, str(gi), "Alignments computed by SkillGraph from the source graphs of this build.",
                     [terms_of(sg, str(iri.graph(key))) for key, sg in graphs.items()])
    return g, report


def check_references(graphs: Mapping[str, Graph], log: Log = lambda m: None,
                     allowed: frozenset[str] = frozenset()) -> None:
    """The closing check over the union: every cross-graph reference resolves, else a BuildError listing them.

    `allowed`: IRIs a source's own release references without describing (its mapping reports them).
    """
    t0 = time.perf_counter()
    dangling = references.check(graphs, allowed)
    if dangling:
        raise ReferenceFailed("cross-graph references do not resolve; nothing was published.\n"
                         + references.describe(dangling))
    log(f"references: every cross-graph reference resolves ({time.perf_counter() - t0:.1f} s)")


def validate_all(graphs: Mapping[str, Graph], log: Log = lambda m: None,
                 origins: Mapping[str, Origins] | None = None) -> dict[str, ValidationResult]:
    """Each graph against its own shapes (plus the common ones), with the ontology for the class hierarchy.

    With `origins` (source id -> map-back index), each result names the source file:line of its focus node.
    """
    ontology = load_ontology()
    results = {}
    for key, g in graphs.items():
        t0 = time.perf_counter()
        res = validate(g, load_shapes([key]), ontology, label=key)
        if origins and key in origins and not res.conforms:
            attach_origins(res, origins[key])
        results[key] = res
        log(f"validated {key}: " + ("conforms" if res.conforms else f"{len(res.violations)} violation(s)")
            + f" ({time.perf_counter() - t0:.1f} s)")
    return results


def _shown_path(p: Input) -> str | list[str]:
    return [str(x) for x in p] if isinstance(p, list) else str(p)


def _load_graph(st: ox.Store, key: str, g: Graph) -> int:
    data = g.serialize(format="nt", encoding="utf-8")
    st.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(iri.graph(key))))
    return len(g)


def _describe_inferred(
    st: ox.Store, target: ox.NamedNode, report: InferenceReport, graphs: Mapping[str, Graph]
) -> None:
    g = Graph()
    gi = URIRef(target.value)
    g.add((gi, RDF.type, SG.InferenceGraph))
    g.add((gi, SG.sourceId, Literal(INFERRED_GRAPH)))
    g.add((gi, RDFS.label, Literal("Entailed triples", lang="en")))
    g.add((gi, DCTERMS.title, Literal("Entailed triples", lang="en")))
    g.add((gi, SG.method, Literal(f"{report.reasoner} reasoner, SkillGraph {__version__}")))
    inputs = [terms_of(g_in, str(iri.graph(key))) for key, g_in in graphs.items()]
    describe_derived(g, target.value, "Triples entailed by SkillGraph from the graphs of this build.", inputs)
    st.extend(ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), target) for s, p, o in g)


def _count(st: ox.Store, graph: ox.NamedNode) -> int:
    res = cast(ox.QuerySolutions, st.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"))
    sol = next(iter(res))
    return int(sol["n"].value)


def _peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if platform.system() != "Darwin" else kb / 1024 / 1024


def build(build_dir: str | Path = "build", paths: Mapping[str, object] | None = None,
          only: list[str] | None = None, reasoner: str = "rules", log: Log = print,
          export_formats: tuple[str, ...] = ("ttl", "trig", "nq"),
          options: Mapping[str, object] | None = None) -> BuildSummary:
    """Build the graph into `build_dir` and publish it; raise BuildError (nothing published) on failure."""
    reason = REASONERS.get(reasoner)
    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    for line in store_mod.clean_stale(build_dir):
        log(f"cleaned stale staging folder of a build that died: {line}")
    sources = plan(paths, only)
    preflight(sources, options, log)
    build_id = store_mod.new_build_id()
    lock = store_mod.BuildLock(build_dir, build_id)
    try:
        return _build(build_dir, build_id, sources, reason, reasoner, log, export_formats, options)
    finally:
        lock.release()


def _build(build_dir: Path, build_id: str, sources: dict[str, Input], reason, reasoner: str, log: Log,
           export_formats: tuple[str, ...], options: Mapping[str, object] | None) -> BuildSummary:
    from skillgraph.export import write_exports

    staging = store_mod.staging_dir(build_dir, build_id)
    reports_dir = staging / "reports"
    reports_dir.mkdir()
    t_start = time.perf_counter()
    try:
        log(f"build {build_id}: sources {', '.join(sources)}")
        a = assemble(sources, log, options=options)
        t0 = time.perf_counter()
        gaps = frozenset(iri_ for res in a.results.values()
                         for iri_ in res.report.details.get("referenced, not described by the release", ()))
        check_references(a.graphs, log, gaps)
        a.timings["references"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        results = validate_all(a.graphs, log, a.origins)
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
        for key, g in a.graphs.items():
            counts[key] = _load_graph(st, key, g)
        a.timings["load"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        target = ox.NamedNode(str(iri.graph(INFERRED_GRAPH)))
        inf = reason(st, target, a.graphs.values())
        _describe_inferred(st, target, inf, a.graphs)
        counts[INFERRED_GRAPH] = _count(st, target)
        a.timings["reason"] = time.perf_counter() - t0
        log(f"inferred {counts[INFERRED_GRAPH]:,} triples with {inf.reasoner} in {inf.rounds} round(s): "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(inf.by_rule.items())))
        st.flush()
        st.optimize()

        t0 = time.perf_counter()
        write_exports(st, staging / "exports", list(counts), export_formats)
        if CROSSWALK_GRAPH in a.graphs:
            from skillgraph.crosswalk.sssom import write_sssom

            lic, other = sssom_licence(a.graphs[CROSSWALK_GRAPH], str(iri.graph(CROSSWALK_GRAPH)))
            write_sssom(a.graphs[CROSSWALK_GRAPH], staging / "exports" / "crosswalk.sssom.tsv",
                        labels=list(a.graphs.values()), license=lic, other=other)
        a.timings["export"] = time.perf_counter() - t0
        del st

        info = {
            "build_id": build_id,
            "skillgraph_version": __version__,
            "reasoner": reasoner,
            "sources": {
                k: {
                    "path": _shown_path(p),
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
            "allow_missing": list(cast(Iterable[str], (options or {}).get("allow_missing") or [])),
            "graphs": counts,
            "crosswalk": a.crosswalk_report,
            "inferred_by_rule": inf.by_rule,
            "inference_seconds_by_rule": {k: round(v, 3) for k, v in inf.seconds_by_rule.items()},
            "inference_rounds": inf.rounds,
            "timings_s": {k: round(v, 3) for k, v in a.timings.items()},
            "total_s": round(time.perf_counter() - t_start, 3),
            "peak_rss_mb": round(_peak_rss_mb(), 1),
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
