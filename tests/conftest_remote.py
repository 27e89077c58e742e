"""Real SPARQL stores on loopback for the remote-store tests: `oxigraph serve` (PyPI), Jena Fuseki
and OpenLink Virtuoso 7.

Each store runs as a child process on a free port and is stopped (terminate, then kill) when its
context ends. Fuseki 5.6.0 (org.apache.jena:jena-fuseki-main) is resolved with Maven into
$SKILLGRAPH_CACHE/fuseki-5.6.0/lib (default ~/.cache/skillgraph/...) on first use and reused after.
Virtuoso is Debian's `virtuoso-t` (package virtuoso-opensource-7-bin, installed by scripts/test-setup):
a private instance with its own database in the test's folder, never the system service.
"""
from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import in_ci
from conftest_server import free_port, wait_healthy

FUSEKI_VERSION = "5.6.0"
FUSEKI_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>skillgraph.test</groupId><artifactId>fuseki-classpath</artifactId><version>1</version><packaging>pom</packaging>
<dependencies><dependency><groupId>org.apache.jena</groupId><artifactId>jena-fuseki-main</artifactId>
<version>{v}</version></dependency></dependencies></project>
"""
# One in-memory TDB2 dataset /ds with query, update and Graph Store endpoints; the default graph is
# the union of the named graphs (what the curated queries assume when a client names no graphs).
FUSEKI_CONFIG = """PREFIX fuseki: <http://jena.apache.org/fuseki#>
PREFIX tdb2:   <http://jena.apache.org/2016/tdb#>
<#service> a fuseki:Service ; fuseki:name "ds" ;
    fuseki:endpoint [ fuseki:operation fuseki:query ; fuseki:name "query" ] ;
    fuseki:endpoint [ fuseki:operation fuseki:update ; fuseki:name "update" ] ;
    fuseki:endpoint [ fuseki:operation fuseki:gsp-rw ; fuseki:name "data" ] ;
    fuseki:dataset <#dataset> .
