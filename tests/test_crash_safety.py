"""Crash safety: `skillgraph build` killed with SIGKILL at random points never leaves CURRENT naming an
incomplete build, and the next build removes the dead builds' staging folders (never a running one's)."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skillgraph import store
from skillgraph.query import run

CSR = "https://w3id.org/skillgraph/id/onet/occupation/43-4051.00"
CMD = [sys.executable, "-m", "skillgraph.cli", "build"]


def start(d: Path) -> subprocess.Popen:
    """A build that maps everything again (an unchanged incremental rebuild is over in a second or two)."""
    return subprocess.Popen(CMD + ["--store", str(d), "--no-incremental"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def wait_for_staging(d: Path, proc: subprocess.Popen, before: set[Path]) -> Path | None:
    """The staging folder the running build creates (None if it finished first)."""
    while proc.poll() is None:
        new = set(d.glob(".tmp-*")) - before
        if new:
            return new.pop()
        time.sleep(0.05)
    return None


def assert_current_is_complete(d: Path, allowed: set[str]) -> str:
    cur = store.current_id(d)
    assert cur in allowed, (cur, allowed)
    p = store.build_path(d, cur)
    assert (p / "reports" / "build.json").is_file() and (p / "exports" / "onet.ttl").is_file()
    st = store.open_read_only(d)
    assert bool(run(st, f"ASK {{ GRAPH ?g {{ <{CSR}> a sg:Occupation }} }}"))
    del st
    return cur


@pytest.mark.slow
def test_kill_9_at_random_points_then_the_next_build_cleans_up(tmp_path):
    d = tmp_path / "build"
    first = subprocess.run(CMD + ["--store", str(d)], capture_output=True, text=True)
    assert first.returncode == 0, first.stdout + first.stderr
    complete = {store.current_id(d)}
    rnd = random.Random(20261201)
    dead: list[Path] = []
    for _ in range(3):
        before = set(d.glob(".tmp-*"))
        proc = start(d)
        staging = wait_for_staging(d, proc, before)
        time.sleep(rnd.uniform(0.0, 8.0))  # somewhere in mapping, validation, loading, reasoning or export
        finished = proc.poll() is not None
        if not finished:
            os.kill(proc.pid, signal.SIGKILL)
        out = proc.communicate()[0]
        assert_cleaned(dead, out)  # this build removed the staging folders of the builds killed before it
        dead = []
        if finished or (staging is not None and not staging.exists()):
            complete |= {p.name for p in (d / "builds").iterdir()}  # it got as far as publishing
        elif staging is not None:
            dead.append(staging)
            assert staging.exists()  # SIGKILL leaves it behind
        assert_current_is_complete(d, complete)
    assert dead, "the last kill did not land while the build was staging"
    final = subprocess.run(CMD + ["--store", str(d)], capture_output=True, text=True)
    assert final.returncode == 0, final.stdout + final.stderr
    assert_cleaned(dead, final.stdout)
    assert not list(d.glob(".tmp-*")) and not list(d.glob(".lock-*"))
    assert_current_is_complete(d, {p.name for p in (d / "builds").iterdir()})


def assert_cleaned(dead: list[Path], output: str) -> None:
    for p in dead:
        assert not p.exists()
        assert f"cleaned stale staging folder of a build that died: {p} (build {p.name[5:]}, PID " in output


def test_a_running_builds_staging_folder_is_never_removed(tmp_path):
    d = tmp_path / "build"
    d.mkdir()
    orphan = d / ".tmp-19990101T000000-abcdef"  # no lock file: its build died before locks existed
    (orphan / "store").mkdir(parents=True)
    proc = start(d)
    try:
        staging = wait_for_staging(d, proc, {orphan})
        assert staging is not None
        assert store.clean_stale(d) == []  # the running build holds its lock
        assert staging.exists()
    finally:
        out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out
    assert f"cleaned stale staging folder of a build that died: {orphan} (no lock file;" in out
    assert not orphan.exists() and not staging.exists()
