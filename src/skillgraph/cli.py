"""The `skillgraph` command: build, validate, serve, export, query, graphs."""
from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path

from skillgraph import __version__
from skillgraph.errors import SkillGraphError, ValidationFailed

DEFAULT_STORE = "build"


def _sources():
    from skillgraph.mappings import SOURCES

    return SOURCES


def cmd_build(args: argparse.Namespace) -> int:
    from skillgraph.build import build

    paths: dict[str, str] = {}
    if args.config:
        paths.update(_read_config(Path(args.config)))
    for key in _sources().keys():
        v = getattr(args, f"src_{key}", None)
        if v:
            paths[key] = v
    only = [s.strip() for s in args.only.split(",") if s.strip()] if args.only else None
    options = {}
    if args.soc_structure:
        options["soc_structure"] = args.soc_structure
    if args.onet_release:
        options["onet_release"] = args.onet_release
    if args.aei_fuzzy_threshold is not None:
        options["aei_fuzzy_threshold"] = args.aei_fuzzy_threshold
    build(args.store, paths, only=only, reasoner=args.reasoner, export_formats=tuple(args.exports.split(",")),
          options=options, incremental=not args.no_incremental)
    return 0


def _read_config(path: Path) -> dict[str, str]:
    """A TOML file with a [sources] table: source id = path (relative to the file)."""
    from skillgraph.errors import SourceError

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(path, "config file not found") from None
    except tomllib.TOMLDecodeError as e:
        raise SourceError(path, f"not valid TOML: {e}") from None
    sources = data.get("sources", {})
    if not isinstance(sources, dict):
        raise SourceError(path, "[sources] must be a table of source id = path")
    out = {}
    for key, value in sources.items():
        _sources().get(key)
        out[key] = str((path.parent / value).resolve()) if not Path(value).is_absolute() else value
    return out


def cmd_validate(args: argparse.Namespace) -> int:
    from rdflib import Dataset, Graph

    from skillgraph.ontology import load_ontology
    from skillgraph.validation import load_shapes, validate

    shapes_for = [s.strip() for s in args.shapes.split(",")] if args.shapes else None
    ontology = load_ontology()
    results = []
    if args.files:
        for f in args.files:
            g = _parse_rdf(Path(f))
            results.append(validate(g, load_shapes(shapes_for), ontology, label=f))
    else:
        from skillgraph import store as store_mod

        st = store_mod.open_read_only(args.store)
        from skillgraph import iri
        import pyoxigraph as ox

        for gname in sorted(n.value for n in st.named_graphs()):
            key = gname.rsplit("/", 1)[-1]
            if key in ("ontology", "inferred"):
                continue
            data = st.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(gname))
            g = Graph().parse(data=data, format="nt")
            results.append(validate(g, load_shapes(shapes_for or [key]), ontology, label=key))
    bad = 0
    for r in results:
        print(r.summary(limit=args.limit))
        bad += len(r.violations)
        if args.report and r.report is not None and not r.conforms:
            out = Path(args.report)
            r.report.serialize(out, format="turtle")
            print(f"  report written to {out}")
    return 1 if bad else 0


def _parse_rdf(path: Path):
    from rdflib import Dataset, Graph
    from rdflib.util import guess_format

    from skillgraph.errors import SourceError

    fmt = guess_format(str(path)) or "turtle"
    try:
        if fmt in ("trig", "nquads"):
            ds = Dataset()
            ds.parse(path, format=fmt)
            g = Graph()
            for s, p, o, _c in ds.quads((None, None, None, None)):
                g.add((s, p, o))
            return g
        return Graph().parse(path, format=fmt)
    except FileNotFoundError:
        raise SourceError(path, "file not found") from None
    except Exception as e:  # rdflib parsers raise many types; report the parser's words
        raise SourceError(path, f"not parseable as {fmt}: {e}") from None


def cmd_serve(args: argparse.Namespace) -> int:
    from skillgraph import store as store_mod
    from skillgraph.server.wsgi import serve

    if store_mod.current_id(args.store) is None:
        print(f"no build in {args.store}: building the embedded default first", file=sys.stderr)
        from skillgraph.build import build

        build(args.store)
    serve(args.store, host=args.host, port=args.port, QUERY_TIMEOUT=args.timeout, RESULT_LIMIT=args.limit,
          WORKERS=args.workers, ALLOW_SERVICE=args.allow_service)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from skillgraph import store as store_mod
    from skillgraph.export import write_exports

    st = store_mod.open_read_only(args.store)
    graphs = [n.value.rsplit("/", 1)[-1] for n in st.named_graphs()]
    if args.graph:
        for gk in args.graph.split(","):
            if gk not in graphs:
                raise ValueError(f"unknown graph {gk!r}; this build has: {', '.join(sorted(graphs))}")
        graphs = args.graph.split(",")
    written = write_exports(st, Path(args.out), sorted(graphs), args.format.split(","))
    for p in written:
        print(p)
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from skillgraph.query import run_cli_query

    return run_cli_query(args)


