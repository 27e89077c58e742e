"""The SPARQL 1.1 Protocol service over the current build (Flask app factory).

Configuration keys (a dict passed to `create_app`):
  BUILD_DIR      build folder laid out as skillgraph/store.py describes (required). The app serves
                 the build CURRENT names and checks CURRENT on every request: a new build is
                 swapped in without a restart and the old store released.
  QUERY_TIMEOUT  seconds a query may run (default 30); an overrunning query's worker is killed
                 and the client gets 503.
  RESULT_LIMIT   rows (SELECT) or triples (CONSTRUCT/DESCRIBE) sent at most (default 10000); a
                 capped answer carries `X-SkillGraph-Truncated: true` and a `Warning` header.
  WORKERS        query worker processes (default 2). A query arriving while all are busy gets
                 503 with Retry-After at once (admission control), never a wait.
  MAX_MEMORY_MB  memory a query worker may use (default 2048; 0: no limit): an RLIMIT_DATA in the
                 worker and the server watching its resident size; over it the worker is killed
                 and the client gets 503 naming the limit.
  ALLOW_SERVICE  allow SERVICE (federated) clauses (default False). When False the workers also
                 run without network (their own empty network namespace), a second line of defence.
  QUERIES_DIR    folder of curated .rq files (default: the skillgraph.queries package).
  BACKEND        where queries run (server/backends.py): `local` (default, BUILD_DIR) or a SPARQL
                 1.1 query endpoint URL; BACKEND_UPDATE / BACKEND_GSP name a store's other services.

Routes come from the Blueprints in BLUEPRINTS: /sparql (protocol.py: queries; the service
description when there is no query), / (HTML), /queries (curated, JSON), /queries/<name> (run
one), /health (pages.py). A new set of routes is one more Blueprint in that list.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from skillgraph.errors import SkillGraphError
from skillgraph.store import NoBuild

from . import backends, blueprints, checks, pages, protocol
from .problems import HTTPProblem, text_response

DEFAULTS = {"QUERY_TIMEOUT": 30.0, "RESULT_LIMIT": 10000, "WORKERS": 2, "MAX_MEMORY_MB": 2048,
            "ALLOW_SERVICE": False, "QUERIES_DIR": None}
BLUEPRINTS = [protocol.bp, pages.bp]
EXPOSED_HEADERS = "X-SkillGraph-Truncated, X-SkillGraph-Count, X-SkillGraph-Build, Warning, Link, Retry-After"


def _config(config: dict | None) -> dict:
    cfg = dict(DEFAULTS)
    cfg.update(config or {})
    local = (cfg.get("BACKEND") or "local") == "local"
    if local and not cfg.get("BUILD_DIR"):
        raise ValueError("create_app needs config['BUILD_DIR'], the build folder to serve (or a remote BACKEND)")
    cfg["QUERY_TIMEOUT"] = float(cfg["QUERY_TIMEOUT"])
    cfg["RESULT_LIMIT"] = int(cfg["RESULT_LIMIT"])
    cfg["WORKERS"] = int(cfg["WORKERS"])
    cfg["MAX_MEMORY_MB"] = int(cfg["MAX_MEMORY_MB"] or 0)
    if cfg["QUERY_TIMEOUT"] <= 0 or cfg["RESULT_LIMIT"] < 1 or cfg["MAX_MEMORY_MB"] < 0:
        raise ValueError("QUERY_TIMEOUT must be > 0, RESULT_LIMIT >= 1 and MAX_MEMORY_MB >= 0")
    if local:
        cfg["BUILD_DIR"] = str(Path(cfg["BUILD_DIR"]).resolve())  # workers may start in another folder
    cfg["ALLOW_SERVICE"] = bool(cfg["ALLOW_SERVICE"])
    return cfg


def _cors(resp: Response) -> Response:
    """Any origin may read answers (the data is public, the endpoint read-only and without network)."""
    resp.headers.setdefault("Access-Control-Allow-Origin", "*")
    resp.headers.setdefault("Access-Control-Expose-Headers", EXPOSED_HEADERS)
    if request.method == "OPTIONS":  # preflight: a POST of application/sparql-query needs Content-Type
        resp.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
        resp.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
        resp.headers["Access-Control-Max-Age"] = "86400"
    return resp


def _http_exception(e: HTTPException) -> Response:
    """Werkzeug's own 4xx (404, 405, 413 ...) as plain text, keeping headers such as Allow."""
    headers = {k: v for k, v in e.get_headers() if k.lower() != "content-type"}
    return text_response(e.code or 500, f"{e.name}: {e.description}", headers)


def create_app(config: dict | None = None) -> Flask:
    """A Flask app serving the build in config['BUILD_DIR'] (see the module docstring for the keys)."""
    cfg = _config(config)
    app = Flask(__name__)
    app.config.update(cfg)
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024  # a query, not an upload
    app.extensions["skillgraph"] = backends.create(cfg)
    checks.inspect("ASK {}")  # load rdflib's SPARQL grammar now, not in the first request
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    blueprints.register(app)  # Linked Data, Graph Store, VoID, REST API, workbench
    app.register_error_handler(HTTPProblem, lambda e: text_response(e.status, e.message, e.headers))
    app.register_error_handler(NoBuild, lambda e: text_response(503, str(e)))
    # e.g. a curated .rq file with a bad header: the operator's problem, reported as it is
    app.register_error_handler(SkillGraphError, lambda e: text_response(500, str(e)))
    app.register_error_handler(HTTPException, _http_exception)
    app.after_request(_cors)
    return app
