"""Registries, IRIs and table reading: the small pieces everything else stands on."""
from __future__ import annotations

import gzip

import pytest

from skillgraph import iri
from skillgraph.errors import SourceError
from skillgraph.registry import Registry
from skillgraph.tabular import read_delimited, read_table


def test_registry_unknown_key_lists_valid_ones():
    r: Registry[int] = Registry("widget")
    r.register("a", 1)
    r.register("b", 2)
    with pytest.raises(ValueError, match=r"unknown widget 'c'; valid widgets are: a, b"):
        r.get("c")
    with pytest.raises(ValueError, match="already registered"):
        r.register("a", 3)


def test_source_registry_lists_sources_on_unknown_key():
    from skillgraph.mappings import SOURCES

    with pytest.raises(ValueError, match="valid sources are"):
        SOURCES.get("nope")


def test_instance_iris():
    assert str(iri.instance("onet", "task", 2582)) == "https://w3id.org/skillgraph/id/onet/task/2582"
    assert str(iri.instance("onet", "occupation", "43-4051.00")).endswith("/id/onet/occupation/43-4051.00")
    assert str(iri.instance("esco", "relation", "a b/c")).endswith("/id/esco/relation/a%20b%2Fc")
    assert str(iri.graph("onet")) == "https://w3id.org/skillgraph/graph/onet"
    with pytest.raises(ValueError):
        iri.instance("ONET", "task", 1)
    with pytest.raises(ValueError):
        iri.instance("onet", "task", " ")
    assert iri.slug("Microsoft Excel (2019)!") == "microsoft-excel-2019"


def test_tsv_rows_carry_line_numbers(tmp_path):
    p = tmp_path / "Task Statements.txt"
    p.write_text(
        "O*NET-SOC Code\tTask ID\tTask\n43-4051.00\t2582\tRefer grievances.\n\n43-4051.00\tx\tBad id.\n",
        encoding="utf-8",
    )
    rows = list(read_table(p, required=["Task ID"]))
    assert [r.line for r in rows] == [2, 4]
    assert rows[0].integer("Task ID") == 2582
    with pytest.raises(SourceError) as e:
        rows[1].integer("Task ID")
    assert str(e.value) == f"{p}:4:12 (column 'Task ID'): 'x' is not a number"


def test_missing_column_names_file_and_column(tmp_path):
    p = tmp_path / "skills_en.csv"
    p.write_text("conceptUri,preferredLabel\nhttp://x,y\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"skills_en.csv:1: missing required column\(s\) 'skillType'"):
        list(read_delimited(p, required=["conceptUri", "skillType"]))


def test_csv_multiline_fields_and_gzip(tmp_path):
    p = tmp_path / "occupations_en.csv.gz"
    with gzip.open(p, "wt", encoding="utf-8", newline="") as fh:
        fh.write('conceptUri,altLabels\r\n"http://a","one\ntwo"\n"http://b",three\n')
    rows = list(read_delimited(p))
    assert [r.line for r in rows] == [2, 4]
    assert rows[0]["altLabels"] == "one\ntwo"


def test_ragged_row_is_reported(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("a,b\n1,2,3\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"t.csv:2: expected 2 fields as in the header, found 3"):
        list(read_delimited(p))
