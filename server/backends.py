"""Where the endpoint's queries run: the embedded build (worker pool) or a remote SPARQL 1.1 store.

The app talks to one backend object: `current()` (the build id, NoBuild if none), `graphs`
(GraphInfo list for the service description), `run(job, timeout)` (an executor.Answer, or
QueryTimeout/Busy/WorkerDied), `health()` and `close()`. The read-only rules (no updates, no
SERVICE) are checked by the app before a query reaches either backend; the remote backend adds
a second line of defence (SPARQLWrapper's own classification must be a query form).

A backend is chosen by configuration: `BACKEND` is `local` (default: the build folder), or an
endpoint URL whose scheme picks the store layout (`http(s)://` any SPARQL 1.1 store: the query URL
as given; `oxigraph+http://host:port`, `fuseki+http://host:port/dataset` and `virtuoso+http://host:port`
also derive the update and Graph Store endpoints). Unknown schemes or names raise ValueError listing
the valid ones. Credentials never go in the URL (it is logged and shown by /health): see publish.credentials.

A remote store is "managed" when `skillgraph publish` loaded it: a pointer graph (MANIFEST) names
the live build and its graphs, and every query is sent with those graphs as its dataset
(default-graph-uri = named-graph-uri = the live graphs), so a reader never sees the staging graphs
of a publish in progress and the default graph is their union on any store. A query is checked
against the pointer before and after it runs (build ids never recur), so its answer belongs to one
build; a store loaded by other means ("unmanaged") is queried as it is.
"""
from __future__ import annotations

import os
import socket
import threading
import time
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox

from skillgraph import iri
from skillgraph import store as store_mod
from skillgraph.registry import Registry
from skillgraph.store import NoBuild

from . import description
from .executor import Answer, Busy, Job, QueryTimeout, WorkerPool, _solutions, _triples
from .formats import FORMATS, GRAPH, RESULTS

MANIFEST = str(iri.graph("current"))
DCTERMS = "http://purl.org/dc/terms/"
VOID_TRIPLES = "http://rdfs.org/ns/void#triples"
UNMANAGED = "unmanaged"
# Virtuoso answers 200 with partial results when its MaxQueryExecutionTime runs out ("anytime queries"),
# flagged only by this header; SkillGraph never passes such an answer on as if it were whole
ANYTIME_STATE = "S1TAT"


class BackendError(Exception):
    """The remote store failed or could not be reached (the client gets 502)."""


# ---------------------------------------------------------------- the embedded build

