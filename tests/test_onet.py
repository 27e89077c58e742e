"""O*NET: the reader's three forms, column errors, the mapping of the embedded sample against the seed,
tables absent (skipped, reported) and the four tables the staged release lacks (mapped from layout fixtures)."""
from __future__ import annotations

import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import FIXTURES, require_shared, shared_data_dir
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS, XSD

from skillgraph.errors import SourceError
from skillgraph.mappings import BuildContext, source
from skillgraph.ontology import SG, load_ontology
from skillgraph.sourceconfig import make
from skillgraph.validation import load_shapes, validate

ONET = source("onet")
EMBEDDED = ONET.embedded_path()
OCC = URIRef("https://w3id.org/skillgraph/id/onet/occupation/43-4051.00")
ID = "https://w3id.org/skillgraph/id/onet/"
PREFIX = "PREFIX sg: <https://w3id.org/skillgraph/ontology#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"


def run(path, **options):
    """Map a (partial) fixture release: these tests are about the tables present, so none is required."""
    options.setdefault("allow_missing", ONET.table_names())
    return ONET.map(Path(path), BuildContext(config={"onet": make("onet", **options)}))


@pytest.fixture(scope="module")
def sample():
    return run(EMBEDDED)


def seed_text(name: str) -> str:
    d = require_shared(shared_data_dir().parent / "seeds")
    return next(d.glob(f"{name}_*.txt")).read_text(encoding="utf-8")


# -- the embedded sample against the seed ----------------------------------------------------------

def test_sample_skills_equal_the_seed(sample):
    seed = seed_text("002")
    want = {
        (n, "IM", Decimal(i))
        for n, i, _ in re.findall(r"^- (.+) \(Importance: ([\d.]+)/5 \| Level: ([\d.]+)/7\)$", seed, re.M)
    }
    want |= {
        (n, "LV", Decimal(lv))
        for n, _, lv in re.findall(r"^- (.+) \(Importance: ([\d.]+)/5 \| Level: ([\d.]+)/7\)$", seed, re.M)
    }
    assert len(want) == 70
    got = {(str(label), str(sid), v.toPython()) for label, sid, v in sample.graph.query(PREFIX + """
        SELECT ?label ?sid ?value WHERE {
          ?r a sg:Rating ; sg:occupation ?occ ; sg:ratedElement ?e ; sg:scale ?s ; sg:value ?value .
          ?e a sg:Skill ; skos:prefLabel ?label . ?s skos:notation ?sid }""", initBindings={"occ": OCC})}
    got = {(n, s, Decimal(str(v))) for n, s, v in got}
    assert got == want


def test_sample_tasks_equal_the_seed(sample):
    seed = seed_text("002")
    want = set(re.findall(r"^- (.+)$", seed.split("# TASKS")[1].split("# SKILLS")[0], re.M))
    assert len(want) == 13
    rows = sample.graph.query(
        PREFIX + "SELECT ?t ?text ?n WHERE { ?t a sg:Task ; sg:taskOf ?occ ; skos:prefLabel ?text ; skos:notation ?n }",
        initBindings={"occ": OCC},
    )
    assert {str(r.text) for r in rows} == want
    assert URIRef(ID + "task/2582") in {r.t for r in rows}


def test_sample_job_zone_technology_and_titles(sample):
    g = sample.graph
    assert set(g.objects(OCC, SG.jobZone)) == {URIRef(ID + "job-zone/2")}
    assert g.value(URIRef(ID + "job-zone/2"), SKOS.notation) == Literal("2")
    uses = {
        (str(g.value(g.value(u, SG.technology), SKOS.prefLabel)), g.value(u, SG.hotTechnology), g.value(u, SG.inDemand))
        for u in g.subjects(SG.occupation, OCC)
        if (u, RDF.type, SG.TechnologyUse) in g and (g.value(u, SG.technology), RDF.type, SG.TechnologySkill) in g
    }
    assert len(uses) == 113
    # the flags are those of the sample's own file, row by row
    lines = (EMBEDDED / "Technology Skills.txt").read_text(encoding="utf-8").splitlines()[1:]
    want = {(c[2], Literal(c[5] == "Y"), Literal(c[6] == "Y")) for c in (line.split("\t") for line in lines)}
    assert uses == want
    assert ("Microsoft Excel", Literal(True), Literal(True)) in uses
    assert len({u for u in uses if u[1] == Literal(True)}) == 26
    seed = seed_text("002")
    assert {u[0] for u in uses} == set(re.findall(r"^- (.+) \(Tech skill type: ", seed, re.M))
    assert len(set(g.objects(OCC, SG.reportedTitle))) == 10
    assert len([t for t in g.objects(OCC, SG.usesTechnology) if (t, RDF.type, SG.Tool) in g]) == 15


