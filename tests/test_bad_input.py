"""Bad input never publishes: each case runs `skillgraph build` the way a user does, on a copy of the
embedded data with one defect, and checks the exit code, the message (file:line:column, or the
dangling IRIs), and that the previous good build is still CURRENT and answers queries."""
from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from skillgraph import store
from skillgraph.cli import main
from skillgraph.mappings import SOURCES
from skillgraph.query import run

CSR = "https://w3id.org/skillgraph/id/onet/occupation/43-4051.00"


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """One good build of onet + aei (embedded) that every refused build must leave in place."""
    d = tmp_path_factory.mktemp("bad-input") / "build"
    assert main(["build", "--store", str(d), "--only", "onet,aei"]) == 0
    return d, store.current_id(d)


def copy_onet(tmp_path: Path) -> Path:
    dst = tmp_path / "onet"
    shutil.copytree(SOURCES.get("onet").embedded_path(), dst)
    return dst


def refused(good, capsys, argv: list[str], code: int, *patterns: str) -> str:
    """Run the build; assert it failed with `code`, its stderr matches every pattern, and nothing changed."""
    d, good_id = good
    capsys.readouterr()
    rc = main(["build", "--store", str(d)] + argv)
    out, err = capsys.readouterr()
    assert rc == code, (rc, err[-2000:])
    for p in patterns:
        assert re.search(p, err), (p, err[-3000:])
    assert store.current_id(d) == good_id
    st = store.open_read_only(d)  # the last good build still opens and answers
    assert bool(run(st, f"ASK {{ GRAPH ?g {{ <{CSR}> a sg:Occupation }} }}"))
    assert not list(d.glob(".tmp-*")) and not list(d.glob(".lock-*"))
    return out + err


def _edit(path: Path, fn) -> None:
    path.write_bytes(fn(path.read_bytes()))


def _line_of(path: Path, needle: bytes) -> tuple[int, int]:
    """1-based line and character column of the first occurrence of `needle` (ASCII text before it)."""
    data = path.read_bytes()
    i = data.index(needle)
    line = data.count(b"\n", 0, i) + 1
    col = i - (data.rfind(b"\n", 0, i) + 1) + 1
    return line, col


def test_nul_in_a_task_statement_is_refused_with_file_line_column(good, capsys, tmp_path):
    onet = copy_onet(tmp_path)
    f = onet / "Task Statements.txt"
    _edit(f, lambda b: b.replace(b"Confer with customers", b"Confer\x00with customers", 1))
    line, col = _line_of(f, b"\x00")
    refused(
        good,
        capsys,
        ["--only", "onet", "--onet", str(onet)],
        2,
        re.escape(
            f"Task Statements.txt:{line}:{col}: control character U+0000 (NUL), which XML and RDF/XML cannot carry"
        ),
    )


def test_other_control_characters_are_refused_too(good, capsys, tmp_path):
    onet = copy_onet(tmp_path)
    f = onet / "Occupation Data.txt"
    _edit(f, lambda b: b.replace(b"Interact with customers", b"Interact\x0bwith customers", 1))
    line, col = _line_of(f, b"\x0b")
    refused(good, capsys, ["--only", "onet", "--onet", str(onet)], 2,
            re.escape(f"Occupation Data.txt:{line}:{col}: control character U+000B (vertical tab)"))


def test_utf16_is_refused_naming_the_encoding(good, capsys, tmp_path):
    onet = copy_onet(tmp_path)
    f = onet / "Skills.txt"
    f.write_bytes(f.read_text(encoding="utf-8").encode("utf-16"))
    refused(good, capsys, ["--only", "onet", "--onet", str(onet)], 2,
            re.escape("Skills.txt:1:1: the file is UTF-16"))


def test_utf16_without_byte_order_mark_is_refused(good, capsys, tmp_path):
    onet = copy_onet(tmp_path)
    f = onet / "Skills.txt"
    f.write_bytes(f.read_text(encoding="utf-8").encode("utf-16-le"))
    refused(good, capsys, ["--only", "onet", "--onet", str(onet)], 2,
            re.escape("Skills.txt:1:2: control character U+0000 (NUL), which XML and RDF/XML cannot carry "
                      "(the file looks like UTF-16: save it as UTF-8)"))


