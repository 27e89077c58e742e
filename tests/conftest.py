"""Shared fixtures: where the full upstream releases are, and an embedded build made once per session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def embedded_assembled():
    """All embedded sources mapped (and aligned), not yet stored: source id -> rdflib Graph."""
    from skillgraph.build import assemble, plan

    return assemble(plan())


@pytest.fixture(scope="session")
def embedded_build(tmp_path_factory):
    """One full build of the embedded default into a temporary build folder, shared by the session."""
    from skillgraph.build import build

    d = tmp_path_factory.mktemp("build")
    summary = build(d, log=lambda m: None)
    return d, summary


@pytest.fixture(scope="session")
def embedded_store(embedded_build):
    """The embedded build's store, opened read-only."""
    from skillgraph import store

    return store.open_read_only(embedded_build[0])
