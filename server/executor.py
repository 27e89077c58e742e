"""Queries run in worker processes, so that the server can enforce a timeout, a memory limit and a result cap.

pyoxigraph cannot cancel a running query, and a thread cannot be killed; a process can. Each
worker opens the build's store read-only (skillgraph.store.open_read_only), runs one job at a
time, serialises the answer itself and sends bytes back over a pipe. A worker that overruns its
time or its memory is killed and replaced by a fresh one. Workers are fresh interpreters (not
forks: the server is multi-threaded under waitress, and forking a threaded process is unsafe),
started with `python -P` so the current folder is never on their import path.

A worker confines itself before it takes a job (see `confine`): its own empty network namespace
(no SERVICE/LOAD can reach anything, even if the server's check were wrong), a kernel signal when
the server dies (PR_SET_PDEATHSIG) plus a lifeline pipe whose EOF ends it, and an RLIMIT_DATA
memory cap. It reports which of these took effect; /health shows them.
"""
from __future__ import annotations

import io
import itertools
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import TypeVar

import pyoxigraph as ox

from skillgraph.ontology import SERIALIZATION_PREFIXES

from .formats import FORMATS, GRAPH, RESULTS

T = TypeVar("T")

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
NATIVE_BYTES = 4 * 2**20  # SELECT answers up to this size are serialised by Oxigraph in one pass


class QueryTimeout(Exception):
    """The query ran longer than QUERY_TIMEOUT; its worker was killed."""


class Busy(Exception):
    """No worker is free: the request is refused at once (admission control), not queued."""


class WorkerDied(Exception):
    """The worker exited while running the query (most often: it hit its memory limit)."""


class MemoryLimit(Exception):
    """The worker grew past MAX_MEMORY and was killed."""


@dataclass
class Job:
    """A query to run in a worker process, with everything the worker needs (picklable)."""
    build_dir: str
    build_id: str
    query: str
    formats: dict[str, str]  # kind -> format name: the worker answers in the one that fits the result
    limit: int
    form: str | None = None  # SELECT, ASK, CONSTRUCT or DESCRIBE, as the server's check parsed it
    base_iri: str | None = None
    truncation_link: str | None = None
    query_dataset: bool = False  # the query has FROM / FROM NAMED (then no union default graph)
    default_graphs: list[str] | None = None  # protocol default-graph-uri values
    named_graphs: list[str] | None = None  # protocol named-graph-uri values
    prefixes: dict[str, str] = field(default_factory=dict)


@dataclass
class Answer:
    """What a worker sends back: the serialized result or a status and error message."""
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


def _first(results: Iterable[T], limit: int) -> tuple[list[T], bool]:
    """At most `limit` results, and whether there were more (reading one past the limit to tell)."""
    it = iter(results)
    kept = list(itertools.islice(it, limit))
    return kept, next(it, _END) is not _END


_END = object()


def _solutions(res: ox.QuerySolutions, fmt, limit: int, link: str | None = None) -> tuple[bytes, int, bool]:
    """At most `limit` rows, written by pyoxigraph (via a SPARQL JSON document of the kept rows).

    A truncated answer says so in its body where the format has room: a `link` in the head of
    SPARQL JSON and XML results (both specs define it for "further metadata"); CSV and TSV have
    none, so there the headers alone tell.
    """
    names = [v.value for v in res.variables]
    sols, truncated = _first(res, limit)
    rows = [{n: _term_json(sol[n]) for n in names if sol[n] is not None} for sol in sols]
    head = {"vars": names}
    if truncated and link and fmt.ox_format == ox.QueryResultsFormat.JSON:
        head["link"] = [link]
    doc = json.dumps({"head": head, "results": {"bindings": rows}}).encode("utf-8")
    if fmt.ox_format == ox.QueryResultsFormat.JSON:
        return doc, len(rows), truncated
    parsed = ox.parse_query_results(doc, format=ox.QueryResultsFormat.JSON)
    body = parsed.serialize(format=fmt.ox_format)
    if truncated and link and fmt.ox_format == ox.QueryResultsFormat.XML:
        body = _xml_head_link(body, link)
    return body, len(rows), truncated


