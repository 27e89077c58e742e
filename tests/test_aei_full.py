"""AEI on the staged full data: the v3 reader on real sample rows, and the full 2025-02-10 join
against O*NET 30.1 task statements and against AEI's own (older) task list, counts asserted.

Reproduce the join report with: python scripts/aei_join_report.py
"""
from __future__ import annotations

import importlib.util
from decimal import Decimal

from conftest import ROOT, require_shared

from skillgraph.mappings import BuildContext, source
from skillgraph.mappings.aei_join import task_graph_from_table
from skillgraph.mappings.aei_read import discover
from skillgraph.ontology import load_ontology
from skillgraph.validation import load_shapes, validate


def test_v3_reader_on_the_real_sample_rows(shared_data):
    d = require_shared(shared_data / "aei" / "release_2025_09_15_samples")
    (rel,) = discover(d)
    assert (rel.name, rel.layout) == ("release_2025_09_15", "v3")
    api = rel.slices[("1P API", "GLOBAL", "2025-08-04", "2025-08-11")]
    assert {n: p.count for n, p in api.patterns.items()}["directive"] == 626255
    assert api.patterns["directive"].pct == Decimal("66.29576620885462")
    ae = rel.slices[("Claude AI (Free and Pro)", "AE", "2025-08-04", "2025-08-11")]
    t = ae.tasks[
        "analyze user needs and software requirements to determine feasibility of design within time and cost "
        "constraints."
    ]
    assert (t.count, t.pct, t.where.line) == (26, Decimal("0.8635004981733644"), 22)
    # what the leading rows hold (not release totals): task slices per geography
    assert {k[1]: len(s.tasks) for k, s in rel.slices.items() if s.tasks} == {
        "GLOBAL": 243,
        "AE": 33,
        "AL": 4,
        "AM": 5,
        "AO": 2,
        "AR": 60,
    }
    r = source("aei").map(d, BuildContext(graphs={}))
    source("aei").describe(r.graph, r.release, r.report)
    res = validate(r.graph, load_shapes(["aei"]), load_ontology())
    assert res.conforms, res.summary()


def _report(aei, tasks):
    spec = importlib.util.spec_from_file_location("aei_join_report", ROOT / "scripts" / "aei_join_report.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.run(aei, tasks)


def test_full_first_release_join_against_onet_30_1(shared_data):
    aei = require_shared(shared_data / "aei" / "release_2025_02_10")
    tasks = require_shared(shared_data / "onet" / "30.1" / "Task Statements.xlsx")
    rep = _report(aei, tasks)["release_2025_02_10"]
    assert rep["onet_tasks"] == 18796
    assert rep["not_task_rows"] == 1  # task_name 'none'
    assert rep["texts"] == {
        "task-id": 0,
        "exact": 2932,
        "normalised": 182,
        "fuzzy": 151,
        "ambiguous": 1,
        "unmatched": 247,
    }
    assert sum(rep["texts"].values()) == 3513


def test_full_first_release_join_against_its_own_task_list(shared_data):
    aei = require_shared(shared_data / "aei" / "release_2025_02_10")
    tasks = require_shared(aei / "onet_task_statements.csv.gz")
    rep = _report(aei, tasks)["release_2025_02_10"]
    assert rep["onet_tasks"] == 19530
    assert rep["texts"] == {"task-id": 0, "exact": 3513, "normalised": 0, "fuzzy": 0, "ambiguous": 0, "unmatched": 0}


def test_full_first_release_graph_conforms(shared_data):
    aei = require_shared(shared_data / "aei" / "release_2025_02_10")
    onet = task_graph_from_table(require_shared(aei / "onet_task_statements.csv.gz"))
    m = source("aei")
    r = m.map(aei, BuildContext(graphs={"onet": onet}))
    m.describe(r.graph, r.release, r.report)
    assert r.report.counts["task usage evidence"] == 3513
    assert r.report.counts["occupation aggregates"] == 756
    # the 1/n split conserves usage: occupation shares sum to the joined task rows' shares
    from rdflib import Literal

    from skillgraph.ontology import SG

    occ = sum(Decimal(str(o)) for e, o in r.graph.subject_objects(SG.usageShare) if (e, SG.occupation, None) in r.graph)
    rows = sum(
        Decimal(str(r.graph.value(e, SG.usageShare)))
        for e in r.graph.subjects(SG.joinMethod, Literal("exact"))
        if (e, SG.taskText, None) in r.graph
    )
    assert abs(occ - rows) < Decimal("1e-9")
    res = validate(r.graph, load_shapes(["aei"]), load_ontology())
    assert res.conforms, res.summary()
