"""Queries run in worker processes, so that the server can enforce a timeout and a result cap.

pyoxigraph cannot cancel a running query, and a thread cannot be killed; a process can. Each
worker opens the build's store read-only (skillgraph.store.open_read_only), runs one job at a
time, serialises the answer itself and sends bytes back over a pipe. A worker that overruns
its time is killed and replaced by a fresh one. Workers are fresh interpreters (not forks: the
server is multi-threaded under waitress, and forking a threaded process is unsafe).
"""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import pyoxigraph as ox

from skillgraph.ontology import SERIALIZATION_PREFIXES

from .formats import FORMATS, GRAPH, RESULTS

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class QueryTimeout(Exception):
    """The query ran longer than QUERY_TIMEOUT; its worker was killed."""


class Busy(Exception):
    """No worker became free within QUERY_TIMEOUT."""


class WorkerDied(Exception):
    """The worker exited while running the query (e.g. out of memory)."""


@dataclass
class Job:
    build_dir: str
    build_id: str
    query: str
    formats: dict[str, str]  # kind -> format name: the worker answers in the one that fits the result
    limit: int
    substitutions: dict | None = None  # ox.Variable -> term (pyoxigraph terms pickle)
    default_graphs: list[str] | None = None  # protocol default-graph-uri values
    named_graphs: list[str] | None = None  # protocol named-graph-uri values
    prefixes: dict[str, str] = field(default_factory=dict)


@dataclass
class Answer:
    ok: bool
    status: int = 200
    body: bytes = b""
    format: str | None = None
    kind: str | None = None
    count: int = 0  # rows or triples sent
    truncated: bool = False
    error: str = ""
    seconds: float = 0.0


# ---------------------------------------------------------------- in the worker process

def _term_json(t) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != XSD_STRING:
            d["datatype"] = t.datatype.value
        return d
    if isinstance(t, ox.Triple):
        return {"type": "triple", "value": {"subject": _term_json(t.subject),
                                           "predicate": _term_json(t.predicate), "object": _term_json(t.object)}}
    raise TypeError(f"unexpected term {t!r}")


def _solutions(res: ox.QuerySolutions, fmt, limit: int) -> tuple[bytes, int, bool]:
    """At most `limit` rows, written by pyoxigraph (via a SPARQL JSON document of the kept rows)."""
    names = [v.value for v in res.variables]
    rows = []
    truncated = False
    for sol in res:
        if len(rows) >= limit:
            truncated = True
            break
        rows.append({n: _term_json(sol[n]) for n in names if sol[n] is not None})
    doc = json.dumps({"head": {"vars": names}, "results": {"bindings": rows}}).encode("utf-8")
    if fmt.ox_format == ox.QueryResultsFormat.JSON:
        return doc, len(rows), truncated
    parsed = ox.parse_query_results(doc, format=ox.QueryResultsFormat.JSON)
    return parsed.serialize(format=fmt.ox_format), len(rows), truncated


def _triples(res: ox.QueryTriples, fmt, limit: int, prefixes: dict) -> tuple[bytes, int, bool]:
    triples = []
    truncated = False
    for t in res:
        if len(triples) >= limit:
            truncated = True
            break
        triples.append(t)
    pfx = ({k: v for k, v in prefixes.items() if k in SERIALIZATION_PREFIXES}
           if fmt.ox_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None)
    return ox.serialize(triples, format=fmt.ox_format, prefixes=pfx), len(triples), truncated


class _StoreCache:
    """The one store a worker keeps open: replaced (and the old one released) when the build changes."""

    def __init__(self):
        self.key = None
        self.store = None

    def get(self, build_dir: str, build_id: str) -> ox.Store:
        from skillgraph.store import open_read_only

        if self.key != (build_dir, build_id):
            self.store = None  # drop the old build's store before opening the new one
            self.store = open_read_only(build_dir, build_id)
            self.key = (build_dir, build_id)
        return self.store


