"""One place per source mints and recognises its IRIs: skillgraph.iri.<source>.

A maintainer changing a scheme edits one module; these tests find any other place that still
spells an IRI base, and check the shapes' literal IRI patterns against what the modules mint.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from rdflib import Graph, Namespace

from skillgraph import iri

ROOT = Path(__file__).resolve().parent.parent
SH = Namespace("http://www.w3.org/ns/shacl#")
#: The bases only skillgraph.iri may spell (instances, graphs, ESCO's own IRIs).
BASES = (iri.ID_BASE, iri.GRAPH_BASE, iri.esco.PUBLISHER_BASE)
PACKAGE = [ROOT / "src", ROOT / "mappings", ROOT / "server", ROOT / "queries",
           *sorted((ROOT / "ontology").glob("*.py"))]


def _python_files() -> list[Path]:
    out: list[Path] = []
    for p in PACKAGE:
        out += [p] if p.is_file() else sorted(p.rglob("*.py"))
    return [p for p in out if iri.__path__[0] not in str(p) and ".venv" not in p.parts]


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (prose, not code that mints or matches IRIs)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def _violations(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    docs = _docstrings(tree)
    where = f"{path.relative_to(root)}"
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            text = node.value.replace("\\", "")  # also regular expressions: w3id\.org
            for base in BASES:
                if base.split("://", 1)[1] in text:
                    out.append((node.lineno, f"{where}:{node.lineno}: spells the IRI base {base} (use skillgraph.iri)"))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "instance"
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "iri"):
            out.append((node.lineno, f"{where}:{node.lineno}: iri.instance(...) outside skillgraph.iri "
                                     "(use iri.<source>)"))
    return [msg for _, msg in sorted(out)]


def test_iri_bases_only_in_the_iri_modules():
    files = _python_files()
    assert {f.relative_to(ROOT).parts[0] for f in files} == {"src", "mappings", "server", "queries", "ontology"}
    found = [v for p in files for v in _violations(p)]
    assert found == [], "\n".join(found)


def test_the_grep_finds_a_planted_base(tmp_path):
    planted = tmp_path / "mappings" / "planted.py"
    planted.parent.mkdir()
    planted.write_text('"""Docstrings may name https://w3id.org/skillgraph/id/onet/."""\n'
                       'X = r"^https://w3id\\.org/skillgraph/id/onet/task/"\n'
                       'Y = iri.instance("onet", "task", 1)\n'
                       'Z = f"http://data.europa.eu/esco/skill/{X}"\n')
    assert _violations(planted, tmp_path) == [
        f"mappings/planted.py:2: spells the IRI base {iri.ID_BASE} (use skillgraph.iri)",
        "mappings/planted.py:3: iri.instance(...) outside skillgraph.iri (use iri.<source>)",
        f"mappings/planted.py:4: spells the IRI base {iri.esco.PUBLISHER_BASE} (use skillgraph.iri)",
    ]


def test_onet_mints_and_recognises():
    t = iri.onet.task(2582)
    assert str(t) == "https://w3id.org/skillgraph/id/onet/task/2582"
    assert iri.onet.is_task(t) and not iri.onet.is_occupation(t)
    assert iri.onet.is_occupation(iri.onet.occupation("43-4051.00"))
    assert not iri.onet.is_task(str(t) + "/x") and not iri.onet.is_task(iri.onet.SCHEME.base + "task/")
    assert iri.onet.code(t) == "2582"
    assert iri.onet.is_publisher_url(iri.onet.DATABASE)  # the database a cited O*NET release is a version of
    assert iri.source_of(t) == "onet" and iri.source_of(iri.esco.skill("abc")) == "esco"
    assert iri.source_of("https://example.org/x") is None
    with pytest.raises(ValueError, match="onet has no IRI type 'tsak'; its types are occupation, "):
        iri.onet.mint("tsak", "1")
    with pytest.raises(ValueError, match="no IRI scheme for source 'nope'; the sources are aei, aiwork, crosswalk, "
                                         "esco, jobmodel, ladder, nesta, onet, pathsmith, safi, wef$"):
        iri.scheme("nope")


@pytest.mark.parametrize("url,on_site", [
    ("https://www.onetcenter.org/", True), ("http://onetonline.org/link/summary/43-4051.00", True),
    ("https://WWW.OnetCenter.org:443/database.html", True), ("https://user@services.onetcenter.org/x", True),
    ("https://evilonetcenter.org/", False), ("https://onetcenter.org.example.com/", False),
    ("https://example.org/onetcenter.org", False), ("https://skillscrosswalk.com/", False),
    ("https://[::1/", False), ("", False),
])
def test_onet_publisher_site_is_read_off_the_parsed_host(url, on_site):
    assert iri.onet.is_publisher_url(url) is on_site


def test_esco_keeps_its_publisher_iris():
    s = iri.esco.skill("38da3c60-4b7c-4698-9256-574e4ee4e93b")
    assert str(s) == "http://data.europa.eu/esco/skill/38da3c60-4b7c-4698-9256-574e4ee4e93b"
    assert iri.esco.is_skill(s) and not iri.esco.is_occupation(s) and iri.esco.is_esco(s)
    assert iri.esco.MODEL == "http://data.europa.eu/esco/model#"
    assert str(iri.esco.SCHEME.mint("collection", "green")) == "https://w3id.org/skillgraph/id/esco/collection/green"


