"""The `skillgraph` command: build, validate, shapes, serve, export, diff, query, graphs, publish, eval."""
from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path

from skillgraph import __version__
from skillgraph.errors import ReferenceFailed, SkillGraphError, SourceError, ValidationFailed

DEFAULT_STORE = "build"


def _sources():
    from skillgraph.mappings import SOURCES

    return SOURCES


BUILD_EXIT = """exit codes:
  0  published: the new build is CURRENT
  1  SHACL violations: nothing published (reports under <store>/failed/<id>/reports/)
  2  bad input or usage: a source file's problem (file:line:column), a missing required table,
     dangling cross-graph references, an unknown option value; nothing published
  3  another error inside the build; nothing published, the last good build stays CURRENT"""


def cmd_build(args: argparse.Namespace) -> int:
    """`skillgraph build`: map, validate, reason and publish a new build from the given sources."""
    from skillgraph.build import build

    config = _read_config(Path(args.config)) if args.config else {}
    config.update(_flag_config(args, config))
    only = [s.strip() for s in args.only.split(",") if s.strip()] if args.only else None
    summary = build(args.store, config=config, only=only, reasoner=args.reasoner,
                    export_formats=tuple(args.exports.split(",")), incremental=not args.no_incremental,
                    crosswalk_retrieval=args.crosswalk_retrieval)
    if args.publish_to:
        from skillgraph.publish import publish

        publish(args.store, args.publish_to, summary.build_id, update=args.update, gsp=args.gsp)
    return 0


def _flag_config(args: argparse.Namespace, base: dict) -> dict:
    """Each source's typed configuration from its CLI flags, over what the config file gave it."""
    from skillgraph import sourceconfig as sc

    out = {}
    for key, m in _sources().items():
        given = getattr(args, f"src_{key}", None)
        opts = {f.name: getattr(args, _dest(key, f.name)) for f in sc.option_fields(sc.config_class(key))
                if getattr(args, _dest(key, f.name), None) not in (None, [])}
        if key == "onet" and "allow_missing" in opts:  # repeated in the file and on the command line: both
            opts["allow_missing"] = list(dict.fromkeys([*getattr(base.get(key), "allow_missing", ()),
                                                        *opts["allow_missing"]]))
        if given or opts:
            flags = sc.make(key, (given if m.multiple else given[-1:]) if given else None, **opts)
            out[key] = sc.merged(base[key], flags) if key in base else flags
    return out


def _dest(source: str, name: str) -> str:
    return f"opt_{source}_{name}"


def cmd_publish(args: argparse.Namespace) -> int:
    """`skillgraph publish`: copy a local build into a remote SPARQL store and switch readers over at once."""
    from skillgraph.publish import publish

    publish(args.store, args.to, args.build, update=args.update, gsp=args.gsp)
    return 0


def _read_config(path: Path) -> dict:
    """A TOML file: `[sources.<id>]` tables (path or paths, and the source's options; see
    skillgraph.sourceconfig) or `[sources]` id = path; and an optional [build] allow_missing = [TABLE, ...]
    (the O*NET tables the build may go without). An unknown key is an error naming the file and key."""
    from skillgraph import sourceconfig as sc

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(path, "config file not found") from None
    except tomllib.TOMLDecodeError as e:
        raise SourceError(path, f"not valid TOML: {e}") from None
    unknown = [k for k in data if k not in ("sources", "build")]
    if unknown:
        raise SourceError(path, f"unknown table(s) {', '.join(map(repr, unknown))}; valid: 'sources', 'build'")
    sources = data.get("sources", {})
    if not isinstance(sources, dict):
        raise SourceError(path, "[sources] must be a table of source id = path, or [sources.<id>] tables")
    out = sc.read_toml_sources(path, sources, {k: m.multiple for k, m in _sources().items()})
    build = data.get("build", {})
    if not isinstance(build, dict) or [k for k in build if k != "allow_missing"]:
        raise SourceError(path, "[build] takes only allow_missing = [TABLE, ...]")
    allow = build.get("allow_missing", [])
    if not isinstance(allow, list) or not all(isinstance(t, str) for t in allow):
        raise SourceError(path, "[build] allow_missing must be a list of table names")
    if allow:
        onet = out.get("onet") or sc.make("onet")
        out["onet"] = sc.merged(onet, sc.make("onet", allow_missing=[*getattr(onet, "allow_missing", ()), *allow]))
    return out