def test_latin1_is_refused_with_line_and_column(good, capsys, tmp_path):
    onet = copy_onet(tmp_path)
    f = onet / "Task Statements.txt"
    _edit(f, lambda b: b.replace(b"Confer with customers", "Confér with customers".encode("latin-1"), 1))
    line, col = _line_of(f, b"\xe9")
    refused(good, capsys, ["--only", "onet", "--onet", str(onet)], 2,
            re.escape(f"Task Statements.txt:{line}:{col}: not UTF-8: byte 0xe9"))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bytes_are_refused_with_file_line_column(good, capsys, tmp_path, seed):
    onet = copy_onet(tmp_path)
    rnd = random.Random(seed)
    (onet / "Skills.txt").write_bytes(bytes(rnd.randrange(256) for _ in range(4000)))
    refused(good, capsys, ["--only", "onet", "--onet", str(onet)], 2,
            r"Skills\.txt:\d+:\d+: (not UTF-8: byte 0x[0-9a-f]{2}|control character U\+00[01][0-9A-F])")


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity", "3,12", "high"])
def test_a_level_that_is_not_a_number_names_file_line_column(good, capsys, tmp_path, value):
    onet = copy_onet(tmp_path)
    f = onet / "Skills.txt"
    old = b"2.A.1.a\tReading Comprehension\tLV\tLevel\t3.12\t"
    _edit(f, lambda b: b.replace(old, old.replace(b"3.12", value.encode()), 1))
    line, col = _line_of(f, b"\tLV\tLevel\t" + value.encode())
    col += len("\tLV\tLevel\t")
    refused(good, capsys, ["--only", "onet", "--onet", str(onet)], 2,
            re.escape(f"Skills.txt:{line}:{col} (column 'Data Value'): {value!r} is not a number"))


def test_duplicate_key_shacl_result_names_both_source_lines(good, capsys, tmp_path):
    onet = copy_onet(tmp_path)
    f = onet / "Skills.txt"
    lines = f.read_bytes().split(b"\n")
    (i,) = [k for k, ln in enumerate(lines) if b"\t2.A.1.a\tReading Comprehension\tLV\t" in ln]
    lines.append(lines[i].replace(b"\t3.12\t", b"\t3.50\t"))  # the same key again, another value
    f.write_bytes(b"\n".join(lines) + (b"" if lines[-1] else b""))
    last = len([ln for ln in lines])
    path = re.escape(str(f))
    refused(good, capsys, ["--only", "onet", "--onet", str(onet)], 1,
            r"SHACL validation failed",
            rf"focus <\S*rating/43-4051\.00_2\.A\.1\.a_LV> \(from {path}:{i + 1}, {path}:{last}\) path sg:value")


def test_out_of_range_rating_shacl_result_names_its_source_line(good, capsys, tmp_path):
    onet = copy_onet(tmp_path)
    f = onet / "Skills.txt"
    old = b"2.A.1.a\tReading Comprehension\tLV\tLevel\t3.12\t"
    _edit(f, lambda b: b.replace(old, old.replace(b"3.12", b"9.5"), 1))
    line, _ = _line_of(f, b"\tLV\tLevel\t9.5")
    refused(good, capsys, ["--only", "onet", "--onet", str(onet)], 1,
            rf"focus <\S*rating/43-4051\.00_2\.A\.1\.a_LV> \(from {re.escape(str(f))}:{line}\)")


def test_occupation_data_with_only_its_header_fails_naming_the_dangling_links(good, capsys, tmp_path):
    onet = copy_onet(tmp_path)
    f = onet / "Occupation Data.txt"
    f.write_bytes(f.read_bytes().split(b"\n")[0] + b"\n")
    text = refused(good, capsys, ["--only", "onet", "--onet", str(onet)], 2,
                   re.escape(f"13 dangling link(s) task -> occupation (sg:taskOf in graph onet) to 1 IRI(s) "
                             f"no graph of this build holds: {CSR}"))
    tasks = set(re.findall(r"<(\S+/task/\d+)> -> <" + re.escape(CSR) + ">", text))
    assert len(tasks) == 13
    assert "validated" not in text  # the check runs before SHACL


def test_a_statement_anchored_to_a_task_no_graph_holds_fails(good, capsys, tmp_path):
    onet = copy_onet(tmp_path)
    f = onet / "Task Statements.txt"
    lines = f.read_bytes().split(b"\n")
    (i,) = [k for k, ln in enumerate(lines) if b"\t2582\t" in ln]
    del lines[i]
    f.write_bytes(b"\n".join(lines))
    refused(
        good,
        capsys,
        ["--onet", str(onet)],
        2,
        re.escape("1 dangling link(s) collection -> member (e.g. an anchor-set task) (skos:member in graph pathsmith)"),
        re.escape("https://w3id.org/skillgraph/id/onet/task/2582"),
    )