<#dataset> a tdb2:DatasetTDB2 ; tdb2:location "--mem--" ; tdb2:unionDefaultGraph true .
"""


# A private Virtuoso: database, logs and temp files in its folder, HTTP and ISQL on loopback only. Anytime
# queries stop at 30 s (MaxQueryExecutionTime, which also aborts a longer update: publish's switch rolls
# back; the backend reports partial answers as timeouts);
# ResultSetMaxRows is above any answer here (Virtuoso cuts longer results silently at that row).
VIRTUOSO_INI = """[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{isql}
DirsAllowed = {db}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
ServerThreads = 8
CheckpointInterval = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerThreads = 8
MaxClientConnections = 8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = {limit}
"""
# What an admin does on a new instance: a new dba password, and an account that may only write RDF
# (SPARQL_UPDATE role: /sparql-auth and /sparql-graph-crud-auth, digest auth); /sparql stays read-only.
VIRTUOSO_ACCOUNTS = """USER_CHANGE_PASSWORD ('dba', 'dba', '{dba}');
DB.DBA.USER_CREATE ('{user}', '{password}');
GRANT SPARQL_UPDATE TO "{user}";
"""
VIRTUOSO_TIME_LIMIT_S = 30


@dataclass
class Store:
    name: str
    url: str  # what users give `--backend` / `publish --to`
    query: str  # the SPARQL query endpoint
    env: dict = field(default_factory=dict)  # what `publish` needs in its environment (the account)


def cache_dir() -> Path:
    return Path(os.environ.get("SKILLGRAPH_CACHE") or Path.home() / ".cache" / "skillgraph")


def _missing(msg: str):
    if in_ci():
        pytest.fail(msg + " -- required when CI=true")
    pytest.skip(msg)


_FETCH_FAILED: list[str] = []  # Maven's failure, remembered for the session: one attempt, one reason


def fuseki_classpath() -> str:
    """The Fuseki jars (resolved with Maven on first use); skip where Java or Maven is absent (fail in CI)."""
    if _FETCH_FAILED:
        pytest.skip(_FETCH_FAILED[0])
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            _missing(f"Apache Jena Fuseki needs {tool} (Java 17 and Maven) on PATH")
    lib = cache_dir() / f"fuseki-{FUSEKI_VERSION}" / "lib"
    if not (lib / ".complete").is_file():
        lib.mkdir(parents=True, exist_ok=True)
        (lib.parent / "pom.xml").write_text(FUSEKI_POM.format(v=FUSEKI_VERSION))
        r = subprocess.run(["mvn", "-B", "-q", "-U", "-f", str(lib.parent / "pom.xml"), "dependency:copy-dependencies",
                            f"-DoutputDirectory={lib}"], capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            out = re.sub(r"\x1b\[[0-9;]*m", "", r.stdout + r.stderr)  # Maven colours its log even with -B
            errors = [ln for ln in out.splitlines() if "ERROR" in ln][:1]
            _FETCH_FAILED.append(f"Maven could not fetch org.apache.jena:jena-fuseki-main:{FUSEKI_VERSION} "
                                 f"(is the Maven Central repository reachable from here?): {' '.join(errors)[:400]}")
            pytest.skip(_FETCH_FAILED[0])
        (lib / ".complete").write_text(FUSEKI_VERSION + "\n")
    return f"{lib}/*"


@contextlib.contextmanager
def running(cmd: list[str], base: str, probe: str, log: Path, env: dict | None = None):
    """A child process, waited for until base+probe answers 200 (90 s at most); stopped (and reaped) on exit."""
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    try:
        wait_healthy(base, proc, log, 90.0, probe)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(15)


@contextlib.contextmanager
def store_server(kind: str, work: Path):
    """A fresh, empty store of `kind` (oxigraph or fuseki) on a free loopback port."""
    port = free_port()
    work.mkdir(parents=True, exist_ok=True)
    if kind == "oxigraph":
        exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
        if not Path(exe).exists():
            _missing("the `oxigraph` command (PyPI package oxigraph, in the test extra) is not installed")
        cmd = [exe, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph", "--timeout-s", "20"]  # in memory
        with running(cmd, f"http://127.0.0.1:{port}", "/query?query=ASK%7B%7D", work / "oxigraph.log"):
            yield Store(kind, f"oxigraph+http://127.0.0.1:{port}", f"http://127.0.0.1:{port}/query")
    elif kind == "fuseki":
        cp = fuseki_classpath()
        (work / "fuseki.ttl").write_text(FUSEKI_CONFIG)
        cmd = ["java", "-Xmx1g", "-cp", cp, "org.apache.jena.fuseki.main.cmds.FusekiMainCmd", "--localhost",
               f"--port={port}", f"--config={work / 'fuseki.ttl'}"]
        with running(cmd, f"http://127.0.0.1:{port}", "/ds/query?query=ASK%7B%7D", work / "fuseki.log"):
            yield Store(kind, f"fuseki+http://127.0.0.1:{port}/ds", f"http://127.0.0.1:{port}/ds/query")
    elif kind == "virtuoso":
        with virtuoso(work, port) as st:
            yield st
    else:
        raise ValueError(f"unknown store kind {kind!r}; valid: oxigraph, fuseki, virtuoso")


@contextlib.contextmanager
def virtuoso(work: Path, port: int):
    """A private Virtuoso on loopback: new database, dba password changed, a publisher account created."""
    exe, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if exe is None or isql is None:
        _missing("OpenLink Virtuoso needs virtuoso-t and isql-vt on PATH (Debian package virtuoso-opensource-7-bin; "
                 "scripts/test-setup installs it where it may use apt-get)")
    db = work / "virtuoso"
    db.mkdir()
    isql_port = free_port()
    (db / "virtuoso.ini").write_text(VIRTUOSO_INI.format(db=db, isql=isql_port, http=port, limit=VIRTUOSO_TIME_LIMIT_S))
    cmd = [exe, "+foreground", "+configfile", str(db / "virtuoso.ini")]
    with running(cmd, f"http://127.0.0.1:{port}", "/sparql?query=ASK%7B%7D", work / "virtuoso-server.log"):
        account = {"user": "skillgraph_publisher", "password": secrets.token_hex(12), "dba": secrets.token_hex(12)}
        r = subprocess.run([isql, f"127.0.0.1:{isql_port}", "dba", "dba"], input=VIRTUOSO_ACCOUNTS.format(**account),
                           capture_output=True, text=True, timeout=60)  # passwords on stdin, not in argv
        assert r.returncode == 0 and "Error" not in r.stdout + r.stderr, r.stdout + r.stderr
        yield Store("virtuoso", f"virtuoso+http://127.0.0.1:{port}", f"http://127.0.0.1:{port}/sparql",
                    {"SKILLGRAPH_STORE_USER": account["user"], "SKILLGRAPH_STORE_PASSWORD": account["password"]})


def skillgraph_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "skillgraph.cli", *args]


@contextlib.contextmanager
def skillgraph_serve(backend: str, work: Path, *extra: str):
    """`skillgraph serve --backend URL` on a free loopback port; yields its base URL."""
    port = free_port()
    cmd = skillgraph_cmd("serve", "--port", str(port), "--backend", backend, *extra)
    with running(cmd, f"http://127.0.0.1:{port}", "/health", work / f"serve-{port}.log", {"PYTHONUNBUFFERED": "1"}):
        yield f"http://127.0.0.1:{port}"
