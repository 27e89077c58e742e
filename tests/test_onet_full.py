"""The full O*NET 30.1 release (../shared/data/onet/30.1): graph counts against counts read from the files."""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from conftest import require_shared
from skillgraph.mappings import BuildContext, source
from skillgraph.ontology import SG

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]

ID = "https://w3id.org/skillgraph/id/onet/"
RATED = ("Skills", "Knowledge", "Work Styles", "Interests", "Work Values", "Education, Training, and Experience")


def rows(path: Path) -> list[tuple]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        it = wb.worksheets[0].iter_rows(values_only=True)
        header = next(it)
        return [dict(zip(header, r)) for r in it if any(v is not None for v in r)]
    finally:
        wb.close()


@pytest.fixture(scope="module")
def full(shared_data):
    d = require_shared(shared_data / "onet" / "30.1")
    t0 = time.perf_counter()
    res = source("onet").map(d, BuildContext())
    print(f"\nO*NET 30.1: {len(res.graph):,} triples in {time.perf_counter() - t0:.0f} s")
    return d, res


def test_occupations_and_tasks(full):
    d, res = full
    g = res.graph
    occ = {r["O*NET-SOC Code"] for r in rows(d / "Occupation Data.xlsx")}
    assert len(occ) == 1016
    assert {str(s)[len(ID + "occupation/"):] for s in g.subjects(RDF.type, SG.Occupation)} == occ
    tasks = {str(int(r["Task ID"])) for r in rows(d / "Task Statements.xlsx")}
    assert len(tasks) == 18796
    assert {str(s)[len(ID + "task/"):] for s in g.subjects(RDF.type, SG.Task)} == tasks
    assert res.release == "30.1"
    assert sorted(res.report.tables_skipped) == ["Abilities", "Task Ratings", "Work Activities", "Work Context"]


def test_every_rating_row(full):
    d, res = full
    g = res.graph
    table_of: dict[str, str] = {}
    expected = Counter()
    for t in RATED:
        for r in rows(d / f"{t}.xlsx"):
            table_of[r["Element ID"]] = t
            expected[t] += 1
    got = Counter(table_of[str(e)[len(ID + "element/"):]] for e in g.objects(None, SG.ratedElement))
    assert got == expected
    assert sum(1 for _ in g.subjects(RDF.type, SG.Rating)) == sum(expected.values())
    suppressed = sum(1 for t in ("Skills", "Knowledge") for r in rows(d / f"{t}.xlsx") if r["Recommend Suppress"] == "Y")
    assert sum(1 for _ in g.subjects(SG.recommendSuppress, None)) >= suppressed
    assert sum(1 for _ in g.subjects(SG.recommendSuppress, Literal(True))) >= suppressed


def test_technology_titles_links(full):
    d, res = full
    g = res.graph
    uses = Counter(g.value(u, SG.technology) is not None for u in g.subjects(RDF.type, SG.TechnologyUse))
    assert uses[True] == len(rows(d / "Technology Skills.xlsx")) + len(rows(d / "Tools Used.xlsx"))
    assert sum(1 for _ in g.subject_objects(SG.hasWorkActivity)) == len(
        {(int(r["Task ID"]), r["DWA ID"]) for r in rows(d / "Tasks to DWAs.xlsx")})
    assert sum(1 for _ in g.subjects(RDF.type, SG.DetailedWorkActivity)) == 2087
    assert sum(1 for _ in g.subjects(RDF.type, SG.IntermediateWorkActivity)) == 332
    assert sum(1 for _ in g.subject_objects(SG.jobZone)) == 923
    occ = URIRef(ID + "occupation/43-4051.00")
    assert g.value(occ, SG.jobZone) == URIRef(ID + "job-zone/2")
