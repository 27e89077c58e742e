"""`skillgraph validate` as a CI gate, the way a partner runs it: exit codes, every result with its
file, machine-readable outputs (JSON, JUnit XML, GitHub annotations, Turtle), stdin, empty inputs,
mixed O*NET/ESCO data, every export of a build together, the shapes for plain pySHACL, and the
README's GitHub Actions step run as written."""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF

from skillgraph.cli import main
from skillgraph.ontology import load_ontology
from skillgraph.validation import SH, load_shapes, shape_ids, validate

ROOT = Path(__file__).resolve().parent.parent
FIX = Path(__file__).parent / "fixtures"
SHAPE_FIX = FIX / "shapes"
MIXED = FIX / "validate" / "partner_mixed.ttl"
ONET_OCC = "<https://w3id.org/skillgraph/id/onet/occupation/43-4051.00>"
ESCO_SKILL = "<http://data.europa.eu/esco/skill/946c1229-1171-40d4-82cc-fe3f483ca100>"
# the mixed partner file's two real violations, nothing else
MIXED_RESULTS = {("sgsh:OnetOccupationShape", ONET_OCC, "sg:socCode"),
                 ("sgsh:EscoSkillShape", ESCO_SKILL, "esco:skillType")}


def cli(capsys, *argv: str) -> SimpleNamespace:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:  # argparse's usage errors
        code = e.code
    out = capsys.readouterr()
    return SimpleNamespace(code=code, out=out.out, err=out.err)


@pytest.fixture
def inputs(tmp_path):
    """Three partner files: two with violations (from the shape fixtures), one conforming."""
    files = {"rating.ttl": SHAPE_FIX / "onet" / "OnetLevelRatingShape" / "violating.ttl",
             "skill.ttl": SHAPE_FIX / "esco" / "EscoSkillShape" / "violating.ttl",
             "clean.ttl": SHAPE_FIX / "esco" / "EscoOccupationShape" / "conforming.ttl"}
    out = {}
    for name, src in files.items():
        shutil.copy(src, tmp_path / name)
        out[name] = tmp_path / name
    return out


def expected_per_file(paths) -> dict[str, int]:
    """What each file gives on its own, through the Python API: the CLI must lose none of it."""
    shapes, ont = load_shapes(), load_ontology()
    return {str(p): len(validate(Graph().parse(p), shapes, ont).violations) for p in paths}


def test_unknown_shape_id_is_a_usage_error_listing_the_valid_ids(capsys, inputs):
    r = cli(capsys, "validate", "--shapes", "onet,nosuch", inputs["clean.ttl"])
    assert r.code == 2
    assert "'nosuch'" in r.err and ", ".join(shape_ids()) in r.err
    assert len(shape_ids()) == 11
    assert cli(capsys, "validate", "--format", "nosuch", inputs["clean.ttl"]).code == 2