def test_sample_structure_and_provenance(sample):
    g = sample.graph
    assert sample.release == "30.1"
    # SOC chain derived from the code
    assert g.value(OCC, SKOS.broader) == URIRef(ID + "occupation-group/43-4050")
    assert g.value(URIRef(ID + "occupation-group/43-4050"), SKOS.broader) == URIRef(ID + "occupation-group/43-4000")
    assert g.value(URIRef(ID + "occupation-group/43-4000"), SKOS.broader) == URIRef(ID + "occupation-group/43-0000")
    # content model hierarchy and branch typing
    listening = URIRef(ID + "element/2.A.1.b")
    assert (listening, RDF.type, SG.Skill) in g and g.value(listening, SKOS.broader) == URIRef(ID + "element/2.A.1")
    assert (URIRef(ID + "element/2.A.1"), RDF.type, SG.Skill) not in g  # a group, not a descriptor
    assert (URIRef(ID + "element/2.C.1.e"), RDF.type, SG.Knowledge) in g
    assert (URIRef(ID + "element/1.D.3.c"), RDF.type, SG.WorkStyle) in g
    assert (URIRef(ID + "element/1.B.1.f"), RDF.type, SG.Interest) in g
    # DWA -> IWA -> GWA element, task -> DWA
    dwa = URIRef(ID + "dwa/4.A.4.a.3.I01.D02")
    if (dwa, RDF.type, SG.DetailedWorkActivity) in g:
        assert g.value(g.value(dwa, SKOS.broader), SKOS.broader) == URIRef(ID + "element/4.A.4.a.3")
    assert len(set(g.subject_objects(SG.hasWorkActivity))) == 16
    t = URIRef(ID + "task/2582")
    assert g.value(t, URIRef("http://purl.org/dc/terms/date")) == Literal("2022-08", datatype=XSD.gYearMonth)
    assert g.value(t, SG.taskType) == Literal("Core")
    ONET.describe(g, sample.release, sample.report)
    gi = ONET.graph_iri
    assert "O*NET 30.1 Database" in str(g.value(gi, SG.creditLine))
    assert "has not approved, endorsed, or tested" in str(g.value(gi, SG.modificationNotice))
    assert (
        str(g.value(gi, URIRef("http://purl.org/dc/terms/license"))) == "https://creativecommons.org/licenses/by/4.0/"
    )


def test_sample_conforms_and_level_9_fails(sample):
    g = sample.graph
    ONET.describe(g, sample.release, sample.report)
    shapes, ont = load_shapes(["onet"]), load_ontology()
    assert validate(g, shapes, ont).conforms
    r = URIRef(ID + "rating/43-4051.00_2.A.1.b_LV")
    assert (r, SG.scale, URIRef(ID + "scale/LV")) in g
    old = g.value(r, SG.value)
    g.set((r, SG.value, Literal("9", datatype=XSD.decimal)))
    try:
        res = validate(g, shapes, ont)
    finally:
        g.set((r, SG.value, old))
    assert not res.conforms
    hits = [v for v in res.violations if v.shape == "sgsh:OnetLevelRatingShape" or v.shape.startswith("_:")]
    assert any(v.focus == f"<{r}>" for v in hits), res.summary()
    assert any(v.focus == f"<{r}>" and "Level" in v.message for v in res.violations)


def test_absent_tables_are_reported_and_skipped(sample):
    for t in ("Abilities", "Work Activities", "Work Context", "Task Ratings", "Alternate Titles", "Emerging Tasks"):
        assert t in sample.report.tables_skipped
    assert "Skills" in sample.report.tables_read
    assert sample.report.counts["ratings: Skills"] == 70


# -- the reader's forms ---------------------------------------------------------------------------


def _zip(src: Path, dest: Path, folder: str = "db_30_1_text") -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(src.glob("*.txt")):
            z.write(f, f"{folder}/{f.name}")
    return dest