class _Capped(io.RawIOBase):
    """A byte sink that refuses to grow past `cap` bytes (BufferError), stopping Oxigraph's serialiser."""

    def __init__(self, cap: int):
        self.buf = bytearray()
        self.cap = cap

    def writable(self) -> bool:
        """A sink: always writable."""
        return True

    def write(self, b) -> int:
        """Append, or raise BufferError once the cap is passed."""
        self.buf += b
        if len(self.buf) > self.cap:
            raise BufferError("answer larger than the native path takes")
        return len(b)


def _solutions_native(res: ox.QuerySolutions, fmt, limit: int) -> tuple[bytes, int] | None:
    """A small SELECT answer in SPARQL JSON written by Oxigraph itself, in one pass, with its row count.

    None when the answer passes NATIVE_BYTES or holds more than `limit` rows: the caller then runs
    the query again on the row-capped path (`_solutions`), which stops after `limit` rows. Most
    answers are small, and for them this skips building every term in Python (the cap and the
    truncation note stay exactly as on the capped path, which is the only one that truncates).
    """
    if fmt.ox_format != ox.QueryResultsFormat.JSON:
        return None
    sink = _Capped(NATIVE_BYTES)
    try:
        res.serialize(sink, fmt.ox_format)
    except BufferError:
        return None
    body = bytes(sink.buf)
    rows = sum(1 for _ in ox.parse_query_results(body, format=fmt.ox_format))
    return (body, rows) if rows <= limit else None


def _xml_head_link(body: bytes, link: str) -> bytes:
    from xml.sax.saxutils import quoteattr

    tag = f"<link href={quoteattr(link)}/>".encode()
    if b"<head/>" in body:
        return body.replace(b"<head/>", b"<head>" + tag + b"</head>", 1)
    return body.replace(b"</head>", tag + b"</head>", 1)


def _graph_note(body: bytes, fmt, note: str) -> bytes:
    """A truncation note as a comment where the RDF syntax has comments (Turtle, N-Triples, RDF/XML)."""
    if fmt.ox_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES):
        return f"# {note}\n".encode() + body
    if fmt.ox_format == ox.RdfFormat.RDF_XML:
        comment = f"<!-- {note.replace('--', '- -')} -->\n".encode()
        end = body.find(b"?>") + 2 if body.startswith(b"<?xml") else 0
        return body[:end] + b"\n" + comment + body[end:].lstrip(b"\n")
    return body  # JSON-LD: no comments


def _triples(res: ox.QueryTriples, fmt, limit: int, prefixes: dict, link: str | None = None) -> tuple[bytes, int, bool]:
    triples, truncated = _first(res, limit)
    pfx = ({k: v for k, v in prefixes.items() if k in SERIALIZATION_PREFIXES}
           if fmt.ox_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None)
    body = ox.serialize(triples, format=fmt.ox_format, prefixes=pfx)
    if truncated:
        body = _graph_note(body, fmt, f"result truncated to the first {limit} triples (RESULT_LIMIT); "
                                      f"page with LIMIT/OFFSET{'; see ' + link if link else ''}")
    return body, len(triples), truncated


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
    """Run one query job against the build's store inside a worker, with result limits applied."""
    t0 = time.perf_counter()
    st = cache.get(job.build_dir, job.build_id)
    kwargs = {"prefixes": job.prefixes or None, "base_iri": job.base_iri}
    if job.default_graphs is not None or job.named_graphs is not None:  # the protocol's dataset wins
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs or []]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs or []]
    elif not job.query_dataset:  # FROM / FROM NAMED name the dataset themselves
        kwargs["use_default_graph_as_union"] = True
    res = st.query(job.query, **kwargs)
    if isinstance(res, ox.QueryBoolean):
        fmt = FORMATS.get(job.formats[RESULTS])
        body, n, trunc = res.serialize(format=fmt.ox_format), 1, False
    elif isinstance(res, ox.QuerySolutions):
        fmt = FORMATS.get(job.formats[RESULTS])
        native = _solutions_native(res, fmt, job.limit)
        if native is not None:
            (body, n), trunc = native, False
        else:  # large, or over the cap: again, stopping after `limit` rows
            res = st.query(job.query, **kwargs)
            body, n, trunc = _solutions(res, fmt, job.limit, job.truncation_link)
    else:
        fmt = FORMATS.get(job.formats[GRAPH])
        body, n, trunc = _triples(res, fmt, job.limit, job.prefixes, job.truncation_link)
    return Answer(True, 200, body, fmt.name, fmt.kind, n, trunc, seconds=time.perf_counter() - t0)