def cmd_validate(args: argparse.Namespace) -> int:
    """`skillgraph validate`: check RDF files or the current build against the SHACL shapes, for CI and data authors."""
    from skillgraph import validation_report as vr
    from skillgraph.ontology import load_ontology

    shapes_for = [s.strip() for s in args.shapes.split(",") if s.strip()] if args.shapes else None
    if shapes_for is not None:
        from skillgraph.validation import shape_files

        shape_files(shapes_for)  # an unknown id is a usage error before any input is read
    if args.files:
        inputs = [vr.read_input(f, args.input_format) for f in args.files]
        outcome = vr.run(inputs, shapes_for, load_ontology(), each=args.each)
    else:
        outcome = _validate_store(args.store, shapes_for)
    text = vr.render(outcome, args.format, limit=args.limit, fail_on_empty=args.fail_on_empty)
    print(text)
    if args.report:
        Path(args.report).write_text(vr.as_turtle(outcome), encoding="utf-8")
        print(f"SHACL report ({len(outcome.findings)} result(s)) written to {args.report}", file=sys.stderr)
    return vr.exit_code(outcome, args.fail_on_empty)


def _validate_store(store: str, shapes_for):
    """Every graph of the current build against its own shapes (or the given ones)."""
    from skillgraph import store as store_mod
    from skillgraph import validation_report as vr
    from skillgraph.ontology import load_ontology
    from skillgraph.reasoning import store_graph
    from skillgraph.validation import load_shapes, validate

    st = store_mod.open_read_only(store)
    ontology = load_ontology()
    outcome = vr.Outcome([], shapes="each graph's own shapes" if shapes_for is None else ", ".join(shapes_for))
    for name in sorted(st.named_graphs(), key=lambda n: n.value):
        key = name.value.rsplit("/", 1)[-1]
        if key in ("ontology", "inferred"):
            continue
        inp = vr.Input(f"graph {key}", store_graph(st, name))
        outcome.inputs.append(inp)
        vr.add_result(outcome, validate(inp.graph, load_shapes(shapes_for or [key]), ontology, label=key), [inp])
    return outcome


