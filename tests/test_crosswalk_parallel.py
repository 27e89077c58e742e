"""The tasks' support scored in forked processes gives the graph one process gives (crosswalk/parallel.py)."""
from __future__ import annotations

import multiprocessing as mp
import os
import re
import time

import pytest
from rdflib.compare import isomorphic

from skillgraph.crosswalk import align, parallel
from tests.test_crosswalk import LEXICAL, sample_graphs

pytestmark = pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="no fork on this platform")


def test_forked_parts_give_the_graph_and_report_of_one_process(monkeypatch):
    graphs = sample_graphs()
    monkeypatch.setenv("SKILLGRAPH_CROSSWALK_WORKERS", "1")
    one, one_report = align(graphs, LEXICAL)
    monkeypatch.setattr(parallel, "MIN_TASKS", 0)
    whole_runs = parallel.split  # the sample's tasks are one occupation's: split between tasks instead
    monkeypatch.setattr(parallel, "split", lambda items, n, key: whole_runs(items, n, key=lambda t: t))
    monkeypatch.setenv("SKILLGRAPH_CROSSWALK_WORKERS", "3")
    forked, forked_report = align(graphs, LEXICAL)
    assert forked_report.pop("support_workers") > 1 and one_report.pop("support_workers") == 1
    assert forked_report == one_report
    assert isomorphic(forked, one)


def test_split_keeps_runs_whole_and_order():
    items = ["a1", "a2", "a3", "b1", "c1", "c2", "d1", "d2", "d3", "d4"]
    parts = parallel.split(items, 3, key=lambda x: x[0])
    assert [x for p in parts for x in p] == items and 1 < len(parts) <= 3
    assert all(p[0][0] != q[-1][0] for q, p in zip(parts, parts[1:], strict=False))  # no run split
    assert parallel.split(items, 1, key=lambda x: x[0]) == [items]


def test_a_failing_part_raises_with_its_traceback_wherever_it_ran():
    def boom(part):
        if part == [2]:
            raise ValueError("bad part")
        return part

    # either process may take the failing part: a child's failure comes back with its traceback
    with pytest.raises((RuntimeError, ValueError), match="bad part") as failed:
        parallel.map_parts(boom, [[1], [2]], processes=2)
    if failed.type is RuntimeError:
        assert re.search("(?s)crosswalk worker.*ValueError: bad part", str(failed.value))
    assert parallel.map_parts(lambda p: sum(p), [[1, 2], [3], [4, 5]]) == [3, 3, 9]


def test_a_child_failing_is_reported_and_no_child_is_left():
    parent = os.getpid()

    def fn(part):
        if os.getpid() != parent:
            raise ValueError("bad part in a child")
        time.sleep(0.2)  # the child takes the next part meanwhile
        return part

    with pytest.raises(RuntimeError, match="(?s)crosswalk worker \\(pid \\d+.*ValueError: bad part in a child"):
        parallel.map_parts(fn, [[i] for i in range(6)], processes=2)
    assert not mp.active_children()


def test_a_child_gone_without_an_answer_is_a_failure():
    parent = os.getpid()

    def fn(part):
        if os.getpid() != parent:
            os._exit(3)  # as if killed: no message at all
        time.sleep(0.2)
        return part

    with pytest.raises(RuntimeError, match="exit code 3.*\n.*exited without an answer"):
        parallel.map_parts(fn, [[i] for i in range(6)], processes=2)


def test_parts_are_taken_by_whichever_process_is_free_and_sunk_as_they_finish():
    """A slow parent scores fewer parts; every part reaches the sink once, in this process, and the results
    come back in the parts' order."""
    parent = os.getpid()
    sunk: list[tuple[int, int]] = []

    def fn(part):
        if os.getpid() == parent:
            time.sleep(0.3)
        return part[0], os.getpid()

    parts = [[i] for i in range(12)]
    results = parallel.map_parts(fn, parts, sink=lambda r: sunk.append((r[0], os.getpid())), processes=2)
    assert [i for i, _ in results] == list(range(12))
    assert sorted(i for i, _ in sunk) == list(range(12)) and {pid for _, pid in sunk} == {parent}
    by_parent = sum(1 for _, pid in results if pid == parent)
    assert by_parent < 6  # the child, never slowed, took most parts (all, if it started first)


def test_workers_setting_is_checked(monkeypatch):
    monkeypatch.setenv("SKILLGRAPH_CROSSWALK_WORKERS", "none")
    with pytest.raises(ValueError, match="SKILLGRAPH_CROSSWALK_WORKERS"):
        parallel.workers()
    monkeypatch.setenv("SKILLGRAPH_CROSSWALK_WORKERS", "2")
    assert parallel.workers() == 2


def test_a_profile_skill_related_through_two_esco_occupations_cites_the_first_by_iri():
    # the choice used to follow a set's order, which changes with the process's hash seed: 124 evidence triples
    # of the full crosswalk differed between two runs of the same inputs
    from rdflib import URIRef

    from skillgraph.crosswalk.inputs import Inputs

    occ, skill = URIRef("urn:onet:o"), URIRef("urn:esco:skill")
    inp = Inputs()
    for name in ("urn:esco:occ-b", "urn:esco:occ-a", "urn:esco:occ-c"):
        eo = URIRef(name)
        inp.onet_to_esco[occ].add(eo)
        inp.esco_relations[eo][skill] = ("essential", URIRef(name + "/relation"))
    assert inp.esco_skills_for_onet(occ)[skill] == ("essential", URIRef("urn:esco:occ-a/relation"))


def test_what_the_caller_froze_stays_frozen_and_nothing_else_is_left_frozen():
    """The build freezes its mapped objects and thaws them once, before the rules (build.gc_paused): the
    scoring's own freeze must not thaw them early; run alone, it leaves nothing frozen."""
    import gc

    gc.unfreeze()
    parallel.map_parts(lambda p: p, [[1], [2], [3]], processes=2)
    assert gc.get_freeze_count() == 0
    kept = [object() for _ in range(10)]  # noqa: F841 (alive while frozen)
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        parallel.map_parts(lambda p: p, [[1], [2], [3]], processes=2)
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
