"""The pages around the endpoint: the home page, the curated queries (list and run) and /health.

/health and the home page never touch a query worker, so they answer while every worker is busy.
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request

from skillgraph.errors import SkillGraphError

from . import checks, description, pooled
from .api import curated_catalog
from .problems import HTTPProblem
from .protocol import check, endpoint_url, execute

bp = Blueprint("pages", __name__)


def curated(queries_dir) -> list[dict]:
    """The curated queries as JSON-ready dicts, for the workbench and /queries."""
    from skillgraph.queries import catalog

    return [q.to_json() for q in catalog(queries_dir).values()]


def health_report(state, cfg: dict) -> dict:
    """The build served, the backend's state (workers, defences in force: issue 10) and the limits."""
    return {
        "status": "ok", "build": state.current(), "graphs": len(state.graphs), **state.health(),
        "defences": {
            "service_check": "off (SERVICE allowed)" if cfg["ALLOW_SERVICE"] else "refused on the rdflib parse tree",
            **state.defences(),
            "query_timeout_s": cfg["QUERY_TIMEOUT"],
            "max_query_chars": checks.MAX_QUERY_CHARS,
        },
    }


@bp.get("/")
def home():
    """The landing page: what build is served and where to go next."""
    state, cfg = current_app.extensions["skillgraph"], current_app.config
    build_id = state.current()
    try:
        listed, problem = curated(cfg["QUERIES_DIR"]), None
    except SkillGraphError as e:  # the page still serves the form and the graphs
        listed, problem = [], f"curated queries unavailable: {e}"
    page = description.home_page(build_id, state.graphs, listed, problem, cfg["RESULT_LIMIT"])
    return Response(page, content_type="text/html; charset=utf-8")


@bp.get("/queries")
def queries():
    """List the curated queries as JSON."""
    return Response(json.dumps(curated(current_app.config["QUERIES_DIR"]), indent=2), content_type="application/json")


@bp.get("/queries/<name>")
def run_curated(name: str):
    """Run a curated query by name with its parameters.

    The server's check parses the query text bound with the query's defaults (cached: once per curated
    query), not each bound text: the parameters are inlined as typed terms (an IRI or an escaped literal,
    written by Oxigraph), which cannot change the query's form, add SERVICE or a dataset clause; and a
    new text per parameter value would cost an rdflib parse each (0.3-1 s for the flagship's).
    """
    state, cfg = current_app.extensions["skillgraph"], current_app.config
    cat = curated_catalog()
    if name not in cat:
        raise HTTPProblem(404, f"unknown curated query {name!r}; valid names are: {', '.join(sorted(cat)) or '(none)'}")
    cq = cat[name]
    args = {k: v for k, v in request.args.items() if k not in ("format", "output", "results")}
    lookup = pooled.level_lookup()
    try:
        text = cq.bind(args, lookup)
    except ValueError as e:
        raise HTTPProblem(400, str(e)) from None
    try:
        verdict = check(cq.bind(None, lookup), cfg["ALLOW_SERVICE"])
    except ValueError:  # a parameter without a default: check the bound text itself
        verdict = None
    return execute(state, cfg, text, request.args, request.headers.get("Accept"), endpoint_url(), request.host_url,
                   verdict)


@bp.get("/health")
def health():
    """Report the service's health (build, workers, store) as JSON for monitors."""
    state, cfg = current_app.extensions["skillgraph"], current_app.config
    return Response(json.dumps(health_report(state, cfg)), content_type="application/json")