def _xlsx(src: Path, dest: Path) -> Path:
    import openpyxl

    dest.mkdir()
    for f in src.glob("*.txt"):
        if f.name == "Read Me.txt":
            shutil.copy(f, dest / f.name)
            continue
        wb = openpyxl.Workbook()
        ws = wb.active
        for line in f.read_text(encoding="utf-8").splitlines():
            ws.append(line.split("\t"))
        wb.save(dest / (f.stem + ".xlsx"))
    return dest


def test_excel_cells_read_as_openpyxl_gave_them(tmp_path):
    """The XLSX reader (calamine) gives the text openpyxl's values printed as: whole numbers without a
    fraction, dates as datetimes, empty cells and blank rows skipped, line numbers of the sheet rows."""
    import datetime

    import openpyxl

    from skillgraph.tabular import read_xlsx

    f = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [["Code", "Value", "Date", "When", "Flag", "Note"],
            [3, 4.25, datetime.date(2023, 8, 1), datetime.datetime(2023, 8, 1, 12, 30), True, None],
            [None] * 6,
            [-2, 1.5e-7, "07/2014", None, False, "x"],
            [12345678901234, 0.1, None, None, None, " padded "]]
    for r in rows:
        ws.append(r)
    wb.save(f)
    got = [(r.line, r.values) for r in read_xlsx(f, ["Code"])]
    header = rows[0]
    openpyxl_rows = openpyxl.load_workbook(f, read_only=True, data_only=True).worksheets[0].iter_rows(values_only=True)
    want = [(i, dict(zip(header, ["" if v is None else str(v) for v in rec], strict=True)))
            for i, rec in enumerate(openpyxl_rows, start=1) if i > 1 and any(v is not None for v in rec)]
    assert got == want
    assert [line for line, _ in got] == [2, 4, 5]
    assert got[0][1]["Date"] == "2023-08-01 00:00:00" and got[0][1]["Code"] == "3"
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(SourceError, match="not a readable XLSX workbook"):
        list(read_xlsx(bad))


def test_text_zip_and_excel_give_the_same_graph(tmp_path, sample):
    z = run(_zip(EMBEDDED, tmp_path / "db_30_1_text.zip"))
    x = run(_xlsx(EMBEDDED, tmp_path / "excel"))
    assert z.report.details["form"] == "zip" and x.report.details["form"] == "excel"
    assert z.release == x.release == "30.1"
    base = run(EMBEDDED).graph
    assert isomorphic(z.graph, base)
    assert isomorphic(x.graph, base)
    # an extracted zip (the folder inside a folder) reads too
    extracted = tmp_path / "extracted"
    with zipfile.ZipFile(tmp_path / "db_30_1_text.zip") as zf:
        zf.extractall(extracted)
    assert isomorphic(run(extracted).graph, base)


def _copy(tmp_path) -> Path:
    d = tmp_path / "release"
    shutil.copytree(EMBEDDED, d)
    return d


def test_missing_required_column_names_file_and_column(tmp_path):
    d = _copy(tmp_path)
    f = d / "Skills.txt"
    lines = f.read_text(encoding="utf-8").splitlines()
    cols = lines[0].split("\t")
    i = cols.index("Scale ID")
    f.write_text(
        "\n".join("\t".join(c for j, c in enumerate(line.split("\t")) if j != i) for line in lines) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(SourceError) as e:
        run(d)
    assert e.value.path.endswith("Skills.txt") and "'Scale ID'" in str(e.value) and e.value.line == 1


def test_unknown_column_is_an_error(tmp_path):
    d = _copy(tmp_path)
    f = d / "Task Statements.txt"
    text = f.read_text(encoding="utf-8").replace("Task Type", "Task Kind", 1)
    f.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as e:
        run(d)
    assert e.value.path.endswith("Task Statements.txt") and e.value.column == "Task Kind"


def test_bad_value_names_line_and_column_inside_a_zip(tmp_path):
    d = _copy(tmp_path)
    f = d / "Skills.txt"
    lines = f.read_text(encoding="utf-8").splitlines()
    cells = lines[5].split("\t")
    cells[6] = "high"
    lines[5] = "\t".join(cells)
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceError) as e:
        run(_zip(d, tmp_path / "bad.zip"))
    assert e.value.path.endswith("bad.zip!db_30_1_text/Skills.txt")
    assert e.value.line == 6 and e.value.column == "Data Value"


