"""The tasks' support scored in forked processes gives the graph one process gives (crosswalk/parallel.py)."""
from __future__ import annotations

import multiprocessing as mp

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


def test_a_failing_worker_raises_with_its_traceback():
    def boom(part):
        if part == [2]:
            raise ValueError("bad part")
        return part

    with pytest.raises(RuntimeError, match="(?s)crosswalk worker.*ValueError: bad part"):
        parallel.map_parts(boom, [[1], [2]])
    assert parallel.map_parts(lambda p: sum(p), [[1, 2], [3], [4, 5]]) == [3, 3, 9]


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