def _worker_main(conn_in, conn_out, warm: str | None = None) -> None:
    from skillgraph.store import NoBuild, current_id

    cache = _StoreCache()
    if warm:  # open the served build's store now, not in the first query this worker runs
        try:
            build_id = current_id(warm)
            if build_id:
                cache.get(warm, build_id)
        except Exception:  # no build yet, or a broken one: the first job reports it
            pass
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
        except MemoryError:
            ans = Answer(False, 503, error="the query needed more memory than this endpoint allows a query")
        except ValueError as e:  # e.g. a bad IRI in default-graph-uri
            ans = Answer(False, 400, error=str(e))
        except Exception as e:  # report, stay alive for the next job
            ans = Answer(False, 500, error=f"query failed: {type(e).__name__}: {e}")
        try:
            conn_out.send(ans)
        except (BrokenPipeError, OSError):
            return


# ---------------------------------------------------------------- in the worker process


def worker_entry() -> None:
    """Entry point of a worker process: jobs arrive on stdin, answers leave on the original stdout.

    Anything else printed to stdout (by a library) is sent to stderr so it cannot corrupt the pipe.
    The first message out is the confinement report.
    """
    from .confine import confine

    settings = json.loads(sys.argv[1])
    report = confine(settings)
    out_fd = os.dup(1)
    os.dup2(2, 1)
    conn_out = Connection(out_fd, readable=False)
    conn_out.send({"pid": os.getpid(), **report})
    _worker_main(Connection(0, writable=False), conn_out, settings.get("warm"))


# ---------------------------------------------------------------- in the server process

_ENTRY = "import sys; from skillgraph.server.executor import worker_entry; worker_entry()"


