"""The SPARQL 1.1 Protocol service over the current build (Flask app factory).

Configuration keys (a dict passed to `create_app`):
  BUILD_DIR      build folder laid out as skillgraph/store.py describes (required). The app serves
                 the build CURRENT names and checks CURRENT on every request: a new build is
                 swapped in without a restart and the old store released.
  QUERY_TIMEOUT  seconds a query may run (default 30); an overrunning query's worker is killed
                 and the client gets 503.
  RESULT_LIMIT   rows (SELECT) or triples (CONSTRUCT/DESCRIBE) sent at most (default 10000); a
                 capped answer carries `X-SkillGraph-Truncated: true` and a `Warning` header.
  WORKERS        query worker processes (default 2).
  ALLOW_SERVICE  allow SERVICE (federated) clauses (default False).
  QUERIES_DIR    folder of curated .rq files (default: the skillgraph.queries package).

Routes: /sparql (queries; the service description when there is no query), / (HTML), /queries
(curated queries, JSON), /queries/<name> (run one), /health.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pyoxigraph as ox
from flask import Flask, Response, request

from skillgraph import store as store_mod
from skillgraph.ontology import PREFIXES
from skillgraph.errors import SkillGraphError
from skillgraph.store import NoBuild

from . import description, formats, sparqltext
from .executor import Busy, Job, QueryTimeout, WorkerDied, WorkerPool

DEFAULTS = {"QUERY_TIMEOUT": 30.0, "RESULT_LIMIT": 10000, "WORKERS": 2, "ALLOW_SERVICE": False, "QUERIES_DIR": None}
FORM_KIND = {"SELECT": formats.RESULTS, "ASK": formats.RESULTS,
             "CONSTRUCT": formats.GRAPH, "DESCRIBE": formats.GRAPH}


class HTTPProblem(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class BuildState:
    """The build being served: its id, a read-only store for descriptions, and its graph list.

    Query work never runs on this store (workers open their own); it only answers the service
    description and the home page, from small indexed lookups.
    """

    def __init__(self, build_dir: str | Path, pool: WorkerPool):
        self.build_dir = str(build_dir)
        self.pool = pool
        self._lock = threading.Lock()
        self.build_id: str | None = None
        self.store: ox.Store | None = None
        self.graphs: list[description.GraphInfo] = []
        self.swaps = 0

    def current(self) -> str:
        """The CURRENT build id, swapping the served build in if CURRENT changed; NoBuild if none."""
        cur = store_mod.current_id(self.build_dir)
        if cur is None:
            raise NoBuild(f"no good build in {self.build_dir}: run 'skillgraph build' first")
        if cur != self.build_id:
            with self._lock:
                if cur != self.build_id:
                    self._swap(cur)
        return cur

    def _swap(self, build_id: str) -> None:
        new = store_mod.open_read_only(self.build_dir, build_id)
        counts = store_mod.build_info(self.build_dir, build_id).get("graphs") or {}
        graphs = description.graph_infos(new, counts)
        old = self.store
        self.store, self.graphs, self.build_id = new, graphs, build_id
        if old is not None:
            self.swaps += 1
        del old  # the last reference: pyoxigraph closes the store when it is dropped

    def close(self) -> None:
        self.pool.close()
        self.store = None


def _config(config: dict | None) -> dict:
    cfg = dict(DEFAULTS)
    cfg.update(config or {})
    if not cfg.get("BUILD_DIR"):
        raise ValueError("create_app needs config['BUILD_DIR'], the build folder to serve")
    cfg["QUERY_TIMEOUT"] = float(cfg["QUERY_TIMEOUT"])
    cfg["RESULT_LIMIT"] = int(cfg["RESULT_LIMIT"])
    cfg["WORKERS"] = int(cfg["WORKERS"])
    if cfg["QUERY_TIMEOUT"] <= 0 or cfg["RESULT_LIMIT"] < 1:
        raise ValueError("QUERY_TIMEOUT must be > 0 and RESULT_LIMIT >= 1")
    cfg["ALLOW_SERVICE"] = bool(cfg["ALLOW_SERVICE"])
    return cfg


def _text(status: int, message: str, headers: dict | None = None) -> Response:
    r = Response(message.rstrip("\n") + "\n", status=status, content_type="text/plain; charset=utf-8")
    for k, v in (headers or {}).items():
        r.headers[k] = v
    return r


def create_app(config: dict | None = None) -> Flask:
    """A Flask app serving the build in config['BUILD_DIR'] (see the module docstring for the keys)."""
    cfg = _config(config)
    app = Flask(__name__)
    app.config.update(cfg)
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024  # a query, not an upload
    state = BuildState(cfg["BUILD_DIR"], WorkerPool(cfg["WORKERS"]))
    app.extensions["skillgraph"] = state

    @app.errorhandler(HTTPProblem)
    def _problem(e: HTTPProblem):
        return _text(e.status, e.message, e.headers)

    @app.errorhandler(NoBuild)
    def _nobuild(e: NoBuild):
        return _text(503, str(e))

    @app.after_request
    def _cors(resp: Response):
        resp.headers.setdefault("Access-Control-Allow-Origin", "*")
        return resp

    def run_query(text: str, substitutions=None, dataset: tuple | None = None) -> Response:
        form = sparqltext.query_form(text)
        if form in sparqltext.UPDATE_KEYWORDS:
            raise HTTPProblem(400, f"this is a SPARQL Update ({form}), sent as a query; the endpoint is "
                                   "read-only and runs queries (SELECT, ASK, CONSTRUCT, DESCRIBE) only")
        if not cfg["ALLOW_SERVICE"] and sparqltext.uses_service(text):
            raise HTTPProblem(403, "SERVICE (federated query) is disabled on this endpoint; "
                                   "the operator can enable it with ALLOW_SERVICE")
        accept = request.headers.get("Accept")
        fparams = request.values.getlist("format")
        kind = FORM_KIND.get(form)
        if kind and fparams and not any(formats.by_name(kind, v) for v in fparams):
            valid = ", ".join(f.name for f in formats.of_kind(kind))
            raise HTTPProblem(406, f"format={','.join(fparams)} cannot answer a {form} query; valid formats: {valid}")
        chosen = {}
        for k in (formats.RESULTS, formats.GRAPH):
            f = formats.negotiate(k, accept, fparams)
            if f is None and k == kind:
                offered = ", ".join(formats.acceptable(k))
                raise HTTPProblem(406, f"cannot answer a {form} query in any type you accept (Accept: {accept}); "
                                       f"acceptable types: {offered}")
            chosen[k] = (f or formats.FORMATS.get(formats.DEFAULT[k])).name
        build_id = state.current()
        default_graphs, named_graphs = dataset or (None, None)
        job = Job(state.build_dir, build_id, text, chosen, cfg["RESULT_LIMIT"], substitutions,
                  default_graphs, named_graphs, PREFIXES)
        try:
            ans = state.pool.run(job, cfg["QUERY_TIMEOUT"])
        except QueryTimeout as e:
            raise HTTPProblem(503, f"{e}: QUERY_TIMEOUT is {cfg['QUERY_TIMEOUT']:g} s on this endpoint; "
                                   "narrow the query or add a LIMIT", {"Retry-After": "1"})
        except Busy as e:
            raise HTTPProblem(503, f"{e}; try again shortly", {"Retry-After": "5"})
        except WorkerDied as e:
            raise HTTPProblem(500, str(e))
        if not ans.ok:
            raise HTTPProblem(ans.status, ans.error)
        fmt = formats.FORMATS.get(ans.format)
        resp = Response(ans.body, status=200, content_type=fmt.content_type)
        resp.headers["Vary"] = "Accept"
        resp.headers["X-SkillGraph-Build"] = build_id
        resp.headers["X-SkillGraph-Count"] = str(ans.count)
        if ans.truncated:
            unit = "rows" if fmt.kind == formats.RESULTS else "triples"
            resp.headers["X-SkillGraph-Truncated"] = "true"
            resp.headers["Warning"] = (f'199 - "result truncated to the first {cfg["RESULT_LIMIT"]} {unit} '
                                       f'(RESULT_LIMIT); use LIMIT/OFFSET to page"')
        return resp

    def dataset_params(source) -> tuple | None:
        d, n = source.getlist("default-graph-uri"), source.getlist("named-graph-uri")
        return (d, n) if d or n else None

    @app.route("/sparql", methods=["GET", "POST"])
    def sparql():
        if request.method == "GET":
            if "update" in request.args:
                raise HTTPProblem(403, "SPARQL Update is not allowed: this endpoint is read-only")
            queries = request.args.getlist("query")
            if not queries:
                return service_description()
            params = request.args
        else:
            ctype = (request.mimetype or "").lower()
            if ctype == "application/sparql-update":
                raise HTTPProblem(403, "SPARQL Update is not allowed: this endpoint is read-only")
            if ctype == "application/x-www-form-urlencoded":
                if "update" in request.form:
                    raise HTTPProblem(403, "SPARQL Update is not allowed: this endpoint is read-only")
                queries = request.form.getlist("query")
                params = request.values
            elif ctype == "application/sparql-query":
                try:
                    queries = [request.get_data(cache=False).decode(request.mimetype_params.get("charset", "utf-8"))]
                except (UnicodeDecodeError, LookupError) as e:
                    raise HTTPProblem(400, f"the query body is not text in the declared charset: {e}") from None
                params = request.args
            else:
                raise HTTPProblem(415, f"unsupported Content-Type {ctype or '(none)'!r}; POST "
                                       "application/x-www-form-urlencoded (query=...) or application/sparql-query")
            if not queries:
                raise HTTPProblem(400, "no query: send query=... (form) or the query text as application/sparql-query")
        if len(queries) > 1:
            raise HTTPProblem(400, "more than one query parameter; send exactly one")
        if not queries[0].strip():
            raise HTTPProblem(400, "the query is empty")
        return run_query(queries[0], dataset=dataset_params(params))

    def service_description() -> Response:
        state.current()
        f = formats.negotiate(formats.GRAPH, request.headers.get("Accept"), request.args.getlist("format"))
        if f is None:
            raise HTTPProblem(406, "the service description is RDF; acceptable types: "
                                   + ", ".join(formats.acceptable(formats.GRAPH)))
        triples = description.service_description(request.base_url, state.graphs, cfg["ALLOW_SERVICE"])
        pfx = description.SD_PREFIXES if f.ox_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
        resp = Response(ox.serialize(triples, format=f.ox_format, prefixes=pfx), content_type=f.content_type)
        resp.headers["Vary"] = "Accept"
        return resp

    def curated() -> list[dict]:
        from skillgraph.queries import catalog

        return [q.to_json() for q in catalog(cfg["QUERIES_DIR"]).values()]

    @app.errorhandler(SkillGraphError)
    def _skillgraph_error(e: SkillGraphError):  # e.g. a curated .rq file with a bad header
        return _text(500, str(e))

    @app.get("/")
    def home():
        build_id = state.current()
        try:
            listed, problem = curated(), None
        except SkillGraphError as e:  # the page still serves the form and the graphs
            listed, problem = [], f"curated queries unavailable: {e}"
        page = description.home_page(build_id, state.graphs, listed, problem)
        return Response(page, content_type="text/html; charset=utf-8")

    @app.get("/queries")
    def queries():
        return Response(json.dumps(curated(), indent=2), content_type="application/json")

    @app.get("/queries/<name>")
    def run_curated(name: str):
        from skillgraph.queries import get

        try:
            cq = get(name, cfg["QUERIES_DIR"])
        except ValueError as e:
            raise HTTPProblem(404, str(e)) from None
        args = {k: v for k, v in request.args.items() if k not in ("format", "output", "results")}
        try:
            text = cq.bind(args)  # parameters inlined: Oxigraph filters substitutions only at the end
        except ValueError as e:
            raise HTTPProblem(400, str(e)) from None
        return run_query(text)

    @app.get("/health")
    def health():
        build_id = state.current()
        body = {"status": "ok", "build": build_id, "graphs": len(state.graphs),
                "workers": state.pool.alive(), "worker_restarts": state.pool.restarts}
        return Response(json.dumps(body), content_type="application/json")

    from .blueprints import register

    register(app)
    return app