def run_job(job: Job, cache: _StoreCache) -> Answer:
    t0 = time.perf_counter()
    st = cache.get(job.build_dir, job.build_id)
    kwargs = {"prefixes": job.prefixes or None, "substitutions": job.substitutions or None}
    if job.default_graphs is not None or job.named_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs or []]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs or []]
    else:
        kwargs["use_default_graph_as_union"] = True
    res = st.query(job.query, **kwargs)
    if isinstance(res, ox.QueryBoolean):
        fmt = FORMATS.get(job.formats[RESULTS])
        body, n, trunc = res.serialize(format=fmt.ox_format), 1, False
    elif isinstance(res, ox.QuerySolutions):
        fmt = FORMATS.get(job.formats[RESULTS])
        body, n, trunc = _solutions(res, fmt, job.limit)
    else:
        fmt = FORMATS.get(job.formats[GRAPH])
        body, n, trunc = _triples(res, fmt, job.limit, job.prefixes)
    return Answer(True, 200, body, fmt.name, fmt.kind, n, trunc, seconds=time.perf_counter() - t0)


def _worker_main(conn_in, conn_out) -> None:
    from skillgraph.store import NoBuild

    cache = _StoreCache()
    while True:
        try:
            job = conn_in.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            ans = run_job(job, cache)
        except SyntaxError as e:
            ans = Answer(False, 400, error=f"malformed query: {e}")
        except NoBuild as e:
            ans = Answer(False, 503, error=str(e))
        except ValueError as e:  # e.g. a bad IRI in default-graph-uri
            ans = Answer(False, 400, error=str(e))
        except Exception as e:  # report, stay alive for the next job
            ans = Answer(False, 500, error=f"query failed: {type(e).__name__}: {e}")
        try:
            conn_out.send(ans)
        except (BrokenPipeError, OSError):
            return


# ---------------------------------------------------------------- in the server process

class _Worker:
    """One worker: a fresh `python -c` process talking pickles over its stdin/stdout pipes.

    A plain subprocess rather than multiprocessing's spawn, which re-imports the parent's
    __main__ (breaking or recursing when the server runs from a script or stdin).
    """

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", _ENTRY], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     close_fds=True)
        self.conn_out = Connection(os.dup(self.proc.stdin.fileno()), readable=False)
        self.conn_in = Connection(os.dup(self.proc.stdout.fileno()), writable=False)
        self.proc.stdin.close()
        self.proc.stdout.close()

    def is_alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.conn_out.close()
        self.conn_in.close()


_ENTRY = "from skillgraph.server.executor import worker_entry; worker_entry()"


def worker_entry() -> None:
    """Entry point of a worker process: jobs arrive on stdin, answers leave on the original stdout.

    Anything else printed to stdout (by a library) is sent to stderr so it cannot corrupt the pipe.
    """
    out_fd = os.dup(1)
    os.dup2(2, 1)
    _worker_main(Connection(0, writable=False), Connection(out_fd, readable=False))


class WorkerPool:
    """A fixed number of query worker processes; a job waits for a free one."""

    def __init__(self, size: int = 2):
        if size < 1:
            raise ValueError(f"WORKERS must be at least 1, got {size}")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self.size = size
        self.restarts = 0
        self._all: set[_Worker] = set()
        for _ in range(size):
            self._add()

    def _add(self) -> None:
        w = _Worker()
        with self._lock:
            self._all.add(w)
        self._idle.put(w)

    def _replace(self, w: _Worker) -> None:
        w.kill()
        with self._lock:
            self._all.discard(w)
            self.restarts += 1
            closed = self._closed
        if not closed:
            self._add()

    def run(self, job: Job, timeout: float) -> Answer:
        """Run a job on a free worker; QueryTimeout after `timeout` seconds of running (worker replaced)."""
        if self._closed:
            raise RuntimeError("the worker pool is closed")
        try:
            w = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise Busy(f"all {self.size} query workers stayed busy for {timeout:g} s") from None
        good = False
        try:
            w.conn_out.send(job)
            if not w.conn_in.poll(timeout):
                raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped")
            ans = w.conn_in.recv()
            good = True
            return ans
        except (EOFError, BrokenPipeError, ConnectionResetError) as e:
            raise WorkerDied(f"the query worker exited while running the query ({type(e).__name__})") from None
        finally:
            if good and w.is_alive():
                self._idle.put(w)
            else:
                self._replace(w)

    def alive(self) -> int:
        with self._lock:
            return sum(1 for w in self._all if w.is_alive())

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.kill()
