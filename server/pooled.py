"""Running a curated SELECT for the REST API through the same backend (worker pool) as /sparql.

The same QUERY_TIMEOUT and RESULT_LIMIT apply; the answer comes back as SPARQL JSON and is
handed over as variable names, binding dicts and whether RESULT_LIMIT cut it short.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import pyoxigraph as ox
from flask import current_app

from skillgraph.ontology import PREFIXES
from skillgraph.queries import LevelLookup, store_levels

from .executor import Busy, Job, MemoryLimit, QueryTimeout, WorkerDied
from .formats import GRAPH, RESULTS
from .problems import HTTPProblem


@dataclass
class Rows:
    """A SELECT result as plain rows, for handlers that render HTML or JSON themselves."""
    build_id: str
    variables: list[str]
    bindings: list[dict]  # SPARQL JSON bindings: var -> {"type", "value", ...}
    truncated: bool


def select(text: str) -> Rows:
    """Run a SELECT through the worker pool (limits and timeouts applied) and return its rows."""
    state = current_app.extensions["skillgraph"]
    cfg = current_app.config
    build_id = state.current()
    job = Job(state.build_dir, build_id, text, {RESULTS: "json", GRAPH: "turtle"}, cfg["RESULT_LIMIT"],
              form="SELECT", prefixes=PREFIXES)
    try:
        ans = state.run(job, cfg["QUERY_TIMEOUT"])
    except QueryTimeout as e:
        raise HTTPProblem(503, f"{e} (QUERY_TIMEOUT {cfg['QUERY_TIMEOUT']:g} s)", {"Retry-After": "1"}) from None
    except Busy as e:
        raise HTTPProblem(503, f"{e}; try again shortly", {"Retry-After": "5"}) from None
    except (MemoryLimit, WorkerDied) as e:
        raise HTTPProblem(503, f"{e}; narrow the request") from None
    if not ans.ok:
        raise HTTPProblem(ans.status, ans.error)
    doc = json.loads(ans.body)
    if "results" not in doc:
        raise HTTPProblem(500, "the query is not a SELECT query")
    return Rows(build_id, doc["head"]["vars"], doc["results"]["bindings"], ans.truncated)


def level_lookup() -> LevelLookup:
    """What a framework level sg:mapsToLevel in the served build, for a curated query's `level` parameter:
    one index read on the embedded store; on a remote store, a one-pattern SELECT through the backend."""
    state = current_app.extensions["skillgraph"]
    state.current()
    if getattr(state, "store", None) is not None:
        return store_levels(state.store)

    def mapped(level: ox.NamedNode) -> list[ox.NamedNode]:
        rows = select(f"SELECT ?shared WHERE {{ {level} <{PREFIXES['sg']}mapsToLevel> ?shared }}")
        return [ox.NamedNode(b["shared"]["value"]) for b in rows.bindings if b.get("shared", {}).get("type") == "uri"]

    return mapped
