"""The endpoint benchmark: one fixed query mix sent over loopback HTTP to SkillGraph's endpoint, to
`oxigraph serve-read-only --union-default-graph` and to rdflib-endpoint, all holding the same N-Quads.

Each query is sent as an HTTP POST form (`query=`) asking for SPARQL JSON results, on one kept-alive
connection per client. Latency: median and p95 of sequential requests per query, the servers taking
turns request by request (a shared machine's load changes; it then touches every server alike). Throughput: requests
completed per second by 4 concurrent clients over a fixed time. Server RSS: the server process and
all its children (SkillGraph's query workers), after the runs. Every server must return as many rows
as SkillGraph for every query, or the benchmark stops.
"""
from __future__ import annotations

import http.client
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from common import median, p95, tree_rss_mb

SG = "https://w3id.org/skillgraph/ontology#"
BUSY_RETRIES = 30
POINT_TASK = "https://w3id.org/skillgraph/id/onet/task/2582"


def query_mix() -> dict[str, str]:
    """name -> SPARQL text; the curated queries with their default parameters inlined."""
    from skillgraph.queries import catalog

    cur = catalog()
    return {
        "point look-up of a task": f"SELECT ?p ?o WHERE {{ <{POINT_TASK}> ?p ?o }}",
        "flagship crosswalk query": cur["esco_skills_for_task_at_level"].bind(),
        "occupation profile": cur["occupation_profile"].bind(),
        "tasks by AI usage": cur["tasks_by_ai_usage"].bind(),
        "aggregate over all ratings": f"""PREFIX sg: <{SG}>
SELECT ?scale (COUNT(?r) AS ?n) (AVG(?v) AS ?avg) WHERE {{ ?r a sg:Rating ; sg:scale ?scale ; sg:value ?v }}
GROUP BY ?scale""",
        "label text search": """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?label WHERE { ?s skos:prefLabel ?label FILTER(CONTAINS(LCASE(STR(?label)), "customer")) }""",
        "counts per graph": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    port: int
    path: str = "/sparql"
    log: Path | None = None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def rss_mb(self) -> float:
        return tree_rss_mb(self.proc.pid)


class Client:
    """One kept-alive HTTP connection to a SPARQL endpoint."""

    def __init__(self, port: int, path: str, timeout: float):
        self.port, self.path, self.timeout = port, path, timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def query(self, text: str) -> tuple[int, bytes]:
        body = urllib.parse.urlencode({"query": text})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"}
        for attempt in (1, 2):
            try:
                self.conn.request("POST", self.path, body=body, headers=headers)
                r = self.conn.getresponse()
                return r.status, r.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def _wait(server: Server, deadline_s: float) -> None:
    t0 = time.time()
    while time.time() - t0 < deadline_s:
        if server.proc.poll() is not None:
            tail = server.log.read_text(errors="replace")[-2000:] if server.log else ""
            raise RuntimeError(f"{server.name} exited while starting:\n{tail}")
        try:
            c = Client(server.port, server.path, 5)
            status, _ = c.query("ASK { ?s ?p ?o }")
            c.close()
            if status == 200:
                return
            if status in (400, 404, 405, 415):  # it answers, but not to a SPARQL query at this path
                server.stop()
                raise RuntimeError(f"{server.name} answered HTTP {status} to ASK at {server.path}")
        except OSError:
            pass
        time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"{server.name} did not answer within {deadline_s:.0f} s")


def _popen(args: list[str], log: Path, max_memory_mb: int | None = None) -> subprocess.Popen:
    fh = log.open("wb")

    def cap() -> None:
        if max_memory_mb:
            resource.setrlimit(resource.RLIMIT_AS, (max_memory_mb * 2**20, max_memory_mb * 2**20))

    return subprocess.Popen(args, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=cap)


def start_skillgraph(build_dir: Path, work: Path, timeout: float, workers: int) -> Server:
    """`skillgraph serve` with as many query workers as the benchmark has clients (the default 2 would
    refuse the other clients' requests at once with 503: admission control, not a queue)."""
    port = free_port()
    log = work / "skillgraph-serve.log"
    args = [sys.executable, "-c", "import sys; from skillgraph.cli import main; sys.exit(main())",
            "serve", "--store", str(build_dir), "--port", str(port), "--timeout", str(timeout),
            "--workers", str(workers)]
    s = Server("SkillGraph", _popen(args, log), port, log=log)
    _wait(s, 120)
    return s


def oxigraph_bin() -> str:
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(exe).exists():
        raise RuntimeError("the `oxigraph` command is missing: pip install oxigraph")
    return exe