def cmd_fetch(args: argparse.Namespace) -> int:
    from skillgraph.fetch import fetch

    path = fetch(args.source, args.release, cache=Path(args.cache) if args.cache else None,
                 base_url=args.base_url, force=args.force)
    print(path)
    return 0


def cmd_graphs(args: argparse.Namespace) -> int:
    from skillgraph import store as store_mod

    info = store_mod.build_info(args.store)
    print(json.dumps({k: info.get(k) for k in ("build_id", "graphs", "timings_s", "peak_rss_mb")}, indent=2))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="skillgraph", description=__doc__)
    p.add_argument("--version", action="version", version=f"skillgraph {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def store_opt(sp):
        sp.add_argument("--store", default=DEFAULT_STORE, help="build folder (default: ./build)")

    b = sub.add_parser("build", help="map the sources, validate, and publish a new graph")
    store_opt(b)
    for key, m in _sources().items():
        b.add_argument(f"--{key}", dest=f"src_{key}", metavar="PATH",
                       help=f"{m.title}: release to read (default: the embedded sample)")
    b.add_argument("--only", help="comma-separated source ids to build (default: all)")
    b.add_argument("--soc-structure", metavar="CSV", help="SOC 2018 structure table (SOC_Structure.csv) for SOC group titles")
    b.add_argument("--onet-release", help="O*NET release to record when the files carry no Read Me.txt")
    b.add_argument("--aei-fuzzy-threshold", type=float, help="similarity (0-1) for AEI's fuzzy task join (default 0.90)")
    b.add_argument("--config", help="TOML file with a [sources] table of source id = path")
    b.add_argument("--reasoner", default="rules", help="rules (default, scales) or owlrl (small graphs)")
    b.add_argument("--exports", default="ttl,nq",
                   help="export formats written with the build (default ttl,nq; trig repeats the N-Quads)")
    b.add_argument("--no-incremental", action="store_true",
                   help="map and validate every source again even when its inputs are unchanged since the current build")
    b.set_defaults(func=cmd_build)

    v = sub.add_parser("validate", help="run the SHACL shapes on RDF files or on the current build")
    store_opt(v)
    v.add_argument("files", nargs="*", help="RDF files (Turtle, N-Triples, TriG, N-Quads, RDF/XML, JSON-LD)")
    v.add_argument("--shapes", help="comma-separated source ids whose shapes to use (default: all for files)")
    v.add_argument("--report", help="write the SHACL report as Turtle to this file")
    v.add_argument("--limit", type=int, default=200, help="violations to print per graph")
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser("serve", help="serve the last good build over the SPARQL 1.1 Protocol")
    store_opt(s)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--timeout", type=float, default=30.0, help="query timeout in seconds")
    s.add_argument("--limit", type=int, default=10000, help="result cap (rows or triples)")
    s.add_argument("--workers", type=int, default=2, help="query worker processes")
    s.add_argument("--allow-service", action="store_true", help="allow SERVICE (federated queries); refused by default")
    s.set_defaults(func=cmd_serve)

    e = sub.add_parser("export", help="write the current build's graphs to files")
    store_opt(e)
    e.add_argument("--out", default="export", help="output folder")
    e.add_argument("--graph", help="comma-separated graph names (default: all)")
    e.add_argument("--format", default="ttl,trig,nq", help="ttl, nt, jsonld, rdfxml (per graph); trig, nq (dataset)")
    e.set_defaults(func=cmd_export)

    q = sub.add_parser("query", help="run a curated query (by name) or a SPARQL query on the current build")
    store_opt(q)
    q.add_argument("name", nargs="?", help="curated query name (see --list)")
    q.add_argument("--list", action="store_true", help="list the curated queries")
    q.add_argument("--file", help="a .rq file to run")
    q.add_argument("--sparql", help="SPARQL query text to run")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="curated query parameter")
    q.add_argument("--format", default="table", help="table (default), json, xml, csv, tsv; turtle/ntriples for CONSTRUCT")
    q.set_defaults(func=cmd_query)

    f = sub.add_parser("fetch", help="download an official release into the local cache and verify it")
    f.add_argument("source", help="source id (onet)")
    f.add_argument("--release", required=True, help="release to fetch, e.g. 30.1")
    f.add_argument("--cache", help="cache folder (default: $SKILLGRAPH_CACHE or ~/.cache/skillgraph)")
    f.add_argument("--base-url", help="download folder URL (default: the publisher's)")
    f.add_argument("--force", action="store_true", help="download again even if a verified copy is cached")
    f.set_defaults(func=cmd_fetch)

    gr = sub.add_parser("graphs", help="show the current build's graphs and counts")
    store_opt(gr)
    gr.set_defaults(func=cmd_graphs)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ValidationFailed as e:
        print(f"error: {e}", file=sys.stderr)
        if e.report_path:
            print(f"SHACL reports: {e.report_path}", file=sys.stderr)
        return 1
    except (SkillGraphError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
