"""Helpers and fixtures for the server tests: small builds in the store.py layout, and a real HTTP endpoint.

Import the fixtures into a test module with
    from conftest_server import http_endpoint, server_build  # noqa: F401
`http_endpoint(build_dir, **config)` starts `skillgraph.server.wsgi.serve` in a subprocess on
127.0.0.1 and returns its base URL; point it at any build folder (e.g. the embedded build).
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


@pytest.fixture
def http_endpoint(tmp_path):
    """Factory: http_endpoint(build_dir, **config) -> base URL of a server on loopback (stopped after the test)."""
    started: list[subprocess.Popen] = []

    def start(build_dir: Path, **config) -> str:
        port = free_port()
        args = {"host": "127.0.0.1", "port": port, **config}
        code = ("import sys, json; from skillgraph.server.wsgi import serve; "
                "serve(sys.argv[1], **json.loads(sys.argv[2]))")
        log = tmp_path / f"server-{port}.log"
        with open(log, "wb") as fh:
            proc = subprocess.Popen([sys.executable, "-c", code, str(build_dir), json.dumps(args)],
                                    stdout=fh, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        started.append(proc)
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc, log)
        return base

    try:
        yield start
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