def test_unreadable_input_exit_2_naming_the_file(capsys, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    r = cli(capsys, "validate", bad)
    assert r.code == 2 and str(bad) in r.err and "not parseable as turtle" in r.err
    r = cli(capsys, "validate", tmp_path / "missing.ttl")
    assert r.code == 2 and "missing.ttl: file not found" in r.err


def test_empty_input_is_said_and_fails_with_fail_on_empty(capsys, tmp_path, inputs):
    empty = tmp_path / "empty.ttl"
    empty.write_text("# nothing here\n", encoding="utf-8")
    r = cli(capsys, "validate", empty)
    assert r.code == 0 and f"{empty}: holds no triples: nothing was validated" in r.out
    r = cli(capsys, "validate", "--fail-on-empty", "--format", "json", empty, inputs["clean.ttl"])
    assert r.code == 1
    doc = json.loads(r.out)
    assert doc["conforms"] is False and doc["violations"] == 0
    assert {(i["file"], i["empty"]) for i in doc["inputs"]} == {(str(empty), True), (str(inputs["clean.ttl"]), False)}
    r = cli(capsys, "validate", "--fail-on-empty", "--format", "github", empty)
    assert r.code == 1 and f"::error file={empty},title=empty input::" in r.out


@pytest.mark.slow
def test_several_files_json_lists_every_result_with_its_file(capsys, inputs, tmp_path):
    paths = list(inputs.values())
    expected = expected_per_file(paths)
    assert expected[str(inputs["clean.ttl"])] == 0 and all(
        expected[str(inputs[n])] > 0 for n in ("rating.ttl", "skill.ttl")
    )
    for mode in ([], ["--each"]):
        report = tmp_path / f"report{len(mode)}.ttl"
        r = cli(capsys, "validate", *mode, "--format", "json", "--report", report, *paths)
        assert r.code == 1
        doc = json.loads(r.out)
        got = {}
        for res in doc["results"]:
            assert res["files"][0] == res["file"] and res["shape"].startswith("sgsh:") and res["message"]
            got[res["file"]] = got.get(res["file"], 0) + 1
        assert {f: got.get(f, 0) for f in expected} == expected
        assert doc["violations"] == len(doc["results"]) == sum(expected.values())
        assert {i["file"]: i["violations"] for i in doc["inputs"]} == expected
        # --report keeps every result of every file, each with its file
        rep = Graph().parse(report)
        results = set(rep.subjects(RDF.type, SH.ValidationResult))
        assert len(results) == sum(expected.values())
        sources = [str(s) for r_ in results for s in rep.objects(r_, DCTERMS.source)]
        assert {f: sources.count(f) for f in expected} == expected
        assert (None, SH.conforms, Literal(False)) in rep


def test_junit_xml_parses_and_lists_every_result_under_its_file(capsys, inputs):
    paths = list(inputs.values())
    expected = expected_per_file(paths)
    r = cli(capsys, "validate", "--format", "junit", *paths)
    assert r.code == 1
    root = ET.fromstring(r.out)
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == set(expected)
    for name, n in expected.items():
        s = suites[name]
        failures = s.findall("testcase/failure")
        assert int(s.get("failures")) == len(failures) == n
        assert all(c.get("classname") == name for c in s.findall("testcase"))
        if n == 0:
            assert [c.get("name") for c in s.findall("testcase")] == ["conforms to all shapes"]
    assert int(root.get("failures")) == sum(expected.values())


def test_github_annotations_name_the_file(capsys, inputs):
    paths = list(inputs.values())
    expected = expected_per_file(paths)
    r = cli(capsys, "validate", "--format", "github", *paths)
    assert r.code == 1
    lines = [ln for ln in r.out.splitlines() if ln.startswith("::")]
    files = [re.match(r"::error file=([^,]+),(?:line=\d+,)?title=sgsh%3A\w+::focus ", ln).group(1) for ln in lines]
    assert {f: files.count(f) for f in expected} == expected


def test_turtle_output_is_the_shacl_report(capsys, inputs):
    r = cli(capsys, "validate", "--format", "turtle", inputs["rating.ttl"])
    g = Graph().parse(data=r.out, format="turtle")
    assert r.code == 1 and (None, SH.conforms, Literal(False)) in g
    assert {str(o) for o in g.objects(None, DCTERMS.source)} == {str(inputs["rating.ttl"])}


def test_stdin_with_input_format(capsys, monkeypatch):
    data = Graph().parse(MIXED).serialize(format="nt").encode("utf-8")
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(data)))
    r = cli(capsys, "validate", "--input-format", "nt", "--format", "json", "-")
    doc = json.loads(r.out)
    assert r.code == 1 and {(x["shape"], x["focus"], x["path"]) for x in doc["results"]} == MIXED_RESULTS
    assert {x["file"] for x in doc["results"]} == {"<stdin>"}


def test_partner_file_mixing_onet_and_esco_is_judged_by_the_right_shapes(capsys):
    r = cli(capsys, "validate", "--format", "json", MIXED)
    doc = json.loads(r.out)
    assert r.code == 1
    assert {(x["shape"], x["focus"], x["path"]) for x in doc["results"]} == MIXED_RESULTS
    assert len(doc["results"]) == 2
    # each points at the line that states its focus node (see the fixture's header)
    assert {(x["focus"], x["file"], x["line"]) for x in doc["results"]} == {(ONET_OCC, str(MIXED), 21),
                                                                           (ESCO_SKILL, str(MIXED), 35)}
    r = cli(capsys, "validate", "--format", "github", MIXED)
    assert {ln.split("::")[1] for ln in r.out.splitlines() if ln.startswith("::")} == {
        f"error file={MIXED},line=21,title=sgsh%3AOnetOccupationShape",
        f"error file={MIXED},line=35,title=sgsh%3AEscoSkillShape",
    }
    # fixed, the same file conforms: no shape of one source judges the other's entities
    fixed = MIXED.read_text(encoding="utf-8").replace('sg:socCode "43-4051" .', 'sg:socCode "43-4051.00" .')
    fixed = fixed.replace("skill-type/attitude", "skill-type/skill")
    g = Graph().parse(data=fixed, format="turtle")
    res = validate(g, load_shapes(), load_ontology())
    assert res.conforms, res.summary()


def test_exit_codes_documented_in_help_and_readme(capsys):
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "exit codes: 0 conforms, 1 violations" in text and "2 usage error or unreadable input" in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Validating"):readme.index("## Querying")]
    for row in ("| 0 | conforms |", "| 1 | violations", "| 2 | usage error"):
        assert row in section