def start_oxigraph(nq: Path, work: Path, store: Path | None = None) -> tuple[Server, float]:
    """Serve the build's N-Quads read-only: loaded with `oxigraph load` into a fresh location, or, given
    `store`, the build's own Oxigraph store opened read-only (the same quads, no copy, no load time)."""
    loc = store
    load_s = 0.0
    if loc is None:
        loc = work / "oxigraph-store"
        shutil.rmtree(loc, ignore_errors=True)
        t0 = time.perf_counter()
        subprocess.run([oxigraph_bin(), "load", "--location", str(loc), "--file", str(nq)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        load_s = time.perf_counter() - t0
    port = free_port()
    log = work / "oxigraph-serve.log"
    args = [oxigraph_bin(), "serve-read-only", "--location", str(loc), "--bind", f"127.0.0.1:{port}",
            "--union-default-graph"]
    s = Server("oxigraph serve-read-only", _popen(args, log), port, path="/query", log=log)
    _wait(s, 120)
    return s, load_s


def start_rdflib_endpoint(nq: Path, work: Path, load_deadline: float, max_memory_mb: int) -> Server:
    """rdflib-endpoint loading the N-Quads into rdflib's in-memory Dataset (union default graph), capped
    at max_memory_mb of address space so that it cannot take the shared machine's memory."""
    exe = shutil.which("rdflib-endpoint") or str(Path(sys.executable).parent / "rdflib-endpoint")
    port = free_port()
    log = work / "rdflib-endpoint.log"
    if not Path(exe).exists():
        raise RuntimeError("the `rdflib-endpoint` command is missing: pip install -e '.[bench]'")
    s = Server("rdflib-endpoint", _popen([exe, "serve", str(nq), "--host", "127.0.0.1", "--port", str(port)], log,
                                          max_memory_mb),
               port, path="/", log=log)
    _wait(s, load_deadline)
    return s


def rows(body: bytes) -> int:
    doc = json.loads(body)
    return len(doc["results"]["bindings"]) if "results" in doc else 1


def _send(c: Client, server: Server, text: str, timeout: float) -> tuple[int, bytes, float, Client]:
    """One request, retried while a worker stopped by a timeout is being replaced (a 503 "busy" is not a result);
    a client that timed out is replaced by a new connection."""
    status, body, dt = 0, b"", 0.0
    for _ in range(BUSY_RETRIES):
        t0 = time.perf_counter()
        try:
            status, body = c.query(text)
        except TimeoutError:
            status, body = 599, b""
            c.close()
            c = Client(server.port, server.path, timeout)
        dt = time.perf_counter() - t0
        if not (status == 503 and b"busy" in body):
            break
        time.sleep(1)
    return status, body, dt, c


def latency(servers: list[Server], queries: dict[str, str], runs: int, budget_s: float,
            timeout: float) -> dict[str, dict[str, dict]]:
    """Per server and query: median and p95 of up to `runs` sequential requests (after one warm-up each), within
    budget_s per query and server. The servers take turns request by request, so that a change in the load of
    a shared machine falls on all of them alike; a server that failed a query is not asked it again."""
    out: dict[str, dict[str, dict]] = {s.name: {} for s in servers}
    clients = {s.name: Client(s.port, s.path, timeout) for s in servers}
    try:
        for name, text in queries.items():
            times: dict[str, list[float]] = {s.name: [] for s in servers}
            res = {s.name: {"rows": None, "status": None} for s in servers}
            live = list(servers)
            t_start = time.perf_counter()
            for i in range(runs + 1):
                for s in list(live):
                    status, body, dt, clients[s.name] = _send(clients[s.name], s, text, timeout)
                    res[s.name]["status"] = status
                    if status != 200:
                        live.remove(s)
                        continue
                    res[s.name]["rows"] = rows(body)
                    if i > 0:
                        times[s.name].append(dt)
                spent = time.perf_counter() - t_start
                if not live or (spent > budget_s * len(servers) and all(len(times[s.name]) >= 3 for s in live)):
                    break
            for s in servers:
                ts = times[s.name]
                out[s.name][name] = {"median_ms": median(ts) * 1000 if ts else None,
                                     "p95_ms": p95(ts) * 1000 if ts else None, "runs": len(ts), **res[s.name]}
    finally:
        for c in clients.values():
            c.close()
    return out


def throughput(server: Server, texts: list[str], clients: int, seconds: float, timeout: float) -> float:
    """Requests per second that `clients` concurrent clients complete, each cycling through `texts`."""
    done = [0] * clients
    stop = time.perf_counter() + seconds

    def work(k: int) -> None:
        c = Client(server.port, server.path, timeout)
        i = k
        while time.perf_counter() < stop:
            status, _ = c.query(texts[i % len(texts)])
            if status == 200:
                done[k] += 1
            i += 1
        c.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=work, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - t0)


def kill_all(servers: list[Server]) -> None:
    for s in servers:
        try:
            s.stop()
        except Exception:  # keep stopping the others
            if s.proc.poll() is None:
                os.kill(s.proc.pid, signal.SIGKILL)
