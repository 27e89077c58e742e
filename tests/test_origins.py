"""SHACL results on mapped data name the source file and line(s) their focus node came from, for every source.

Each case runs `skillgraph build` the way a user does, with one source pointed at an edited copy of its
embedded data; the edit passes the reader but breaks a shape, and the SHACL result must name the exact
file:line of the record(s) that made the focus node (ESCO: the line a multi-line CSV record starts on)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from skillgraph.cli import main
from skillgraph.mappings import SOURCES


def copy_of(source: str, tmp_path: Path) -> Path:
    dst = tmp_path / source
    shutil.copytree(SOURCES.get(source).embedded_path(), dst)
    return dst


def build_fails(capsys, tmp_path: Path, argv: list[str], code: int = 1) -> str:
    capsys.readouterr()
    rc = main(["build", "--store", str(tmp_path / "build")] + argv)
    _out, err = capsys.readouterr()
    assert rc == code, (rc, err[-3000:])
    return err


def start_line(path: Path, needle: bytes) -> int:
    """1-based line of the first occurrence of `needle` (the start of the record holding it)."""
    data = path.read_bytes()
    return data.count(b"\n", 0, data.index(needle)) + 1


def from_(*places: tuple[Path, int]) -> str:
    """The '(from file:line, ...)' part of a printed SHACL result, as a regex."""
    return re.escape("(from " + ", ".join(f"{p}:{n}" for p, n in places) + ")")


def test_esco_skill_given_twice_names_both_record_start_lines(capsys, tmp_path):
    esco = copy_of("esco", tmp_path)
    f = esco / "v1.1.1-sample" / "skills_en.csv"
    uri = b"http://data.europa.eu/esco/skill/a6d697d1-80ba-4175-82d4-43440ed04270"
    data = f.read_bytes()
    line = start_line(f, b"," + uri + b",")
    records = data.split(b"\nKnowledgeSkillCompetence,")
    (record,) = [r for r in records if r.startswith(uri + b",")]
    assert record.count(b"\n") >= 5  # a multi-line record: its start line is what counts
    again = b"KnowledgeSkillCompetence," + record.replace(b",process refunds,", b",handle refunds,", 1)
    f.write_bytes(data.rstrip(b"\n") + b"\n" + again.rstrip(b"\n") + b"\n")
    last = start_line(f, again)
    assert (line, last) == (96, 327)
    err = build_fails(capsys, tmp_path, ["--only", "esco", "--esco", str(esco)])
    assert re.search(rf"focus <{re.escape(uri.decode())}> {from_((f, line), (f, last))} path skos:prefLabel", err), err


def test_esco_skill_without_a_label_names_its_record_start_line(capsys, tmp_path):
    esco = copy_of("esco", tmp_path)
    f = esco / "v1.1.1-sample" / "skills_en.csv"
    f.write_bytes(f.read_bytes().replace(b",process refunds,", b",,", 1))
    err = build_fails(capsys, tmp_path, ["--only", "esco", "--esco", str(esco)], code=2)
    assert f"{f}:96" in err and "preferredLabel" in err, err


def test_nesta_alignment_given_twice_names_both_rows(capsys, tmp_path):
    nesta = copy_of("nesta", tmp_path)
    f = nesta / "esco_onet_crosswalk_Nov2020.csv"
    lines = f.read_bytes().rstrip(b"\n").split(b"\n")
    assert len(lines) == 2
    lines.append(lines[1].replace(b"246,", b"247,", 1).replace(b",1.0,http", b",2.0,http"))
    f.write_bytes(b"\n".join(lines) + b"\n")
    err = build_fails(capsys, tmp_path, ["--only", "onet,esco,nesta", "--nesta", str(nesta)])
    assert re.search(r"focus <\S*/nesta/alignment/\S+> " + from_((f, 2), (f, 3)) + r" path sssom:confidence", err), err


@pytest.mark.parametrize("source", ["pathsmith", "aiwork"])
def test_statement_without_citations_names_its_row(capsys, tmp_path, source):
    copy = copy_of(source, tmp_path)
    (f,) = sorted((copy / "statements").glob("*.csv"))
    lines = f.read_bytes().split(b"\n")
    i = 3  # the third statement
    head, cites, anchors = lines[i].rsplit(b",", 2)  # citations, anchor_task_ids: the last two columns
    assert cites and not anchors.strip()
    lines[i] = head + b",," + anchors
    f.write_bytes(b"\n".join(lines))
    err = build_fails(capsys, tmp_path, ["--only", f"onet,{source}", f"--{source}", str(copy)])
    found = re.findall(rf"focus <\S*/{source}/statement/\S+> \(from ([^)]*)\) path sg:cites", err)
    assert found == [f"{f}:{i + 1}"], err


def test_wef_skill_with_two_definitions_names_both_rows(capsys, tmp_path):
    wef = copy_of("wef", tmp_path)
    f = wef / "taxonomy.csv"
    with f.open("ab") as out:
        out.write(b"human_technology_interaction,Human-Technology Interaction,hti-1,Prompting,skill,Asks well.\n")
        out.write(b"human_technology_interaction,Human-Technology Interaction,hti-1,Prompting,skill,Asks twice.\n")
    err = build_fails(capsys, tmp_path, ["--only", "wef", "--wef", str(wef)])
    assert re.search(r"focus <\S*/wef/skill/hti-1> " + from_((f, 3), (f, 4)) + r" path skos:definition", err), err


def test_jobmodel_competency_defined_twice_names_the_grid_cell_and_both_definitions(capsys, tmp_path):
    jm = copy_of("jobmodel", tmp_path)
    f = jm / "definitions.csv"
    with f.open("ab") as out:
        out.write(b'Service Focus,"A second definition."\n')
    n = f.read_bytes().rstrip(b"\n").count(b"\n") + 1
    grid = jm / "library.tsv"
    row = start_line(grid, b"Service Focus")
    err = build_fails(capsys, tmp_path, ["--only", "jobmodel", "--jobmodel", str(jm)])
    assert re.search(r"focus <\S*/jobmodel/competency/\S+> " + from_((grid, row), (f, 2), (f, n))
                     + r" path skos:definition", err), err


def test_every_mapped_node_of_every_source_has_its_place():
    """The map-back index covers each data node (not the code-made schemes, levels and graph descriptions)."""
    from rdflib import URIRef

    from skillgraph.build import assemble, plan

    sources = ["onet", "esco", "nesta", "pathsmith", "ladder", "aiwork", "wef", "safi", "jobmodel", "aei"]
    a = assemble(plan(only=sources), crosswalk=False)
    made_by_code = re.compile(r"/(graph/\w+|id/\w+/(scheme|level|framework|occupation-group|interaction-pattern|"
                              r"join|join-outcome|occupation-usage|release)/.*)$")
    unplaced = {}
    for key in sources:
        o = a.origins.get(key)
        nodes = {s for s in a.graphs[key].subjects() if isinstance(s, URIRef)}
        unplaced[key] = sorted(str(s) for s in nodes if not (o and o.get(s)) and not made_by_code.search(str(s)))
        assert all(Path(p.rsplit(":", 1)[0]).is_file() for s in nodes for p in (o.get(s) if o else []))
    assert unplaced == {k: [] for k in sources}
    safi = SOURCES.get("safi").embedded_path() / "safi.csv"
    (node,) = {s for s in a.graphs["safi"].subjects() if "/safi/assessment/" in str(s)}
    assert a.origins["safi"].get(node) == [f"{safi}:2"]


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "NA", "N/A", "two"])
def test_aei_non_number_in_a_numeric_column_names_file_line_column(capsys, tmp_path, value):
    """The real releases write a missing figure as an empty cell (and never 'nan'): anything else is refused."""
    aei = copy_of("aei", tmp_path)
    f = aei / "release_2026_03_24" / "aei_metrics.csv"
    f.write_bytes(f.read_bytes().replace(b",88.8,2.71", b",88.8," + value.encode(), 1))
    line = start_line(f, b",88.8,")
    col = len(f.read_bytes().split(b"\n")[line - 1].rsplit(b",", 1)[0]) + 2
    err = build_fails(capsys, tmp_path, ["--only", "onet,aei", "--aei", str(aei)], code=2)
    assert f"{f}:{line}:{col} (column 'ai_autonomy'): {value!r} is not a number" in err, err


def test_esco_relations_collections_and_nesta_steps_point_at_their_rows():
    from rdflib.namespace import RDF, SKOS

    from skillgraph.build import assemble, plan
    from skillgraph.ontology import SG

    a = assemble(plan(only=["onet", "esco", "nesta"]), crosswalk=False)
    esco, o = a.graphs["esco"], a.origins["esco"]
    folder = SOURCES.get("esco").embedded_path() / "v1.1.1-sample"
    rel_file = folder / "occupationSkillRelations.csv"
    rels = set(esco.subjects(RDF.type, SG.SkillRelation))
    assert len(rels) == 38
    for r in rels:  # each reified relation: the one row naming its occupation, type and skill
        occ, skill, rtype = (str(esco.value(r, p)) for p in (SG.occupation, SG.skill, SG.relationType))
        (line,) = [i for i, ln in enumerate(rel_file.read_text().split("\n"), 1)
                   if ln.startswith(f"{occ},{rtype},") and f",{skill}" in ln]
        assert o.get(r) == [f"{rel_file}:{line}"]
    (c,) = set(esco.subjects(RDF.type, SKOS.Collection))
    assert o.get(c) == [f"{folder / 'transversalSkillsCollection_en.csv'}:1"]  # the file itself: its header
    (step,) = set(a.graphs["nesta"].subjects(RDF.type, SG.CrosswalkStep))
    soc_table = SOURCES.get('nesta').embedded_path() / '2010_to_2019_soc_crosswalk.csv'
    assert a.origins["nesta"].get(step) == [f"{soc_table}:2"]
