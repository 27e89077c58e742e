"""Running a curated SELECT for the REST API through the same backend (worker pool) as /sparql.

The same QUERY_TIMEOUT and RESULT_LIMIT apply; the answer comes back as SPARQL JSON and is
handed over as variable names, binding dicts and whether RESULT_LIMIT cut it short.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app

from skillgraph.ontology import PREFIXES

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