def cmd_shapes(args: argparse.Namespace) -> int:
    """`skillgraph shapes`: write the SHACL shapes out so other tools can validate with them."""
    from skillgraph.validation import write_shapes

    names = [s.strip() for s in args.shapes.split(",") if s.strip()] if args.shapes else None
    for p in write_shapes(Path(args.out), names):
        print(p)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Exit codes: 0 stopped (Ctrl-C, SIGTERM); 1 the first-start build failed validation; 2 bad
    option or no usable build; 3 cannot listen on --host/--port (e.g. the port is in use)."""
    from skillgraph import store as store_mod
    from skillgraph.server.wsgi import serve

    if args.max_memory < 0 or args.workers < 1:
        raise ValueError("--max-memory must be >= 0 (MB; 0: no limit) and --workers >= 1")
    if args.backend and args.backend != "local":
        serve(args.store, host=args.host, port=args.port, QUERY_TIMEOUT=args.timeout, RESULT_LIMIT=args.limit,
              WORKERS=args.workers, ALLOW_SERVICE=args.allow_service, BACKEND=args.backend,
              BACKEND_UPDATE=args.backend_update, BACKEND_GSP=args.backend_gsp)
        return 0
    if store_mod.current_id(args.store) is None:
        print(f"no build in {args.store}: building the embedded default first", file=sys.stderr)
        from skillgraph.build import build

        build(args.store)
    try:
        serve(args.store, host=args.host, port=args.port, QUERY_TIMEOUT=args.timeout, RESULT_LIMIT=args.limit,
              WORKERS=args.workers, MAX_MEMORY_MB=args.max_memory, ALLOW_SERVICE=args.allow_service)
    except OSError as e:
        print(f"error: cannot listen on {args.host}:{args.port}: {e.strerror or e}", file=sys.stderr)
        return 3
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """`skillgraph export`: write the current build in the RDF formats users download."""
    from skillgraph import store as store_mod
    from skillgraph.export import write_exports

    st = store_mod.open_read_only(args.store)
    if args.release:
        from skillgraph.release import write_release

        folder = write_release(st, Path(args.release), args.release_name)
        print((folder / "SHA256SUMS").read_text(encoding="utf-8"), end="")
        print(folder)
        return 0
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


def cmd_diff(args: argparse.Namespace) -> int:
    """`skillgraph diff`: show what changed between two builds before a new one is published."""
    from skillgraph import diff

    report = diff.diff(args.old, args.new)
    print(diff.text(report, args.limit), end="")
    if args.rdf:
        diff.write_trig(report, args.rdf)
        print(f"RDF (TriG): {args.rdf}")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    """`skillgraph query`: run a SPARQL or curated query against a build from the command line."""
    from skillgraph.query import run_cli_query

    return run_cli_query(args)


def cmd_fetch(args: argparse.Namespace) -> int:
    """`skillgraph fetch`: download and verify an upstream release so a build can use it."""
    from skillgraph.fetch import fetch

    path = fetch(args.source, args.release, cache=Path(args.cache) if args.cache else None,
                 base_url=args.base_url, force=args.force)
    print(path)
    return 0


def cmd_graphs(args: argparse.Namespace) -> int:
    """`skillgraph graphs`: list the named graphs of a build and their sizes, to see what it holds."""
    from skillgraph import store as store_mod

    info = store_mod.build_info(args.store)
    print(json.dumps({k: info.get(k) for k in ("build_id", "graphs", "timings_s", "peak_rss_mb")}, indent=2))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Metrics of crosswalk runs (SSSOM exports, one per method) on one split of a judged gold set."""
    from skillgraph import store as store_mod
    from skillgraph.crosswalk.evaluate import evaluate, level_note, read_gold, read_run, table

    runs: dict[str, Path] = {}
    for spec in args.run:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise ValueError(f"--run {spec!r}: give METHOD=PATH (a crosswalk SSSOM/TSV export)")
        if name in runs:
            raise ValueError(f"--run {spec!r}: method {name!r} given twice")
        runs[name] = Path(path)
    if args.runs:
        found = sorted(Path(args.runs).glob("*.sssom.tsv"))
        if not found:
            raise ValueError(f"--runs {args.runs}: no *.sssom.tsv file there")
        for f in found:
            runs.setdefault(f.name.removesuffix(".sssom.tsv"), f)
    if not runs:
        runs["current build"] = store_mod.build_path(args.store) / "exports" / "crosswalk.sssom.tsv"
    gold = read_gold(args.gold)
    results = {name: evaluate(gold, read_run(path), split=args.split) for name, path in runs.items()}
    note = level_note(gold, args.split)
    if args.format == "json":
        doc = {"split": args.split, "gold": str(args.gold), "methods": results, "notes": [note] if note else []}
        print(json.dumps(doc,
                         indent=2))
    else:
        print(f"{args.split} tasks of {args.gold}")
        print(table(results))
        if note:
            print(note)
    return 0


