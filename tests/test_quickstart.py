"""Issue 10: what a newcomer does works — the README's quick-start command, verbatim, from a fresh copy.

`test_readme_quick_start` copies the repository's tracked files into a temporary folder, runs the
Quick start command read out of README.md (a non-editable `pip install .` into a fresh venv, then
`skillgraph serve`) from that folder's root, and queries the server from outside in JSON, XML, CSV
and TSV. It needs the package index reachable (pip's cache is used) and takes a few minutes; it is
marked `quickstart` and runs in CI with the rest of the suite.

`test_every_module_has_one_import_name` imports every module of the installed package from the
repository root, where the source folders sit on the import path of `python -c`.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest_server import free_port

REPO = Path(__file__).resolve().parents[1]

IMPORT_CHECK = r"""
import importlib, json, os, pkgutil, sys
import skillgraph
names = json.loads(sys.argv[1]) or ["skillgraph"] + sorted(
    m.name for m in pkgutil.walk_packages(skillgraph.__path__, "skillgraph."))
for n in names:
    importlib.import_module(n)
by_file = {}
for name, mod in list(sys.modules.items()):
    f = getattr(mod, "__file__", None)
    if f:
        by_file.setdefault(os.path.realpath(f), []).append(name)
twice = {f: ns for f, ns in by_file.items()
         if len(ns) > 1 and any(n == "skillgraph" or n.startswith("skillgraph.") for n in ns)}
aliases = {}
for alias in ("server", "queries", "mappings", "ontology", "crosswalk"):
    try:
        importlib.import_module(alias)
        aliases[alias] = "imported"
    except ImportError as e:
        aliases[alias] = "refused"
files = {n: os.path.realpath(sys.modules[n].__file__) for n in names}
print(json.dumps({"names": names, "twice": twice, "aliases": aliases, "files": files}))
"""


def import_check(python: str, cwd: Path, names: list[str] | None = None) -> dict:
    """Import the package's modules with `python -c` in `cwd` (walking them with pkgutil unless named)."""
    out = subprocess.run(
        [python, "-c", IMPORT_CHECK, json.dumps(names or [])],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def expected_modules() -> set[str]:
    """Every module the package should hold, from pyproject's package map and the source folders."""
    import tomllib

    setup = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    dirs = setup["package-dir"]
    out = set()
    for pkg in setup["packages"]:
        base = dirs.get(pkg)
        if base is None:
            parent, _, leaf = pkg.rpartition(".")
            base = f"{dirs[parent]}/{leaf}"
        out.add(pkg)
        out |= {f"{pkg}.{p.stem}" for p in (REPO / base).glob("*.py") if p.stem != "__init__"}
    return out


def test_every_module_has_one_import_name():
    """From the repository root, in the development (editable) install.

    An editable install maps skillgraph.server etc. through an import hook pkgutil cannot walk, so
    the modules are listed from pyproject's package map here; the quick-start test walks them in a
    real (non-editable) install.
    """
    names = sorted(expected_modules())
    got = import_check(sys.executable, REPO, names)
    assert set(got["names"]) == expected_modules()
    assert got["twice"] == {}
    assert set(got["aliases"].values()) == {"refused"}, got["aliases"]


def readme_quick_start() -> str:
    """The install-and-serve command of the README's Quick start (its first sh block's first line)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    cmd = block.strip().splitlines()[0]
    assert "pip install ." in cmd and "skillgraph serve" in cmd and "-e" not in cmd.split(), cmd
    return cmd


def copy_tracked_files(dest: Path) -> None:
    """The repository as a fresh clone has it: its tracked files, as they are in the working tree."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for rel in filter(None, files.decode().split("\0")):
        src = REPO / rel
        if src.is_file():  # a file deleted in the working tree is not in a clone of this state either
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def fetch(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


SELECT = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?task ?text WHERE { ?task "
          "<https://w3id.org/skillgraph/ontology#taskOf> <https://w3id.org/skillgraph/id/onet/occupation/43-4051.00> ; "
          "skos:prefLabel ?text }")


@pytest.mark.slow
@pytest.mark.quickstart
@pytest.mark.e2e
def test_readme_quick_start(tmp_path):
    cmd = readme_quick_start()
    root = tmp_path / "skillgraph"
    copy_tracked_files(root)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PORT"] = str(port)
    log = tmp_path / "quickstart.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(["bash", "-c", cmd], cwd=root, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 900  # pip install (PyPI) and the first-start embedded build
        while True:
            assert proc.poll() is None, f"the command exited with {proc.returncode}:\n{log.read_text(errors='replace')}"
            try:
                if fetch(base + "/health")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(1)
        q = base + "/sparql?" + urllib.parse.urlencode({"query": SELECT})
        answers = {}
        for name, ctype, oxfmt in (("json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
                                   ("xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
                                   ("tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV)):
            status, headers, body = fetch(q, headers={"Accept": ctype})
            assert status == 200 and headers["Content-Type"].startswith(ctype), (name, status, body[:300])
            res = ox.parse_query_results(body, format=oxfmt)
            answers[name] = {(s["task"].value, s["text"].value) for s in res}
        # the store the command built, read in-process: 13 tasks of Customer Service Representatives
        from skillgraph import store as store_mod

        local = store_mod.open_read_only(root / "build").query(SELECT, use_default_graph_as_union=True)
        expected = {(s["task"].value, s["text"].value) for s in local}
        assert len(expected) == 13
        assert answers["json"] == answers["xml"] == answers["tsv"] == expected
        status, headers, body = fetch(q, headers={"Accept": "text/csv"})
        assert status == 200 and headers["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
        assert rows[0] == ["task", "text"] and {tuple(r) for r in rows[1:]} == answers["json"]
        status, _, body = fetch(base + "/sparql?" + urllib.parse.urlencode({"query": "SELECT ?x WHERE {"}))
        assert status == 400 and body.startswith(b"malformed query")
        upd = b"INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
        status, _, _ = fetch(base + "/sparql", upd, {"Content-Type": "application/sparql-update"})
        assert 400 <= status < 500
        status, _, _ = fetch(base + "/sparql", b"query=" + urllib.parse.quote_from_bytes(upd).encode(),
                             {"Content-Type": "application/x-www-form-urlencoded"})
        assert 400 <= status < 500
        # the package the command installed, not the copy's source folders, answers imports there
        got = import_check(str(root / ".venv" / "bin" / "python"), root)
        assert set(got["names"]) == expected_modules()
        assert got["twice"] == {} and set(got["aliases"].values()) == {"refused"}
        assert not [f for f in got["files"].values() if f.startswith(str(root) + os.sep) and "/.venv/" not in f]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


def test_workers_ignore_a_shadowing_folder_in_the_current_directory(tmp_path, monkeypatch):
    """The first-run 500: a `skillgraph/` folder in the current directory must not shadow the installed package."""
    from conftest_server import make_build

    from skillgraph.server import create_app

    make_build(tmp_path / "build")
    shadow = tmp_path / "skillgraph"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError('the source folder shadowed the installed package')\n")
    monkeypatch.chdir(tmp_path)
    app = create_app({"BUILD_DIR": "build", "WORKERS": 1})
    try:
        r = app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
        assert r.status_code == 200 and r.data == b'{"head":{},"boolean":true}', r.data
    finally:
        app.extensions["skillgraph"].close()