@pytest.mark.slow
def test_every_export_of_the_embedded_build_conforms_together(capsys, embedded_build):
    (exports,) = list((Path(embedded_build[0]) / "builds").glob("*/exports"))
    ttl = sorted(exports.glob("*.ttl"))
    assert {p.name for p in ttl} >= {
        "onet.ttl",
        "esco.ttl",
        "crosswalk.ttl",
        "nesta.ttl",
        "inferred.ttl",
        "ontology.ttl",
    }
    r = cli(capsys, "validate", "--format", "json", *ttl)
    doc = json.loads(r.out)
    assert (r.code, doc["violations"]) == (0, 0), doc["results"][:5]
    assert len(doc["inputs"]) == len(ttl)
    r = cli(capsys, "validate", exports / "skillgraph.trig")
    assert r.code == 0, r.out[:2000]
    # every source graph's export also conforms on its own
    sources = [p for p in ttl if p.name not in ("inferred.ttl", "ontology.ttl")]
    r = cli(capsys, "validate", "--each", "--format", "json", *sources)
    assert r.code == 0, r.out[:2000]


def pyshacl(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyshacl", *map(str, args)], capture_output=True, text=True)


def test_shapes_out_runs_in_plain_pyshacl_with_a(capsys, tmp_path):
    r = cli(capsys, "shapes", "--out", tmp_path / "shapes")
    assert r.code == 0
    shapes, classes = tmp_path / "shapes" / "skillgraph-shapes.ttl", tmp_path / "shapes" / "skillgraph-classes.ttl"
    assert r.out.split() == [str(shapes), str(classes)]
    assert len(set(Graph().parse(shapes).subjects(RDF.type, SH.NodeShape))) == len(
        set(load_shapes().subjects(RDF.type, SH.NodeShape)))
    with_a = pyshacl("-a", "-s", shapes, "-e", classes, MIXED)
    assert with_a.returncode == 1 and "Conforms: False" in with_a.stdout and "Results (2):" in with_a.stdout
    assert "43-4051" in with_a.stdout and "skill-type/attitude" in with_a.stdout
    # without -a the SPARQL-targeted shapes never run: the O*NET occupation's violation is missed
    without = pyshacl("-s", shapes, "-e", classes, MIXED)
    assert "Results (1):" in without.stdout and "43-4051" not in without.stdout
    only_onet = MIXED.read_text(encoding="utf-8").replace("skill-type/attitude", "skill-type/skill")
    (tmp_path / "onet_only.ttl").write_text(only_onet, encoding="utf-8")
    assert "Conforms: True" in pyshacl("-s", shapes, "-e", classes, tmp_path / "onet_only.ttl").stdout
    assert "Conforms: False" in pyshacl("-a", "-s", shapes, "-e", classes, tmp_path / "onet_only.ttl").stdout
    r = cli(capsys, "shapes", "--out", tmp_path / "x", "--shapes", "nosuch")
    assert r.code == 2 and "valid: aei" in r.err


def readme_workflow_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", readme[readme.index("## Validating"):], re.S).group(1)
    lines = block.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.strip() == "run: |")
    indent = len(lines[start + 1]) - len(lines[start + 1].lstrip())
    out = []
    for ln in lines[start + 1:]:
        if ln.strip() and len(ln) - len(ln.lstrip()) < indent:
            break
        out.append(ln.strip())
    return [c for c in out if c]


@pytest.mark.slow
def test_readme_github_actions_step_runs_the_real_cli(tmp_path):
    cmds = readme_workflow_commands()
    assert len(cmds) == 3 and cmds[0].startswith("pip install")
    runnable = cmds[1:]  # the install step is the CI's; here the CLI under test is already installed
    assert all(c.startswith("skillgraph validate ") for c in runnable)
    (tmp_path / "data").mkdir()
    cli_cmd = f"{sys.executable} -m skillgraph.cli"

    def step() -> subprocess.CompletedProcess:
        script = "set -e\n" + "\n".join(cli_cmd + c[len("skillgraph"):] for c in runnable)
        return subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True)

    shutil.copy(SHAPE_FIX / "esco" / "EscoOccupationShape" / "conforming.ttl", tmp_path / "data" / "partner.ttl")
    ok = step()
    assert ok.returncode == 0, ok.stderr
    assert ET.parse(tmp_path / "shacl-junit.xml").getroot().get("failures") == "0"
    shutil.copy(MIXED, tmp_path / "data" / "mixed.ttl")
    bad = step()
    assert bad.returncode == 1
    assert sum(ln.startswith("::error file=data/mixed.ttl,") for ln in bad.stdout.splitlines()) == 2
    (tmp_path / "data" / "mixed.ttl").unlink()
    (tmp_path / "data" / "empty.ttl").write_text("", encoding="utf-8")
    assert step().returncode == 1  # --fail-on-empty
