"""The workbench at /: a SPARQL editor, the curated queries as one-click examples, results as a table.

Everything it needs is served from this package (templates/workbench.html, static/workbench.js,
static/workbench.css); no CDN, so it works offline. The editor is a hand-written highlighter (a
transparent textarea over a highlighted copy of its text). Queries go to /sparql like any
client's, so the same worker pool, time limit and result cap apply. A link
/?query=...&run=1 (&graph=IRI) opens the query in the editor and runs it.
"""
from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, render_template, request

from skillgraph.errors import SkillGraphError
from skillgraph.ontology import PREFIXES

from . import formats, resources

bp = Blueprint("workbench", __name__, template_folder="templates")

START = "SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } }\nGROUP BY ?graph ORDER BY ?graph"


def prefixed(query: str) -> str:
    """A query with the SkillGraph prefixes declared above it, as the editor starts."""
    return "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items()) + "\n" + query


def page():
    """The query workbench page: editor, curated queries and the graphs of the current build."""
    state = current_app.extensions["skillgraph"]
    build_id = state.current()
    from skillgraph.queries import catalog

    try:
        curated, problem = list(catalog(current_app.config.get("QUERIES_DIR")).values()), None
    except SkillGraphError as e:  # the workbench still serves the editor and the graphs
        curated, problem = [], f"curated queries unavailable: {e}"
    graphs = resources.graph_attribution(state.graphs, [g.iri for g in state.graphs], request.script_root, state.store)
    for info, g in zip(graphs, state.graphs, strict=False):
        info["triples"] = g.triples
    fmts = {
        k: [{"name": f.name, "media": f.media_type} for f in formats.of_kind(k)]
        for k in (formats.RESULTS, formats.GRAPH)
    }
    html = render_template(
        "workbench.html",
        base=request.script_root,
        build_id=build_id,
        graphs=graphs,
        curated=curated,
        problem=problem,
        start=prefixed(START),
        formats=fmts,
        prefixes=PREFIXES,
        result_limit=current_app.config.get("RESULT_LIMIT"),
    )
    return Response(html, content_type="text/html; charset=utf-8")


def take_over_home(app: Flask) -> None:
    """Serve the workbench wherever the app routes "/" (the rule stays the app's; its view becomes this)."""
    for rule in app.url_map.iter_rules():
        if rule.rule == "/":
            app.view_functions[rule.endpoint] = page
            return
    app.add_url_rule("/", "workbench", page)
