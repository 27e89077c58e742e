"""Running SPARQL on a build from the command line: curated queries by name, or any query text."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pyoxigraph as ox

from skillgraph import store as store_mod
from skillgraph.ontology import PREFIXES

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}


def run(st: ox.Store, text: str):
    """Run a query with the union of the named graphs as default graph (as the server does).

    Curated queries arrive with their parameters inlined (CuratedQuery.bind), not as substitutions.
    """
    return st.query(text, use_default_graph_as_union=True, prefixes=PREFIXES)


def short(term, prefixes: dict[str, str] = PREFIXES) -> str:
    """A term as a prefixed name where possible, so table output stays readable."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for p, ns in prefixes.items():
            if term.value.startswith(ns) and len(term.value) > len(ns):
                return f"{p}:{term.value[len(ns):]}"
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def table(results, max_width: int = 60) -> str:
    """A plain-text table of SELECT results, for people at a terminal."""
    names = [v.value for v in results.variables]
    rows = [[short(sol[n]) for n in names] for sol in results]
    def clip(s):
        return s if len(s) <= max_width else s[: max_width - 1] + "…"
    rows = [[clip(c) for c in r] for r in rows]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    def line(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()
    out = [line(names), line(["-" * w for w in widths])] + [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def run_cli_query(args: argparse.Namespace) -> int:
    """Run a query for the CLI and print its results in the requested format."""
    from skillgraph.queries import catalog, get, store_levels

    if args.list:
        for name, cq in sorted(catalog().items()):
            print(f"{name}: {cq.title}")
        return 0
    st = store_mod.open_read_only(args.store)
    if args.sparql:
        text = args.sparql
    elif args.file:
        text = Path(args.file).read_text(encoding="utf-8")
    elif args.name:
        cq = get(args.name)
        params = dict(p.split("=", 1) for p in args.param if "=" in p)
        bad = [p for p in args.param if "=" not in p]
        if bad:
            raise ValueError(f"--param takes NAME=VALUE, got {bad[0]!r}")
        text = cq.bind(params, store_levels(st))
    else:
        raise ValueError("give a curated query name, --file or --sparql (or --list)")
    try:
        res = run(st, text)
    except SyntaxError as e:
        raise ValueError(f"malformed query: {e}") from None
    out = sys.stdout.buffer
    if isinstance(res, ox.QueryBoolean):
        if args.format in RESULT_FORMATS:
            # pyoxigraph's stub types serialize() as bytes | None; with no output argument it returns bytes
            out.write(res.serialize(format=RESULT_FORMATS[args.format]))  # type: ignore[arg-type]
        else:
            print("true" if bool(res) else "false")
    elif isinstance(res, ox.QuerySolutions):
        if args.format == "table":
            print(table(res))
        else:
            # pyoxigraph's stub types serialize() as bytes | None; with no output argument it returns bytes
            out.write(res.serialize(format=RESULT_FORMATS[_check(args.format, RESULT_FORMATS)]))  # type: ignore[arg-type]
    else:
        fmt = "turtle" if args.format == "table" else args.format
        out.write(res.serialize(format=GRAPH_FORMATS[_check(fmt, GRAPH_FORMATS)]))
    out.flush()
    return 0


def _check(fmt: str, valid: dict) -> str:
    if fmt not in valid:
        raise ValueError(f"unknown format {fmt!r}; valid formats are: {', '.join(sorted(valid))}")
    return fmt