def test_one_namespace_per_prefix():
    """A prefix names one namespace wherever the project writes CURIEs (ontology prefixes, SSSOM curie_map)."""
    from skillgraph.crosswalk.sssom import CURIE_MAP
    from skillgraph.ontology import PREFIXES

    clash = {p: (PREFIXES[p], CURIE_MAP[p]) for p in set(PREFIXES) & set(CURIE_MAP) if PREFIXES[p] != CURIE_MAP[p]}
    assert clash == {}
    assert CURIE_MAP["escoskill"] == "http://data.europa.eu/esco/skill/" and "esco" not in CURIE_MAP
    assert PREFIXES["esco"] == iri.esco.MODEL


# -- the shapes' literal IRI patterns, checked against the modules ----------------------------------------

#: A minted example of every (source, type) a shape pattern names; each pattern must accept its example.
SAMPLES = {
    ("onet", "occupation"): "43-4051.00", ("onet", "task"): "2582", ("onet", "element"): "2.B.1.f",
    ("onet", "job-zone"): "3", ("onet", "occupation-group"): "43-4000", ("onet", "scale"): "IM",
    ("onet", "commodity"): "43211503", ("onet", "dwa"): "4.A.1.a.1.I01.D01",
    ("aei", "release"): "release_2026_03_24",
    ("pathsmith", "level"): "1", ("pathsmith", "domain"): "communication",
    ("pathsmith", "statement"): "43-4051.00-communication-1", ("pathsmith", "anchor-set"): "43-4051.00",
    ("ladder", "level"): "1", ("ladder", "statement"): "43-4051.00-1",
    ("aiwork", "level"): "1", ("aiwork", "statement"): "43-4051.00-1",
    ("esco", "skill-relation"): iri.digest("a", "b"), ("esco", "collection"): "green",
    ("nesta", "row"): "17", ("nesta", "crosswalk-step"): "43-4051.00--43-4051.00",
    ("jobmodel", "cluster"): "leading", ("jobmodel", "competency"): "coaching", ("jobmodel", "role"): "csr",
    ("wef", "cluster"): "c1", ("wef", "skill"): "s1",
}
ESCO_SAMPLES = [iri.esco.skill("38da3c60-4b7c-4698-9256-574e4ee4e93b"), iri.esco.occupation("13d1b2b4-99dd"),
                iri.esco.publisher("isco/C422"), iri.esco.publisher("isced-f/0111"),
                iri.esco.publisher("concept-scheme/skills-hierarchy")]
_MINTED = re.compile(r"https://w3id\.org/skillgraph/id/([a-z][a-z0-9-]*)/(?:([a-z][a-z0-9-]*)/)?")


def _shape_iri_texts() -> list[tuple[str, str, str]]:
    """(file, kind of text, text) for every sh:pattern and SPARQL target naming a SkillGraph or ESCO IRI."""
    out = []
    for f in sorted((ROOT / "ontology" / "shapes").glob("*.ttl")):
        g = Graph().parse(f)
        for p in sorted({str(o) for o in g.objects(None, SH.pattern)}):
            if any(b.split("://")[1] in p.replace("\\", "") for b in BASES):
                out.append((f.name, "pattern", p))
        for q in sorted({str(o) for o in g.objects(None, SH.select)}):
            for s in re.findall(r'STRSTARTS\(STR\(\?\w+\), "([^"]+)"\)', q):
                out.append((f.name, "strstarts", s))
    return out


SHAPE_TEXTS = _shape_iri_texts()


def test_shape_iri_texts_discovered():
    assert len(SHAPE_TEXTS) == 67


@pytest.mark.parametrize(("file", "what", "text"), SHAPE_TEXTS, ids=[f"{f}:{t}" for f, _, t in SHAPE_TEXTS])
def test_shape_iri_patterns_follow_the_modules(file, what, text):
    plain = text.lstrip("^").replace("\\", "")
    if plain.startswith(iri.GRAPH_BASE):
        assert re.match(text, str(iri.graph("onet")))
        return
    if plain.startswith(iri.esco.PUBLISHER_BASE):
        if what == "pattern" and text.endswith("$"):
            assert any(re.match(text, str(s)) for s in ESCO_SAMPLES), text
        return
    m = _MINTED.match(plain)
    assert m, f"{file}: {text} names no minted IRI scheme"
    source, kind = m.group(1), m.group(2)
    scheme = iri.scheme(source)  # unknown source: ValueError
    if kind is None or kind not in scheme.kinds and "(" in plain[m.start(2):]:
        return  # the source's whole namespace, or an alternation of its types
    assert kind in scheme.kinds, f"{file}: {text}: {source} mints no type {kind!r} ({', '.join(scheme.kinds)})"
    assert plain.startswith(scheme.prefix(kind))
    sample = scheme.mint(kind, SAMPLES[(source, kind)])
    if what == "pattern":
        assert re.match(text, str(sample)), f"{file}: {text} rejects what skillgraph.iri mints: {sample}"
    else:
        assert str(sample).startswith(text)
