"""The full O*NET 30.1 release (../shared/data/onet/30.1): graph counts against counts read from the files.

Runs on the session's one full build (`full_build` in conftest.py) instead of mapping the release again;
the graph is the `onet` named graph of that build's store.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from skillgraph import iri
from skillgraph.query import run

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]

ID = "https://w3id.org/skillgraph/id/onet/"
RATED = ("Skills", "Knowledge", "Work Styles", "Interests", "Work Values", "Education, Training, and Experience")
SG = "PREFIX sg: <https://w3id.org/skillgraph/ontology#>\n"
ONET = f"<{iri.graph('onet')}>"


def rows(path: Path) -> list[dict]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        it = wb.worksheets[0].iter_rows(values_only=True)
        header = next(it)
        return [dict(zip(header, r, strict=False)) for r in it if any(v is not None for v in r)]
    finally:
        wb.close()


def values(st, where: str, var: str) -> list[str]:
    return [sol[var].value for sol in run(st, f"{SG}SELECT ?{var} WHERE {{ GRAPH {ONET} {{ {where} }} }}")]


def number(st, where: str) -> int:
    (sol,) = list(run(st, f"{SG}SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {ONET} {{ {where} }} }}"))
    return int(sol["n"].value)


@pytest.fixture(scope="module")
def full(full_build):
    return full_build.paths["onet"], full_build.store(), full_build.info["sources"]["onet"]


def test_occupations_and_tasks(full):
    d, st, rep = full
    occ = {r["O*NET-SOC Code"] for r in rows(d / "Occupation Data.xlsx")}
    assert len(occ) == 1016
    assert {s[len(ID + "occupation/"):] for s in values(st, "?o a sg:Occupation", "o")} == occ
    tasks = {str(int(r["Task ID"])) for r in rows(d / "Task Statements.xlsx")}
    assert len(tasks) == 18796
    assert {s[len(ID + "task/"):] for s in values(st, "?t a sg:Task", "t")} == tasks
    assert rep["release"] == "30.1"
    assert sorted(rep["tables_skipped"]) == ["Abilities", "Task Ratings", "Work Activities", "Work Context"]


def test_every_rating_row(full):
    d, st, _ = full
    table_of: dict[str, str] = {}
    expected = Counter()
    for t in RATED:
        for r in rows(d / f"{t}.xlsx"):
            table_of[r["Element ID"]] = t
            expected[t] += 1
    got = Counter(table_of[e[len(ID + "element/"):]] for e in values(st, "?r sg:ratedElement ?e", "e"))
    assert got == expected
    assert number(st, "?r a sg:Rating") == sum(expected.values())
    suppressed = sum(
        1 for t in ("Skills", "Knowledge") for r in rows(d / f"{t}.xlsx") if r["Recommend Suppress"] == "Y"
    )
    assert number(st, "?r sg:recommendSuppress ?f") >= suppressed
    assert number(st, "?r sg:recommendSuppress true") >= suppressed


def test_technology_titles_links(full):
    d, st, _ = full
    assert number(st, "?u a sg:TechnologyUse ; sg:technology ?t") == len(rows(d / "Technology Skills.xlsx")) + len(
        rows(d / "Tools Used.xlsx"))
    assert number(st, "?u a sg:TechnologyUse FILTER NOT EXISTS { ?u sg:technology ?t }") == 0
    assert number(st, "?t sg:hasWorkActivity ?d") == len(
        {(int(r["Task ID"]), r["DWA ID"]) for r in rows(d / "Tasks to DWAs.xlsx")})
    assert number(st, "?x a sg:DetailedWorkActivity") == 2087
    assert number(st, "?x a sg:IntermediateWorkActivity") == 332
    assert number(st, "?o sg:jobZone ?z") == 923
    assert values(st, f"<{ID}occupation/43-4051.00> sg:jobZone ?z", "z") == [ID + "job-zone/2"]