class LocalBackend:
    """The build folder's CURRENT build, queried by the worker pool (swapped in when CURRENT changes).

    Query work never runs on `self.store` (workers open their own); it only answers the service
    description and the home page, from small indexed lookups.
    """

    def __init__(self, cfg: dict):
        self.build_dir = str(cfg["BUILD_DIR"])
        mb = cfg.get("MAX_MEMORY_MB") or 0
        self.pool = WorkerPool(cfg["WORKERS"], max_memory=mb * 2**20 if mb else None,
                               isolate_network=not cfg["ALLOW_SERVICE"], warm_build_dir=self.build_dir)
        self._lock = threading.Lock()
        self.build_id: str | None = None
        self.store: ox.Store | None = None
        self.graphs: list[description.GraphInfo] = []
        self.swaps = 0
        self._current_file = os.path.join(self.build_dir, "CURRENT")
        self._current_key: tuple | None = None
        self._current_value: str | None = None

    def _current_id(self) -> str | None:
        """CURRENT's build id, read again only when the file changed (publish replaces it with os.replace,
        so a new build is a new inode): one stat per request instead of an open and a read."""
        try:
            st = os.stat(self._current_file)
        except FileNotFoundError:
            return None
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if key != self._current_key:
            self._current_key, self._current_value = key, store_mod.current_id(self.build_dir)
        return self._current_value

    def current(self) -> str:
        """The CURRENT build id, swapping the served build in if CURRENT changed; NoBuild if none."""
        cur = self._current_id()
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

    def run(self, job: Job | Callable[[], Job], timeout: float) -> Answer:
        """Run on a free worker (Busy at once if none): see WorkerPool.run."""
        return self.pool.run(job, timeout)

    def health(self) -> dict:
        """The worker pool's state, for /health."""
        pool = self.pool
        return {"workers": pool.alive(), "workers_idle": pool.idle(), "worker_restarts": pool.restarts,
                "memory_kills": pool.memory_kills}

    def defences(self) -> dict:
        """The worker confinement in force (what /health reports)."""
        r, mb = self.pool.report, self.pool.max_memory
        return {"worker_network_namespace": r.get("network_isolated"),
                "worker_parent_death_signal": r.get("parent_death_signal", False),
                "worker_lifeline_pipe": r.get("lifeline", False),
                "worker_memory_rlimit": r.get("memory_rlimit"),
                "worker_memory_watch_mb": mb // 2**20 if mb else None}

    def close(self) -> None:
        """Stop the workers and drop the store when the app shuts down."""
        self.pool.close()
        self.store = None


# ---------------------------------------------------------------- a remote SPARQL 1.1 store

@dataclass(frozen=True)
class Endpoints:
    """A remote store's three services; `update`/`gsp` are None where unknown (reading needs neither)."""

    query: str
    update: str | None = None
    gsp: str | None = None


@dataclass(frozen=True)
class Layout:
    """How a store lays out its services under a base URL (None: the URL is the query endpoint)."""

    name: str
    query: str | None = None
    update: str | None = None
    gsp: str | None = None


LAYOUTS: Registry[Layout] = Registry("store layout")
for _l in (Layout("http"), Layout("https"),
           Layout("oxigraph+http", "query", "update", "store"), Layout("oxigraph+https", "query", "update", "store"),
           Layout("fuseki+http", "query", "update", "data"), Layout("fuseki+https", "query", "update", "data"),
           # Virtuoso: anonymous read-only /sparql; writes need an account (digest auth) on the *-auth services
           Layout("virtuoso+http", "sparql", "sparql-auth", "sparql-graph-crud-auth"),
           Layout("virtuoso+https", "sparql", "sparql-auth", "sparql-graph-crud-auth")):
    LAYOUTS.register(_l.name, _l)


def endpoints(url: str, update: str | None = None, gsp: str | None = None) -> Endpoints:
    """The services of the store at `url` (scheme from LAYOUTS); explicit update/gsp URLs win."""
    parts = urlsplit(url)
    layout = LAYOUTS.get(parts.scheme.lower())
    if parts.username is not None or parts.password is not None:  # the URL is logged and shown by /health
        raise ValueError(f"the endpoint URL for host {parts.hostname or '(none)'} carries user info: give the "
                         "account in SKILLGRAPH_STORE_USER and SKILLGRAPH_STORE_PASSWORD or ~/.netrc, never in the URL")
    if not parts.hostname:
        raise ValueError(f"{url!r} is not an endpoint URL: it names no host")
    scheme = parts.scheme.lower().split("+")[-1]
    base = urlunsplit((scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
    if layout.query is None:
        return Endpoints(urlunsplit((scheme, parts.netloc, parts.path, parts.query, "")), update, gsp)
    return Endpoints(f"{base}/{layout.query}", update or f"{base}/{layout.update}", gsp or f"{base}/{layout.gsp}")


@dataclass(frozen=True)
class Pointer:
    """What the MANIFEST graph says: the live build and its graphs (with triple counts)."""

    build_id: str
    graphs: dict[str, int | None]


def _sparqlwrapper(url: str, timeout: float):
    from SPARQLWrapper import POST, SPARQLWrapper

    sw = SPARQLWrapper(url)
    sw.setMethod(POST)
    # Accept alone picks the answer's format: without this SPARQLWrapper also sends format=xml (its default
    # return format), a parameter outside the SPARQL protocol that Virtuoso obeys, answering 406 to our Accept
    sw.setOnlyConneg(True)
    sw.setTimeout(max(1, int(round(timeout))))
    return sw


def _open(sw, text: str, accept: str):
    """Send a query (never an update) and return the raw HTTP response; errors as BackendError/QueryTimeout."""
    from SPARQLWrapper import SPARQLExceptions

    sw.setQuery(text)
    if sw.isSparqlUpdateRequest():  # second line of defence: never forward anything SPARQLWrapper sends as update
        raise PermissionError("SPARQLWrapper classifies this text as an update; the endpoint is read-only")
    sw.clearCustomHttpHeader("Accept")
    sw.addCustomHttpHeader("Accept", accept)
    try:
        resp = sw.query().response
        if resp.headers.get("X-SQL-State") == ANYTIME_STATE:
            resp.close()
            raise QueryTimeout(f"the store at {sw.endpoint} stopped the query at its own time limit and sent an "
                               f"incomplete answer (X-SQL-State {ANYTIME_STATE}: a Virtuoso 'anytime' result)")
        return resp
    except SPARQLExceptions.QueryBadFormed as e:
        raise SyntaxError(f"the store refused the query: {e}") from None
    except SPARQLExceptions.SPARQLWrapperException as e:
        raise BackendError(f"the store at {sw.endpoint} answered with an error: {e}") from None
    except TimeoutError:
        raise QueryTimeout(f"the store at {sw.endpoint} sent no answer in time") from None
    except urllib.error.URLError as e:
        if isinstance(e.reason, (TimeoutError, socket.timeout)):
            raise QueryTimeout(f"the store at {sw.endpoint} sent no answer in time") from None
        raise BackendError(f"cannot reach the store at {sw.endpoint}: {e.reason}") from None


def _deadline(items, t_end: float, endpoint: str):
    """The items of a streamed answer, stopping with QueryTimeout once the deadline has passed."""
    for x in items:
        if time.monotonic() > t_end:
            raise QueryTimeout(f"the store at {endpoint} took longer than the timeout to send its answer")
        yield x


class RemoteBackend:
    """A SPARQL 1.1 store reached over HTTP with SPARQLWrapper; SkillGraph keeps timeout and row cap."""

    def __init__(self, cfg: dict):
        self.endpoints = endpoints(cfg["BACKEND"], cfg.get("BACKEND_UPDATE"), cfg.get("BACKEND_GSP"))
        self.build_dir = self.endpoints.query
        self.meta_timeout = min(10.0, float(cfg["QUERY_TIMEOUT"]))
        self._lock = threading.Lock()
        self.build_id: str | None = None
        self.graphs: list[description.GraphInfo] = []
        self.pointer: Pointer | None = None
        self.store = None  # no local store: routes needing one answer 501 (local_state)
        self.swaps = 0
        self.size = int(cfg.get("WORKERS") or 2)
        self._slots = threading.BoundedSemaphore(self.size)  # admission: as many queries at once as workers

    def _select(self, text: str, dataset: list[str] | None = None) -> list[dict]:
        sw = _sparqlwrapper(self.endpoints.query, self.meta_timeout)
        for g in dataset or ():
            sw.addDefaultGraph(g)
        resp = _open(sw, text, "application/sparql-results+json")
        with resp:
            res = ox.parse_query_results(resp, format=ox.QueryResultsFormat.JSON)
            names = [v.value for v in res.variables]
            return [{n: sol[n] for n in names} for sol in res]

    def read_pointer(self) -> Pointer | None:
        """The MANIFEST graph's build id and graph list; None when the store was not loaded by `publish`."""
        rows = self._select(
            f"SELECT ?id ?g ?n WHERE {{ GRAPH <{MANIFEST}> {{ <{MANIFEST}> <{DCTERMS}identifier> ?id ; "
            f"<{DCTERMS}hasPart> ?g . OPTIONAL {{ ?g <{VOID_TRIPLES}> ?n }} }} }}")
        ids = {r["id"].value for r in rows}
        if not ids:
            return None
        if len(ids) > 1:
            raise BackendError(f"the store's pointer graph <{MANIFEST}> names {len(ids)} builds: {sorted(ids)}")
        return Pointer(ids.pop(), {r["g"].value: int(r["n"].value) if r.get("n") else None for r in rows})

    def current(self) -> str:
        """The build the remote store serves now, re-read each request so a publish is seen at once."""
        try:
            ptr = self.read_pointer()
        except (BackendError, QueryTimeout, SyntaxError) as e:
            raise NoBuild(f"the SPARQL store at {self.endpoints.query} does not answer: {e}") from None
        build_id = ptr.build_id if ptr else UNMANAGED
        if build_id != self.build_id or ptr != self.pointer:
            with self._lock:
                self._swap(ptr)
        return build_id

    def _swap(self, ptr: Pointer | None) -> None:
        if ptr is None:  # loaded by other means: list what the store holds
            names = sorted(r["g"].value for r in self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"))
            counts: dict[str, int | None] = dict.fromkeys(names)
        else:
            names, counts = sorted(ptr.graphs), ptr.graphs
        graphs = [description.GraphInfo(g, counts.get(g), self._self_description(g, ptr is not None))
                  for g in names]
        if self.build_id is not None:
            self.swaps += 1
        self.graphs, self.pointer, self.build_id = graphs, ptr, (ptr.build_id if ptr else UNMANAGED)

    def _self_description(self, g: str, managed: bool) -> list[ox.Triple]:
        """What graph g says about itself (and blank nodes it points to, one level deep), as local graph_infos."""
        sw = _sparqlwrapper(self.endpoints.query, self.meta_timeout)
        if managed:
            sw.addNamedGraph(g)
        resp = _open(sw, f"CONSTRUCT {{ <{g}> ?p ?o . ?o ?p2 ?o2 }} WHERE {{ GRAPH <{g}> {{ <{g}> ?p ?o . "
                         f"OPTIONAL {{ FILTER(isBlank(?o)) ?o ?p2 ?o2 }} }} }}", "application/n-triples")
        with resp:
            return [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(resp, format=ox.RdfFormat.N_TRIPLES)]

    def run(self, job: Job | Callable[[], Job], timeout: float) -> Answer:
        """Run the query on the build the pointer names before and after it (re-run once if a publish
        switched builds meanwhile); job.build_id is set to the build that answered.

        Admission as for the worker pool: Busy at once when WORKERS queries are already running.
        """
        if not self._slots.acquire(blocking=False):
            raise Busy(f"all {self.size} query slots are busy")
        try:
            return self._run_admitted(job() if callable(job) else job, timeout)
        finally:
            self._slots.release()

    def _run_admitted(self, job: Job, timeout: float) -> Answer:
        t0 = time.monotonic()
        try:
            ptr = self.pointer  # one read: other requests may replace it
            if ptr is not None and ptr.build_id != job.build_id:
                ptr = self.read_pointer()
            for _ in range(2):
                ans = self._run(job, ptr, timeout - (time.monotonic() - t0), t0)
                after = self.read_pointer() if ptr is not None else None
                if after == ptr:
                    job.build_id = ptr.build_id if ptr else UNMANAGED
                    return ans
                ptr = after
            return Answer(False, 503, error="the store switched builds twice while the query ran; send it again")
        except SyntaxError as e:
            return Answer(False, 400, error=f"malformed query: {e}")
        except PermissionError as e:
            return Answer(False, 403, error=str(e))
        except BackendError as e:
            return Answer(False, 502, error=str(e))

    def _run(self, job: Job, ptr: Pointer | None, timeout: float, t0: float) -> Answer:
        if timeout <= 0:
            raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped")
        form = job.form or "SELECT"
        sw = _sparqlwrapper(self.endpoints.query, timeout)
        if job.default_graphs is not None or job.named_graphs is not None:
            defaults, named = job.default_graphs or [], job.named_graphs or []
        else:  # the live graphs, as both the default graph (their union) and the named graphs
            defaults = named = sorted(ptr.graphs) if ptr is not None else []
        for g in defaults:
            sw.addDefaultGraph(g)
        for g in named:
            sw.addNamedGraph(g)
        text = "".join(f"PREFIX {k}: <{v}>\n" for k, v in job.prefixes.items()) + job.query
        t_end = time.monotonic() + timeout
        if form in ("CONSTRUCT", "DESCRIBE"):
            fmt = FORMATS.get(job.formats[GRAPH])
            resp = _open(sw, text, "application/n-triples, text/turtle;q=0.9")
            with resp:
                rdf = ox.RdfFormat.from_media_type(resp.headers.get_content_type()) or ox.RdfFormat.TURTLE
                quads = _deadline(ox.parse(resp, format=rdf), t_end, self.endpoints.query)
                body, n, trunc = _triples((q.triple if isinstance(q, ox.Quad) else q for q in quads),
                                          fmt, job.limit, job.prefixes)
            return Answer(True, 200, body, fmt.name, fmt.kind, n, trunc, seconds=time.monotonic() - t0)
        fmt = FORMATS.get(job.formats[RESULTS])
        resp = _open(sw, text, "application/sparql-results+json")
        with resp:
            res = ox.parse_query_results(resp, format=ox.QueryResultsFormat.JSON)
            if isinstance(res, ox.QueryBoolean):
                body, n, trunc = res.serialize(format=fmt.ox_format), 1, False
            else:
                body, n, trunc = _solutions(_Rows(res, t_end, self.endpoints.query), fmt, job.limit)
        return Answer(True, 200, body, fmt.name, fmt.kind, n, trunc, seconds=time.monotonic() - t0)

    def health(self) -> dict:
        """Which remote store is used and whether it is managed by `skillgraph publish`, for /health."""
        return {"backend": self.endpoints.query, "managed": self.pointer is not None}

    def defences(self) -> dict:
        """No local workers: the store's own limits apply beside SkillGraph's timeout and row cap."""
        return {"remote_store": self.endpoints.query}

    def close(self) -> None:
        """Nothing to release: the remote store is not ours to stop."""
        pass


class _Rows:
    """QuerySolutions with a deadline on iteration (what executor._solutions reads: variables, rows)."""

    def __init__(self, res: ox.QuerySolutions, t_end: float, endpoint: str):
        self.variables = res.variables
        self._it = _deadline(res, t_end, endpoint)

    def __iter__(self):
        return self._it


def local_state():
    """The current app's backend, with CURRENT checked, for routes that read the build's own store.

    Linked Data pages, the Graph Store and the REST API's look-ups read the embedded store's
    indexes directly; on a remote backend they answer 501 (use /sparql, which the store serves).
    """
    from flask import current_app

    from .problems import HTTPProblem

    st = current_app.extensions["skillgraph"]
    st.current()
    if getattr(st, "store", None) is None:
        raise HTTPProblem(501, "this route reads the embedded build's store; this server answers from a remote "
                               "SPARQL store (--backend): use /sparql or the curated queries at /queries")
    return st


# ---------------------------------------------------------------- choosing one

BACKENDS: Registry[type] = Registry("backend")
BACKENDS.register("local", LocalBackend)
BACKENDS.register("sparql", RemoteBackend)


def create(cfg: dict):
    """The backend for cfg['BACKEND']: a registered name, or an endpoint URL (a LAYOUTS scheme)."""
    name = cfg.get("BACKEND") or "local"
    if "://" in name:
        scheme = urlsplit(name).scheme.lower()
        if scheme not in LAYOUTS:
            valid = ", ".join(f"{s}://" for s in LAYOUTS.keys())
            raise ValueError(f"unknown backend URL scheme {scheme!r} in {name!r}; valid schemes are: {valid} "
                             f"(or a backend name: {', '.join(BACKENDS.keys())})")
        return RemoteBackend(cfg)
    if name == "sparql":
        raise ValueError("the sparql backend needs the store's endpoint URL as BACKEND (e.g. http://host:port/query)")
    return BACKENDS.get(name)(cfg)