def _rss(pid: int) -> int | None:
    """Resident memory of a process in bytes (Linux /proc), None if unknown."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


class _Worker:
    """One worker: a fresh `python -P -c` process talking pickles over its stdin/stdout pipes.

    A plain subprocess rather than multiprocessing's spawn, which re-imports the parent's
    __main__ (breaking or recursing when the server runs from a script or stdin). `-P`: the
    current folder (say, a source checkout) never shadows the installed package.
    """

    def __init__(self, settings: dict, lifeline: int | None):
        args = {**settings, "parent": os.getpid(), "lifeline": lifeline}
        self.proc = subprocess.Popen([sys.executable, "-P", "-c", _ENTRY, json.dumps(args)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
                                     pass_fds=(lifeline,) if lifeline is not None else ())
        self.conn_out = Connection(os.dup(self.proc.stdin.fileno()), readable=False)
        self.conn_in = Connection(os.dup(self.proc.stdout.fileno()), writable=False)
        self.proc.stdin.close()
        self.proc.stdout.close()
        self.pid = self.proc.pid
        self.report: dict = {}
        try:
            if self.conn_in.poll(60):
                self.report = self.conn_in.recv()
        except (EOFError, OSError):
            pass

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


class WorkerPool:
    """A fixed number of query worker processes; a job runs on a free one or is refused at once.

    Workers are started by one long-lived spawner thread, because PR_SET_PDEATHSIG fires when the
    *thread* that created a process exits, and request threads come and go.
    """

    def __init__(self, size: int = 2, max_memory: int | None = None, isolate_network: bool = True,
                 warm_build_dir: str | None = None):
        if size < 1:
            raise ValueError(f"WORKERS must be at least 1, got {size}")
        # last in, first out: a lone client's queries go to the worker that ran the previous one, whose
        # store caches are warm (first in, first out would rotate them through cold workers)
        self._idle: queue.Queue[_Worker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._closed = False
        self.size = size
        self.max_memory = max_memory
        # warm: each worker opens this build folder's current store as it starts
        self.settings = {"max_memory": max_memory, "isolate_network": isolate_network, "warm": warm_build_dir}
        self.restarts = 0
        self.memory_kills = 0
        self.jobs_sent = 0
        self.report: dict = {}
        self._all: set[_Worker] = set()
        self._lifeline_r, self._lifeline_w = os.pipe()
        os.set_inheritable(self._lifeline_w, False)
        self._spawn_requests: queue.Queue = queue.Queue()
        self._spawner = threading.Thread(target=self._spawn_loop, daemon=True, name="skillgraph-worker-spawner")
        self._spawner.start()
        for _ in range(size):
            self._add()

    def _spawn_loop(self) -> None:
        while True:
            done = self._spawn_requests.get()
            if done is None:
                return
            try:
                w = _Worker(self.settings, self._lifeline_r)
                with self._lock:
                    self._all.add(w)
                    self.report = {k: v for k, v in w.report.items() if k != "pid"}
                self._idle.put(w)
            finally:
                done.set()

    def _add(self) -> None:
        done = threading.Event()
        self._spawn_requests.put(done)
        done.wait()

    def _replace(self, w: _Worker) -> None:
        w.kill()
        with self._lock:
            self._all.discard(w)
            self.restarts += 1
            closed = self._closed
        if not closed:
            self._add()

    def _wait(self, w: _Worker, timeout: float) -> None:
        """Until the answer is ready: QueryTimeout after `timeout` s, MemoryLimit if the worker outgrows MAX_MEMORY."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped")
            if w.conn_in.poll(min(0.1, left)):
                return
            if self.max_memory:
                rss = _rss(w.pid)
                if rss is not None and rss > self.max_memory:
                    with self._lock:
                        self.memory_kills += 1
                    raise MemoryLimit(f"the query needed more than the {self.max_memory // 2**20} MB a query "
                                      "worker may use (MAX_MEMORY_MB, --max-memory) and was stopped")

    def run(self, job: Job | Callable[[], Job], timeout: float) -> Answer:
        """Run a job on a free worker: Busy at once if none is free; QueryTimeout/MemoryLimit (worker replaced).

        `job` may be a function making the job once a worker is reserved (the server's query check):
        if it raises, the worker goes back unused.
        """
        if self._closed:
            raise RuntimeError("the worker pool is closed")
        try:
            w = self._idle.get_nowait()
        except queue.Empty:
            raise Busy(f"all {self.size} query workers are busy") from None
        if callable(job):
            try:
                job = job()
            except BaseException:
                self._idle.put(w)
                raise
        good = False
        try:
            with self._lock:
                self.jobs_sent += 1
            w.conn_out.send(job)
            self._wait(w, timeout)
            ans = w.conn_in.recv()
            good = True
            return ans
        except (EOFError, BrokenPipeError, ConnectionResetError):
            try:
                code = w.proc.wait(2)
            except subprocess.TimeoutExpired:
                code = None
            how = (f"killed by {signal.Signals(-code).name}" if code is not None and code < 0
                   else f"exit status {code}")
            if code == -signal.SIGABRT and self.max_memory:  # Rust aborts when an allocation fails at RLIMIT_DATA
                with self._lock:
                    self.memory_kills += 1
                raise MemoryLimit(f"the query needed more than the {self.max_memory // 2**20} MB a query worker may "
                                  "use (MAX_MEMORY_MB, --max-memory) and was stopped") from None
            raise WorkerDied(f"the query worker exited while running the query ({how})") from None
        finally:
            if good and w.is_alive():
                self._idle.put(w)
            else:
                self._replace(w)

    def alive(self) -> int:
        """How many workers are running, for /health."""
        with self._lock:
            return sum(1 for w in self._all if w.is_alive())

    def idle(self) -> int:
        """How many workers are free to take a query, for /health and tests."""
        return self._idle.qsize()

    def pids(self) -> list[int]:
        """The workers' process ids, so tests and /health can check them."""
        with self._lock:
            return sorted(w.pid for w in self._all)

    def close(self) -> None:
        """Stop all workers when the app shuts down."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        self._spawn_requests.put(None)
        for w in workers:
            w.kill()
        for fd in (self._lifeline_r, self._lifeline_w):
            try:
                os.close(fd)
            except OSError:
                pass
