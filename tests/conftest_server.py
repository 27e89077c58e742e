"""Helpers and fixtures for the server tests: small builds in the store.py layout, and a real HTTP endpoint.

The fixtures (`server_build`, `http_endpoint`) reach every test module through `pytest_plugins` in
conftest.py: request them by name, do not import them. Helper functions are imported by name.
`http_endpoint(build_dir, **config)` starts `skillgraph.server.wsgi.serve` in a subprocess on
127.0.0.1 and returns its base URL; point it at any build folder (e.g. the embedded build).
`start_server`/`stop_server` do the same for tests that need the process itself (kill -9 tests).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

FIXTURE_TRIG = Path(__file__).resolve().parent / "fixtures" / "server" / "graphs.trig"


def make_build(build_dir: Path, trig: Path | bytes = FIXTURE_TRIG, build_id: str | None = None,
               extra: list[ox.Quad] | None = None) -> str:
    """Load TriG into a new store, publish it as a build (store.py layout, CURRENT updated); return its id."""
    from skillgraph import store as store_mod

    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    build_id = build_id or store_mod.new_build_id()
    staging = store_mod.staging_dir(build_dir, build_id)
    st = ox.Store(str(staging / "store"))
    data = trig.read_bytes() if isinstance(trig, Path) else trig
    st.bulk_load(data, format=ox.RdfFormat.TRIG)
    if extra:
        st.bulk_extend(extra)
    counts = {}
    for sol in st.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
        counts[sol["g"].value.rsplit("/", 1)[-1]] = int(sol["n"].value)
    st.flush()
    del st
    (staging / "reports").mkdir()
    (staging / "reports" / "build.json").write_text(json.dumps({"build_id": build_id, "graphs": counts}))
    store_mod.publish(build_dir, build_id, staging)
    return build_id


@pytest.fixture
def server_build(tmp_path) -> Path:
    """A build folder holding one build of tests/fixtures/server/graphs.trig."""
    d = tmp_path / "build"
    make_build(d)
    return d


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base: str, proc: subprocess.Popen, log: Path, deadline_s: float = 60.0, path: str = "/health") -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(base + path, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not become healthy in {deadline_s:g} s:\n{log.read_text(errors='replace')}")


def start_server(build_dir: Path, log_dir: Path, **config) -> tuple[subprocess.Popen, str]:
    """`skillgraph.server.wsgi.serve(build_dir, **config)` in a subprocess on a free loopback port.

    Returns (process, base URL).
    """
    port = free_port()
    args = {"host": "127.0.0.1", "port": port, **config}
    code = "import sys, json; from skillgraph.server.wsgi import serve; serve(sys.argv[1], **json.loads(sys.argv[2]))"
    log = Path(log_dir) / f"server-{port}.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen([sys.executable, "-c", code, str(build_dir), json.dumps(args)],
                                stdout=fh, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, log)
    except RuntimeError:
        stop_server(proc)
        raise
    return proc, base


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def child_pids(pid: int) -> set[int]:
    """The direct children of a process (Linux /proc), e.g. a server's query workers."""
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out |= {int(x) for x in (task / "children").read_text().split()}
        except OSError:
            pass
    return out


def pid_running(pid: int) -> bool:
    """True while the process exists and is not a zombie (a killed orphan waiting to be reaped is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] not in ("Z", "X")


EX = "http://example.org/"


def make_big_build(build_dir: Path, n: int = 3000) -> str:
    """The fixture build plus n triples in <http://example.org/g>: enough for cross products that run for minutes."""
    return make_build(build_dir, extra=[ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p{i % 7}"),
                                                ox.Literal(str(i)), ox.NamedNode(EX + "g")) for i in range(n)])


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(STR(?c) < STR(?i)) }"


@pytest.fixture
def http_endpoint(tmp_path):
    """Factory: http_endpoint(build_dir, **config) -> base URL of a server on loopback (stopped after the test)."""
    started: list[subprocess.Popen] = []

    def start(build_dir: Path, **config) -> str:
        proc, base = start_server(build_dir, tmp_path, **config)
        started.append(proc)
        return base

    try:
        yield start
    finally:
        for proc in started:
            stop_server(proc)