def test_bad_soc_code_and_date(tmp_path):
    d = _copy(tmp_path)
    f = d / "Task Statements.txt"
    f.write_text(f.read_text(encoding="utf-8").replace("08/2022", "2022-08", 1), encoding="utf-8")
    with pytest.raises(SourceError, match="MM/YYYY") as e:
        run(d)
    assert e.value.line == 2
    (d / "Task Statements.txt").unlink()
    f = d / "Job Zones.txt"
    f.write_text(f.read_text(encoding="utf-8").replace("43-4051.00", "43-4051", 1), encoding="utf-8")
    with pytest.raises(SourceError, match="NN-NNNN.NN"):
        run(d)


def test_not_a_release(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(SourceError, match="no O\\*NET table"):
        run(tmp_path)
    with pytest.raises(SourceError, match="not an O\\*NET release"):
        run(tmp_path / "notes.txt")


def test_release_from_options_when_no_read_me(tmp_path):
    d = _copy(tmp_path)
    (d / "Read Me.txt").unlink()
    assert run(d).release == "unknown"
    assert run(d, release="30.1").release == "30.1"


# -- the tables the staged release lacks, and the legacy text layout -----------------------------------


def test_abilities_work_activities_work_context_task_ratings():
    res = run(FIXTURES / "onet" / "layouts")
    g = res.graph
    for t, n in (("Abilities", 4), ("Work Activities", 2), ("Work Context", 5), ("Task Ratings", 3)):
        assert t in res.report.tables_read and res.report.counts[f"ratings: {t}"] == n
    r = URIRef(ID + "rating/43-4051.00_1.A.1.b.1_IM")
    assert g.value(r, SG.recommendSuppress) == Literal(True)
    assert g.value(URIRef(ID + "rating/43-4051.00_1.A.1.b.1_LV"), SG.notRelevant) == Literal(True)
    cxp = URIRef(ID + "rating/43-4051.00_4.C.1.a.2.l_CXP_5")
    assert g.value(cxp, SG.category) == Literal(5) and g.value(cxp, SG.value).toPython() == Decimal("100.00")
    assert g.value(cxp, SG.lowerCIBound) is None
    ft = URIRef(ID + "rating/43-4051.00_task-2582_FT_7")
    assert g.value(ft, SG.ratedElement) == URIRef(ID + "task/2582") and g.value(ft, SG.sampleSize) == Literal(72)
    assert g.value(URIRef(ID + "rating/43-4051.00_task-2582_RT"), SG.category) is None
    ONET.describe(g, res.release, res.report)
    assert validate(g, load_shapes(["onet"]), load_ontology()).conforms


def test_legacy_text_layout_without_titles():
    res = run(FIXTURES / "onet" / "legacy")
    assert res.report.counts["ratings: Skills"] == 2
    assert res.release == "unknown" and res.report.warnings


def test_soc_titles_from_the_structure_file():
    soc = require_shared(shared_data_dir() / "aei" / "release_2025_02_10" / "SOC_Structure.csv")
    g = run(EMBEDDED, soc_structure=str(soc)).graph
    assert (
        str(g.value(URIRef(ID + "occupation-group/43-0000"), SKOS.prefLabel))
        == "Office and Administrative Support Occupations"
    )
    assert str(g.value(URIRef(ID + "occupation-group/43-4050"), SKOS.prefLabel)) == "Customer Service Representatives"


def test_every_table_is_required_unless_allowed(tmp_path):
    partial = tmp_path / "release"
    shutil.copytree(ONET.embedded_path(), partial)
    (partial / "SAMPLE.toml").unlink()  # no longer the declared sample: a release lacking eight tables
    with pytest.raises(SourceError, match=re.escape(
            "required O*NET table(s) missing: 'Task Ratings', 'Emerging Tasks', 'Alternate Titles', 'Related "
            "Occupations', 'Abilities', 'Work Activities', 'Work Context', 'Education, Training, and Experience'")):
        ONET.map(partial, BuildContext())
    res = run(partial, allow_missing=["Task Ratings", "Emerging Tasks", "Alternate Titles", "Related Occupations",
                                      "Abilities", "Work Activities", "Work Context",
                                      "Education, Training, and Experience"])
    assert set(res.report.skipped_why.values()) == {"absent; allowed by --allow-missing"}
    assert len(res.report.skipped_why) == 8