def test_a_required_table_missing_fails_unless_allowed(good, capsys, tmp_path):
    onet = copy_onet(tmp_path)
    (onet / "Skills.txt").unlink()
    text = refused(good, capsys, ["--only", "onet", "--onet", str(onet)], 2,
                   re.escape(f"{onet}: required O*NET table(s) missing: 'Skills' (.txt or .xlsx); "
                             "build without them with --allow-missing 'Skills'"))
    assert "mapped onet" not in text  # refused by the preflight, before mapping


def test_allow_missing_on_the_command_line_and_in_the_config(tmp_path, capsys):
    onet = copy_onet(tmp_path)
    (onet / "Skills.txt").unlink()
    d = tmp_path / "build"
    assert main(["build", "--store", str(d), "--only", "onet", "--onet", str(onet), "--allow-missing", "Skills"]) == 0
    info = store.build_info(d)["sources"]["onet"]
    assert "Skills" not in info["tables_read"] and "Knowledge" in info["tables_read"]
    assert info["tables_skipped_why"]["Skills"] == "absent; allowed by --allow-missing"
    assert (
        info["tables_skipped_why"]["Abilities"]
        == "absent; not in the embedded one-occupation sample (see its README.md)"
    )
    assert set(info["tables_skipped"]) == set(info["tables_skipped_why"])
    cfg = tmp_path / "skillgraph.toml"
    cfg.write_text('[sources]\nonet = "onet"\n\n[build]\nallow_missing = ["Skills"]\n', encoding="utf-8")
    assert main(["build", "--store", str(d), "--only", "onet", "--config", str(cfg)]) == 0
    assert store.build_info(d)["allow_missing"] == ["Skills"]
    capsys.readouterr()
    assert main(["build", "--store", str(d), "--only", "onet", "--onet", str(onet), "--allow-missing", "Skils"]) == 2
    assert "unknown table(s) for --allow-missing: 'Skils'" in capsys.readouterr().err


def test_a_wrong_nesta_folder_fails_before_any_source_is_mapped(good, capsys, tmp_path):
    wrong = tmp_path / "crosswalks"
    wrong.mkdir()
    shutil.copy(SOURCES.get("nesta").embedded_path() / "esco_onet_crosswalk_Nov2020.csv", wrong)
    text = refused(good, capsys, ["--nesta", str(wrong)], 2,
                   re.escape(f"{wrong}: 2010_to_2019_soc_crosswalk.csv not found in this folder"))
    assert "mapped " not in text and "preflight" not in text


def test_exit_codes_are_documented_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    out = capsys.readouterr().out
    for code in ("0  published", "1  SHACL violations", "2  bad input or usage", "3  another error"):
        assert code in out


def test_a_framework_folder_without_a_table_fails_before_any_source_is_mapped(good, capsys, tmp_path):
    empty = tmp_path / "pathsmith"
    empty.mkdir()
    text = refused(good, capsys, ["--pathsmith", str(empty)], 2,
                   re.escape(f"{empty}: no CSV table found here"))
    assert "mapped " not in text


def test_the_map_back_index_points_at_the_source_line_of_each_record():
    """Statements and AEI records keep where they came from, as O*NET rows do (used for SHACL results)."""
    from rdflib.namespace import RDF

    from skillgraph.build import assemble, plan
    from skillgraph.ontology import SG

    a = assemble(plan(only=["onet", "pathsmith", "aei"]), crosswalk=False)
    statements = [s for s in a.graphs["pathsmith"].subjects() if "/statement/" in str(s)]
    assert len(set(statements)) == 84
    places = {a.origins["pathsmith"].get(s)[0].rsplit(":", 1)[0] for s in set(statements)}
    assert all(Path(p).is_file() and Path(p).suffix == ".csv" for p in places)
    (pack,) = [e for e in a.graphs["aei"].subjects(RDF.type, SG.AIUsageEvidence) if "occupation-evidence" in str(e)]
    where = a.origins["aei"].get(pack)
    assert where == [f"{SOURCES.get('aei').embedded_path() / 'release_2026_03_24' / 'aei_metrics.csv'}:2"]
    (occ_line,) = a.origins["onet"].get(CSR)
    assert occ_line == f"{SOURCES.get('onet').embedded_path() / 'Occupation Data.txt'}:2"
