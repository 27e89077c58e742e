"""Shared fixtures: where the full upstream releases are, and the builds made once per run (across xdist workers)."""
from __future__ import annotations

import fcntl
import json
import os
import pickle
import platform
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

# Fixture modules shared by several test files, registered once here instead of imported by name.
pytest_plugins = ["conftest_server"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_data_dir() -> Path:
    return Path(os.environ.get("SKILLGRAPH_SHARED_DATA", ROOT.parent / "shared" / "data"))


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The staged upstream releases (../shared/data). Absent: skip outside CI, fail in CI."""
    d = shared_data_dir()
    if not (d / "SOURCES.md").is_file():
        msg = f"the full upstream releases are not at {d} (set SKILLGRAPH_SHARED_DATA)"
        if in_ci():
            pytest.fail(msg + " -- required when CI=true")
        pytest.skip(msg)
    return d


def require_shared(path: Path) -> Path:
    """A file or folder inside ../shared/data that a test needs; same skip/fail rule as `shared_data`."""
    if not path.exists():
        msg = f"{path} is missing"
        if in_ci():
            pytest.fail(msg + " -- required when CI=true")
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


# -- one run, two workers -------------------------------------------------------------------------
# pyproject runs the suite on 2 xdist workers (`-n 2 --dist loadgroup`). A session fixture runs once
# per worker, so the builds below are made through `once`: the first worker to ask builds under a
# file lock in the run's shared temporary folder, the other waits and reads the result. Every test
# that needs the full build also goes to one worker (xdist group "full_build", set below), so that
# worker builds it while the other runs the rest of the suite.

FULL_DATA_FIXTURES = {"shared_data", "full_build"}
T = TypeVar("T")


def run_folder(tmp_path_factory) -> Path:
    """The temporary folder of this run that every xdist worker sees (each worker's basetemp is inside it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def once(tmp_path_factory, name: str, make: Callable[[Path], T]) -> T:
    """`make(folder)` run once per test run whatever the number of workers; its result is pickled for the others."""
    root = run_folder(tmp_path_factory)
    done = root / f"{name}.pickle"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if make() raises
        if done.is_file():
            return pickle.loads(done.read_bytes())
        folder = root / name
        folder.mkdir()
        result = make(folder)
        done.write_bytes(pickle.dumps(result))
        return result


GROUPS_ENV = "SKILLGRAPH_TEST_GROUPS"  # folder where workers list their "full_build" tests for the scheduler


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """A test that reads the full releases is `slow` and `shared_data`; one that needs the full build joins
    the "full_build" xdist group (one worker builds it once). Runs before `-m` deselects, so
    `-m "not slow"` leaves these out.
    """
    group = []
    for item in items:
        needs = FULL_DATA_FIXTURES & set(getattr(item, "fixturenames", ()))
        if needs:
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.shared_data)
        if "full_build" in needs:
            item.add_marker(pytest.mark.xdist_group("full_build"))
            group.append(item.nodeid)
    worker, folder = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get(GROUPS_ENV)
    if worker and folder:
        (Path(folder) / f"{worker}.json").write_text(json.dumps(group))


def pytest_configure(config):
    """The controller makes the folder its workers write their group lists to (they inherit the variable)."""
    if not os.environ.get("PYTEST_XDIST_WORKER") and getattr(config.option, "numprocesses", None):
        os.environ[GROUPS_ENV] = tempfile.mkdtemp(prefix="skillgraph-test-groups-")


def pytest_unconfigure(config):
    folder = os.environ.get(GROUPS_ENV)
    if folder and not os.environ.get("PYTEST_XDIST_WORKER"):
        shutil.rmtree(folder, ignore_errors=True)


def pytest_xdist_make_scheduler(config, log):
    """xdist's loadgroup, with the "full_build" group taken from the workers' lists: pytest-xdist 3.8 marks
    groups by rewriting node ids, which pytest 9.2 no longer lets it do (pytest-xdist issue 1386), so the
    group would silently be spread over both workers, one of them then waiting ~25 min on the build lock.
    The biggest group is handed out first, so the build starts at once on one worker; the other tests go
    out file by file.
    """
    folder = os.environ.get(GROUPS_ENV)
    if config.getvalue("dist") != "loadgroup" or not folder:
        return None
    from xdist.scheduler import LoadGroupScheduling

    class FullBuildGroup(LoadGroupScheduling):
        members: set[str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.members is None:  # every worker has written its list before it reports its collection
                self.members = {n for f in Path(folder).glob("*.json") for n in json.loads(f.read_text())}
            if nodeid in self.members:
                return "full_build"
            # the rest by file, as --dist loadfile does: a module-scoped fixture (a published store, a
            # server, a reference build) is then made once, not once on each worker
            return super()._split_scope(nodeid).split("::", 1)[0]

        def _assign_work_unit(self, node) -> None:
            if "full_build" in self.workqueue:  # first, whatever the size of the other units
                self.workqueue.move_to_end("full_build", last=False)
            super()._assign_work_unit(node)

    return FullBuildGroup(config, log)


@pytest.fixture(scope="session")
def embedded_assembled():
    """All embedded sources mapped (and aligned), not yet stored: source id -> rdflib Graph."""
    from skillgraph.build import assemble, plan

    return assemble(plan())


@pytest.fixture(scope="session")
def embedded_build(tmp_path_factory):
    """One build of the embedded default into a temporary build folder, shared by the whole run (read only)."""
    from skillgraph.build import build

    def make(d: Path):
        return d, build(d, log=lambda m: None)

    return once(tmp_path_factory, "embedded-build", make)


@pytest.fixture(scope="session")
def embedded_store(embedded_build):
    """The embedded build's store, opened read-only."""
    from skillgraph import store

    return store.open_read_only(embedded_build[0])


@dataclass
class FullBuild:
    """One published build of the full releases: where it is, what build.json says, what it logged."""

    dir: Path                 # the build folder (CURRENT, builds/<id>/...)
    path: Path                # builds/<id>: store/, exports/, reports/
    info: dict                # reports/build.json
    log: list[str]
    seconds: float            # wall time of build() (0 when reused)
    peak_rss_mb: float        # this process's peak RSS after the build
    summary: object | None    # the BuildSummary (None when reused)
    paths: dict[str, Path]

    def store(self):
        from skillgraph import store

        return store.open_read_only(self.dir)


STAGED_ONET_LACKS = ("Abilities", "Task Ratings", "Work Activities", "Work Context")  # ../shared/data/SOURCES.md


def full_build_inputs(shared: Path, work: Path) -> tuple[dict[str, Path], dict[str, object]]:
    """Paths and options of the full build: every staged full release, the rest embedded.

    The AEI input is the staged first release, given as a user gives it (`--aei .../release_2025_02_10`):
    the build keeps the embedded later-release metrics written from the seed's evidence pack beside it,
    since no staged release holds them. The nesta mapping searches the folder it is given recursively for
    Nesta's crosswalk and the O*NET 2010-2019 taxonomy crosswalk, which sit in different folders of
    ../shared/data, so it gets ../shared/data itself. The staged O*NET 30.1 lacks four tables of the
    release (SOURCES.md), so the build is told to go without them (--allow-missing).
    """
    first = require_shared(shared / "aei" / "release_2025_02_10")
    require_shared(shared / "crosswalks" / "nesta_esco_onet_2020" / "esco_onet_crosswalk_Nov2020.csv")
    require_shared(shared / "onet" / "taxonomy" / "2010_to_2019_soc_crosswalk.csv")
    paths = {"onet": require_shared(shared / "onet" / "30.1"), "esco": require_shared(shared / "esco" / "v1.1.1"),
             "nesta": shared, "aei": first}
    options = {"soc_structure": require_shared(first / "SOC_Structure.csv"), "allow_missing": list(STAGED_ONET_LACKS)}
    return paths, options


def same_input(made: str | None, given: Path, shared: Path) -> bool:
    """A source path in a reused build's build.json names `given`: the same place inside a shared-data
    folder of the same name, wherever that folder was when the build was made (another checkout, machine)."""
    if made is None:
        return False
    rel = (shared.name, *given.relative_to(shared).parts)
    return Path(made).parts[-len(rel):] == rel


@pytest.fixture(scope="session")
def full_build(shared_data, tmp_path_factory) -> FullBuild:
    """ONE real build of the full O*NET 30.1, ESCO v1.1.1, Nesta crosswalk and AEI 2025-02-10 releases
    (other sources embedded), SHACL-validated like any build, shared by every full-data test.

    Takes ~25 min on 2 cores; made once per run (`once`), on the worker running the "full_build" group.
    SKILLGRAPH_FULL_BUILD=<folder> reuses a build made earlier with the same inputs (outside CI only; for
    iterating on the tests): build.json's source paths must match.
    """
    import resource
    import time

    from skillgraph import store
    from skillgraph.build import build

    def make(work: Path) -> FullBuild:
        paths, options = full_build_inputs(shared_data, work)
        reuse = os.environ.get("SKILLGRAPH_FULL_BUILD")
        log: list[str] = []
        t0 = time.perf_counter()

        def record(msg: str) -> None:
            line = f"[{time.perf_counter() - t0:7.1f} s] {msg}"
            log.append(line)
            print(line, flush=True)

        if reuse and not in_ci():
            d = Path(reuse)
            info = store.build_info(d)
            made = {k: v["path"] for k, v in info.get("sources", {}).items() if k in paths}
            got = {k: made.get(k) for k in paths}
            wrong = {k: got[k] for k, p in paths.items() if k != "aei" and not same_input(got[k], p, shared_data)}
            assert not wrong, f"SKILLGRAPH_FULL_BUILD={d} was built from other inputs: {wrong}"
            record(f"reusing full build {info['build_id']} in {d} (SKILLGRAPH_FULL_BUILD)")
            return FullBuild(d, store.build_path(d), info, log, 0.0, 0.0, None, paths)

        d = work / "build"
        record("full build: " + ", ".join(f"{k}={p}" for k, p in paths.items()))
        summary = build(d, paths=paths, log=record, options=options)
        seconds = time.perf_counter() - t0
        info = store.build_info(d)
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rss = kb / 1024 if platform.system() != "Darwin" else kb / 1024 / 1024
        record(f"full build done in {seconds:.0f} s wall, peak RSS {rss:.0f} MB; timings (s): "
               + json.dumps(info.get("timings_s", {})))
        return FullBuild(d, store.build_path(d), info, log, seconds, rss, summary, paths)

    return once(tmp_path_factory, "full-build", make)