def parser() -> argparse.ArgumentParser:
    """The command-line interface, one subcommand per task; apart from main() so tests can inspect it."""
    p = argparse.ArgumentParser(prog="skillgraph", description=__doc__)
    p.add_argument("--version", action="version", version=f"skillgraph {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def store_opt(sp):
        sp.add_argument("--store", default=DEFAULT_STORE, help="build folder (default: ./build)")

    def remote_opts(sp):
        sp.add_argument("--update", metavar="URL", help="the store's SPARQL Update endpoint")
        sp.add_argument("--gsp", metavar="URL", help="the store's Graph Store Protocol endpoint")

    b = sub.add_parser("build", help="map the sources, validate, and publish a new graph", epilog=BUILD_EXIT,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    store_opt(b)
    for key, m in _sources().items():
        b.add_argument(f"--{key}", dest=f"src_{key}", metavar="PATH", action="append",
                       help=f"{m.title}: release to read (default: the embedded sample)"
                       + ("; repeatable: releases side by side, the embedded ones kept unless given again"
                          if m.multiple else ""))
    from skillgraph import sourceconfig as sc

    for key in _sources().keys():
        for fld in sc.option_fields(sc.config_class(key)):
            md = fld.metadata
            b.add_argument(md["flag"], dest=_dest(key, fld.name), help=md["help"],
                           action="append" if md.get("repeat") else "store",
                           type=md["kind"] if md["kind"] is not Path else str,
                           metavar=md["metavar"])
    b.add_argument("--only", help="comma-separated source ids to build (default: all)")
    b.add_argument("--config", help="TOML file with [sources.<id>] tables: path(s) and options of each source "
                   "(the flags given here take precedence)")
    b.add_argument("--no-incremental", action="store_true",
                   help="map and validate every source again, even those unchanged since the current build")
    from skillgraph.crosswalk.retrieval import DEFAULT_MODE, MODES

    b.add_argument("--crosswalk-retrieval", default=DEFAULT_MODE, choices=("auto", *MODES),
                   help="how the crosswalk finds and scores the ESCO skills of each O*NET task: hybrid (lexical + "
                        "dense, re-ranked, calibrated; needs the dense extra and model), lexical (v3 formula), "
                        f"lexical-reranked, auto (hybrid when installed, else lexical); default {DEFAULT_MODE}")
    b.add_argument("--reasoner", default="rules", help="rules (default, scales) or owlrl (small graphs)")
    b.add_argument("--exports", default="ttl,trig,nq", help="export formats written with the build")
    b.add_argument("--publish-to", metavar="URL", help="then publish the build to this SPARQL store (see 'publish')")
    remote_opts(b)
    b.set_defaults(func=cmd_build)

    pb = sub.add_parser("publish", help="load a build into a remote SPARQL 1.1 store and switch readers to it at once")
    store_opt(pb)
    pb.add_argument("--to", required=True, metavar="URL", help="the store's query endpoint: http(s)://... "
                    "(then give --update and --gsp), oxigraph+http://host:port, fuseki+http://host:port/dataset "
                    "or virtuoso+http://host:port")
    pb.add_argument("--build", metavar="ID", help="build id to publish (default: CURRENT)")
    remote_opts(pb)
    pb.set_defaults(func=cmd_publish)

    from skillgraph.validation_report import EXIT_CODES, FORMATS

    v = sub.add_parser("validate", help="run the SHACL shapes on RDF files or on the current build",
                       description="Validate RDF files (together, as one data graph) or the current build "
                                   "against SkillGraph's SHACL shapes. Every result names the file it came from.",
                       epilog=EXIT_CODES + ".", formatter_class=argparse.RawDescriptionHelpFormatter)
    store_opt(v)
    v.add_argument("files", nargs="*", help="RDF files (Turtle, N-Triples, TriG, N-Quads, RDF/XML, JSON-LD); "
                                            "- reads standard input (see --input-format)")
    v.add_argument("--shapes", help="comma-separated shape ids to use (default: all for files); "
                                    "an unknown id is an error listing the valid ones")
    v.add_argument("--each", action="store_true", help="validate every file on its own instead of all together")
    v.add_argument("--format", default="text", choices=FORMATS,
                   help="output: text (default), json, junit (JUnit XML), turtle (SHACL report), "
                        "github (workflow annotations)")
    v.add_argument("--input-format", help="RDF syntax of the inputs (rdflib name: turtle, nt, trig, nquads, xml, "
                                          "json-ld); default: by file extension, turtle for stdin")
    v.add_argument("--fail-on-empty", action="store_true", help="an input holding no triples fails (exit 1)")
    v.add_argument("--report", help="also write the SHACL report of every input (Turtle) to this file")
    v.add_argument("--limit", type=int, default=200, help="violations to print per file (text format)")
    v.set_defaults(func=cmd_validate)

    sh = sub.add_parser("shapes", help="write the SHACL shapes (and the class hierarchy they need) for pySHACL")
    sh.add_argument("--out", required=True, help="output folder")
    sh.add_argument("--shapes", help="comma-separated shape ids (default: all)")
    sh.set_defaults(func=cmd_shapes)

    s = sub.add_parser("serve", help="serve the last good build over the SPARQL 1.1 Protocol",
                       epilog="exit codes: 0 stopped (Ctrl-C or SIGTERM); 1 the first-start build failed validation; "
                              "2 bad option or no usable build; 3 cannot listen on --host/--port (e.g. port in use)")
    store_opt(s)
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only; "
                   "0.0.0.0 for every interface)")
    s.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    s.add_argument("--timeout", type=float, default=30.0, help="query timeout in seconds")
    s.add_argument("--limit", type=int, default=10000, help="result cap (rows or triples)")
    s.add_argument("--workers", type=int, default=2, help="query worker processes (a query finding all busy gets 503)")
    s.add_argument("--max-memory", type=int, default=2048, metavar="MB",
                   help="memory one query worker may use, in MB (default 2048; 0: no limit)")
    s.add_argument("--allow-service", action="store_true",
                   help="allow SERVICE (federated queries) and give workers network access; refused by default")
    s.add_argument("--backend", metavar="URL", help="answer from this SPARQL 1.1 store instead of the build folder: "
                   "its query endpoint (http(s)://..., oxigraph+http://host:port, fuseki+http://host:port/dataset, "
                   "virtuoso+http://host:port)")
    s.add_argument("--backend-update", metavar="URL", help="the store's SPARQL Update endpoint (not used to serve)")
    s.add_argument("--backend-gsp", metavar="URL", help="the store's Graph Store Protocol endpoint (not used to serve)")
    s.set_defaults(func=cmd_serve)

    e = sub.add_parser("export", help="write the current build's graphs to files")
    store_opt(e)
    e.add_argument("--out", default="export", help="output folder")
    e.add_argument("--graph", help="comma-separated graph names (default: all)")
    e.add_argument("--format", default="ttl,trig,nq", help="ttl, nt, jsonld, rdfxml (per graph); trig, nq (dataset)")
    e.add_argument("--release", metavar="DIR", help="write a reproducible release folder DIR/skillgraph-<name>/ "
                   "(Turtle per graph, SSSOM sets, N-Quads, VoID/DCAT, SHA256SUMS); dates from SOURCE_DATE_EPOCH")
    e.add_argument("--release-name", help="release name (default: the skillgraph version)")
    e.set_defaults(func=cmd_export)

    d = sub.add_parser("diff",
                       help="what changed between two builds or releases (concepts, labels, ratings, alignments)")
    d.add_argument("old", help="build folder, builds/<id> folder, release folder or .nq file")
    d.add_argument("new", help="the same kinds as OLD")
    d.add_argument("--rdf", metavar="FILE",
                   help="also write the changes as TriG (graphs diff#added, #removed, #dangling)")
    d.add_argument("--limit", type=int, default=20, help="entries shown per section (default 20)")
    d.set_defaults(func=cmd_diff)

    q = sub.add_parser("query", help="run a curated query (by name) or a SPARQL query on the current build")
    store_opt(q)
    q.add_argument("name", nargs="?", help="curated query name (see --list)")
    q.add_argument("--list", action="store_true", help="list the curated queries")
    q.add_argument("--file", help="a .rq file to run")
    q.add_argument("--sparql", help="SPARQL query text to run")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="curated query parameter")
    q.add_argument("--format", default="table",
                   help="table (default), json, xml, csv, tsv; turtle/ntriples for CONSTRUCT")
    q.set_defaults(func=cmd_query)

    f = sub.add_parser("fetch", help="download an official release into the local cache and verify it")
    f.add_argument("source", help="source id (onet)")
    f.add_argument("--release", required=True, help="release to fetch, e.g. 30.1")
    f.add_argument("--cache", help="cache folder (default: $SKILLGRAPH_CACHE or ~/.cache/skillgraph)")
    f.add_argument("--base-url", help="download folder URL (default: the publisher's)")
    f.add_argument("--force", action="store_true", help="download again even if a verified copy is cached")
    f.set_defaults(func=cmd_fetch)

    ev = sub.add_parser("eval", help="score crosswalk runs against a judged gold set (SSSOM/TSV)")
    store_opt(ev)
    ev.add_argument("gold", help="gold SSSOM/TSV: subject_id (task), object_id (skill), grade 0/1/2, split")
    ev.add_argument("--run", action="append", default=[], metavar="METHOD=PATH",
                    help="a crosswalk SSSOM export and its method name (repeat); default: the current build's export")
    ev.add_argument("--runs", metavar="DIR", help="every *.sssom.tsv of DIR as a run, named by its file name "
                                                  "(scripts/fit_reranker.py --runs writes one per method)")
    ev.add_argument("--split", default="heldout", choices=("heldout", "tune"),
                    help="which judged tasks (default heldout)")
    ev.add_argument("--format", default="table", choices=("table", "json"))
    ev.set_defaults(func=cmd_eval)

    gr = sub.add_parser("graphs", help="show the current build's graphs and counts")
    store_opt(gr)
    gr.set_defaults(func=cmd_graphs)
    return p


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: run a subcommand and turn expected errors into a message and an exit code."""
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ValidationFailed as e:
        print(f"error: {e}", file=sys.stderr)
        if e.report_path:
            print(f"SHACL reports: {e.report_path}", file=sys.stderr)
        return 1
    except (SourceError, ReferenceFailed, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except SkillGraphError as e:
        print(f"error: {e}", file=sys.stderr)
        return 3 if args.command == "build" else 2


if __name__ == "__main__":
    sys.exit(main())
