"""The build end to end on the embedded default: named graphs with provenance, entailments in their
own graph, exports, atomic publication, and a failed build that leaves the last good one serving."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from skillgraph import store
from skillgraph.build import build, plan
from skillgraph.cli import main
from skillgraph.errors import SourceError, ValidationFailed
from skillgraph.mappings import SOURCES

GRAPH = "https://w3id.org/skillgraph/graph/"


def test_every_source_has_an_embedded_default_and_builds(embedded_build):
    d, summary = embedded_build
    assert set(SOURCES.keys()) <= set(summary.graphs)
    for key in SOURCES.keys():
        assert summary.graphs[key] > 0, key
    assert summary.graphs["inferred"] > 0
    assert store.current_id(d) == summary.build_id


def test_build_json_marks_each_stage_as_it_starts(embedded_build):
    # stages interleave (each source graph validated, then loaded, before the next), so build.json records
    # every stage's starts in order (bench/stages.py places its RSS samples by them)
    d, summary = embedded_build
    phases = json.loads((store.build_path(d) / "reports" / "build.json").read_text(encoding="utf-8"))["phases_s"]
    names, starts = [p[0] for p in phases], [p[1] for p in phases]
    assert starts == sorted(starts) and starts[0] >= 0
    assert names[:len(SOURCES.keys())] == [f"map:{k}" for k in SOURCES.keys()]
    assert names[len(SOURCES.keys()):] == ["references", "load", *["validate", "load"] * len(SOURCES.keys()),
                                           "crosswalk:inputs", "crosswalk", "references", "validate", "load",
                                           "export", "reason", "export", "publish"]
    assert set(summary.timings) - {"fingerprints"} <= set(names)


def test_mapped_graphs_are_frozen_then_freed_once_validated_and_let_go(monkeypatch):
    # gc_paused freezes what mapping made (the collector skips it); an rdflib Graph is only freed by the
    # collector (it and its store refer to each other), so validate_all thaws once the first graph is let go
    import gc
    import weakref

    from skillgraph import build as b
    from skillgraph.validation import ValidationResult

    with b.gc_paused():
        g = Graph()
        for i in range(100):
            g.add((URIRef(f"{GRAPH}x/{i}"), URIRef(f"{GRAPH}p"), URIRef(f"{GRAPH}o")))
    assert gc.get_freeze_count() > 0
    gone = weakref.ref(g)
    graphs = {"onet": g}
    del g
    monkeypatch.setattr(b, "validate", lambda *a, **k: ValidationResult(True))
    b.validate_all(graphs, then=lambda key, graph: graphs.pop(key))
    assert gc.get_freeze_count() == 0 and gone() is None


def test_each_source_graph_carries_its_provenance(embedded_store):
    q = """SELECT ?g ?licence ?credit ?version WHERE { GRAPH ?g {
             ?g a sg:SourceGraph ; dcterms:license ?licence ; sg:creditLine ?credit ; schema:version ?version } }"""
    from skillgraph.query import run

    rows = {s["g"].value: (s["licence"].value, s["version"].value) for s in run(embedded_store, q)}
    for key in SOURCES.keys():
        assert GRAPH + key in rows, key


def test_inferred_triples_live_only_in_the_inferred_graph(embedded_store):
    from skillgraph.query import run

    # the type sg:Competency of an O*NET skill is entailed (sg:Skill subClassOf sg:Competency), not asserted
    ask_inferred = run(embedded_store, f"""ASK {{ GRAPH <{GRAPH}inferred> {{
        <https://w3id.org/skillgraph/id/onet/element/2.B.1.f> a sg:Competency }} }}""")
    ask_source = run(embedded_store, f"""ASK {{ GRAPH <{GRAPH}onet> {{
        <https://w3id.org/skillgraph/id/onet/element/2.B.1.f> a sg:Competency }} }}""")
    assert bool(ask_inferred) and not bool(ask_source)


def test_exports_are_the_stored_graphs(embedded_build, embedded_store):
    d, summary = embedded_build
    exports = summary.path / "exports"
    for key in list(SOURCES.keys()) + ["crosswalk", "inferred", "ontology"]:
        f = exports / f"{key}.ttl"
        assert f.is_file(), f
    stored = Graph().parse(data=embedded_store.dump(format=ox.RdfFormat.N_TRIPLES,
                                                    from_graph=ox.NamedNode(GRAPH + "onet")), format="nt")
    assert isomorphic(stored, Graph().parse(exports / "onet.ttl"))
    from skillgraph.crosswalk.sssom import read_sssom

    meta, rows = read_sssom(exports / "crosswalk.sssom.tsv")
    assert any(
        r["object_label"] == "perform escalation procedure" or r["subject_label"] == "perform escalation procedure"
        for r in rows
    )
    ds = ox.Store()
    ds.bulk_load(path=str(exports / "skillgraph.nq"), format=ox.RdfFormat.N_QUADS)
    assert len(ds) == sum(summary.graphs.values())
    trig = ox.Store()
    trig.bulk_load(path=str(exports / "skillgraph.trig"), format=ox.RdfFormat.TRIG)
    assert len(trig) == len(ds)
    for name in ds.named_graphs():  # the same quads; blank nodes are relabelled, so those by isomorphism
        a, b = (list(x.quads_for_pattern(None, None, None, name)) for x in (ds, trig))
        plain_a, plain_b = ({q for q in x if not _has_blank(q)} for x in (a, b))
        assert plain_a == plain_b, name
        assert isomorphic(_rdflib([q for q in a if _has_blank(q)]), _rdflib([q for q in b if _has_blank(q)])), name
    info = json.loads((summary.path / "reports" / "build.json").read_text())
    assert info["graphs"] == summary.graphs


def _awkward_store() -> ox.Store:
    """Two graphs sharing a blank node; literals with line breaks, quotes, ' .' and an @prefix line inside."""
    st = ox.Store()
    b = ox.BlankNode()
    p = ox.NamedNode("https://w3id.org/skillgraph/ontology#note")
    for key, text in (("onet", 'a "quoted"\nsecond line .\n'), ("esco", "@prefix x: <y> .")):
        st.add(ox.Quad(b, p, ox.Literal(text, language="en"), ox.NamedNode(GRAPH + key)))
        st.add(ox.Quad(ox.NamedNode(GRAPH + key), p, b, ox.NamedNode(GRAPH + key)))
    return st


def _same_dataset(path: Path, fmt: ox.RdfFormat, st: ox.Store) -> None:
    """The file holds the store's quads, its one blank node (shared by two graphs) still one node."""
    back = ox.Store()
    back.load(path=str(path), format=fmt)
    assert len(back) == len(st) == 4, path
    blanks = {q.subject for q in back if isinstance(q.subject, ox.BlankNode)}
    assert len(blanks) == 1, path  # one node, in both graphs
    plain = ({(None if isinstance(q.subject, ox.BlankNode) else q.subject, q.predicate,
               None if isinstance(q.object, ox.BlankNode) else q.object, q.graph_name) for q in x} for x in (back, st))
    assert next(plain) == next(plain), path


def test_trig_export_assembled_from_the_turtle_files_is_the_dataset(tmp_path):
    """The TriG dump is put together from the per-graph Turtle files: blank nodes shared between graphs,
    multi-line and quoted literals and an empty graph come back as the store holds them."""
    from skillgraph.export import write_exports

    st = _awkward_store()
    write_exports(st, tmp_path, ["onet", "esco", "wef"], ("ttl", "trig"))
    _same_dataset(tmp_path / "skillgraph.trig", ox.RdfFormat.TRIG, st)


def test_graph_exports_written_graph_by_graph_are_the_dataset(tmp_path):
    """The build's exports, each graph's files written as the graph is done and the dataset files assembled
    from them, hold the store's quads: N-Quads from the N-Triples parts (which are not exports here), TriG
    from the Turtle files; the parts are removed, and a blank node shared by two graphs stays one node."""
    from skillgraph.export import GraphExports

    st = _awkward_store()
    ex = GraphExports(st, tmp_path, ("ttl", "trig", "nq"))
    ex.graph_done("onet")
    ex.graph_done("esco")
    ex.graph_done("wef", now=True)
    written = ex.finish()
    assert sorted(p.name for p in written) == ["esco.ttl", "onet.ttl", "skillgraph.nq", "skillgraph.trig", "wef.ttl"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)  # no parts left
    assert set(ex.seconds) >= {"onet.nt", "esco.ttl", "wef.ttl", "skillgraph.nq", "skillgraph.trig"}
    _same_dataset(tmp_path / "skillgraph.nq", ox.RdfFormat.N_QUADS, st)
    _same_dataset(tmp_path / "skillgraph.trig", ox.RdfFormat.TRIG, st)
    # blocks that cut lines anywhere give the same file (a line's head is carried into the next block)
    from skillgraph.export import nquads_from_ntriples

    parts = []
    for key in ("onet", "esco"):
        st.dump(str(tmp_path / f"{key}.nt"), ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(GRAPH + key))
        parts.append((GRAPH + key, tmp_path / f"{key}.nt"))
    nquads_from_ntriples(tmp_path / "big.nq", parts)
    nquads_from_ntriples(tmp_path / "small.nq", parts, block=5)
    assert (tmp_path / "big.nq").read_bytes() == (tmp_path / "small.nq").read_bytes()


def test_nquads_assembly_refuses_a_part_that_is_not_line_per_triple(tmp_path):
    """A part whose lines do not each end with ' .' (not what Oxigraph writes) fails, naming the file."""
    from skillgraph.export import nquads_from_ntriples

    nt = tmp_path / "onet.nt"
    nt.write_bytes(b'<https://a> <https://b> "c" .\n<https://a> <https://b>\n "d" .\n')
    with pytest.raises(ValueError, match="onet.nt"):
        nquads_from_ntriples(tmp_path / "out.nq", [(GRAPH + "onet", nt)])
    nt.write_bytes(b'<https://a> <https://b> "c" .\n<https://a> <https://b> "d" .')
    with pytest.raises(ValueError, match="no line break"):
        nquads_from_ntriples(tmp_path / "out.nq", [(GRAPH + "onet", nt)])


def test_a_failed_dump_fails_the_exports(tmp_path):
    from skillgraph.export import GraphExports

    st = _awkward_store()
    ex = GraphExports(st, tmp_path / "out", ("ttl",))
    (tmp_path / "out" / "onet.ttl").mkdir()  # the file cannot be written
    ex.graph_done("onet")
    with pytest.raises(OSError):
        ex.finish()


def _has_blank(q: ox.Quad) -> bool:
    return isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)


def _rdflib(quads: list[ox.Quad]) -> Graph:
    from skillgraph.reasoning import ox_to_rdflib

    g = Graph()
    for q in quads:
        g.add((ox_to_rdflib(q.subject), ox_to_rdflib(q.predicate), ox_to_rdflib(q.object)))
    return g


def _copy_embedded(tmp_path: Path, key: str) -> Path:
    dst = tmp_path / key
    shutil.copytree(SOURCES.get(key).embedded_path(), dst)
    return dst


def test_failed_build_keeps_the_last_good_build(tmp_path):
    d = tmp_path / "build"
    first = build(d, only=["onet"], log=lambda m: None)
    bad = _copy_embedded(tmp_path, "onet")
    skills = bad / "Skills.txt"
    lines = skills.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    row = lines[1].split("\t")
    row[header.index("Scale ID")] = "LV"
    row[header.index("Data Value")] = "9.00"
    lines[1] = "\t".join(row)
    skills.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as e:
        build(d, {"onet": bad}, only=["onet"], log=lambda m: None)
    assert "OnetLevelRatingShape" in str(e.value)
    assert store.current_id(d) == first.build_id
    assert e.value.report_path is not None and any(e.value.report_path.glob("shacl-onet.ttl"))
    assert [p.name for p in (d / "builds").iterdir()] == [first.build_id]
    assert not list(d.glob(".tmp-*"))


def test_bad_input_names_file_and_line(tmp_path):
    d = tmp_path / "build"
    bad = _copy_embedded(tmp_path, "onet")
    tasks = bad / "Task Statements.txt"
    lines = tasks.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("\t", "\t\t", 1)
    tasks.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"Task Statements.txt:4"):
        build(d, {"onet": bad}, only=["onet"], log=lambda m: None)
    assert store.current_id(d) is None


def test_plan_rejects_unknown_sources_and_missing_paths(tmp_path):
    with pytest.raises(ValueError, match="valid sources are"):
        plan({"onett": tmp_path})
    with pytest.raises(SourceError, match="does not exist"):
        plan({"onet": tmp_path / "nowhere"})
    assert list(plan(only=["onet", "esco"])) == ["onet", "esco"]


def test_cli_validate_names_focus_node_and_shape_for_level_9(tmp_path, capsys):
    f = tmp_path / "level9.ttl"
    f.write_text("""
@prefix sg: <https://w3id.org/skillgraph/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/skillgraph/id/onet/rating/43-4051.00-2.B.1.f-LV> a sg:Rating ;
    sg:occupation <https://w3id.org/skillgraph/id/onet/occupation/43-4051.00> ;
    sg:ratedElement <https://w3id.org/skillgraph/id/onet/element/2.B.1.f> ;
    sg:scale <https://w3id.org/skillgraph/id/onet/scale/LV> ;
    sg:value "9.0"^^xsd:decimal .
""", encoding="utf-8")
    assert main(["validate", str(f), "--shapes", "onet"]) == 1
    out = capsys.readouterr().out
    assert "<https://w3id.org/skillgraph/id/onet/rating/43-4051.00-2.B.1.f-LV>" in out
    assert "sgsh:OnetLevelRatingShape" in out


def test_cli_validate_the_current_build_conforms(embedded_build, capsys):
    d, _ = embedded_build
    assert main(["validate", "--store", str(d)]) == 0
    assert "conforms" in capsys.readouterr().out


def test_cli_validate_reports_unparseable_file(tmp_path, capsys):
    f = tmp_path / "broken.ttl"
    f.write_text("<a> <b> .", encoding="utf-8")
    assert main(["validate", str(f)]) == 2
    assert "broken.ttl" in capsys.readouterr().err


def test_config_file_equivalent_of_source_options(tmp_path):
    src = _copy_embedded(tmp_path, "onet")
    cfg = tmp_path / "skillgraph.toml"
    cfg.write_text('[sources]\nonet = "onet"\n', encoding="utf-8")
    assert main(["build", "--store", str(tmp_path / "b"), "--config", str(cfg), "--only", "onet"]) == 0
    info = store.build_info(tmp_path / "b")
    assert info["sources"]["onet"]["path"] == str(src.resolve())
    cfg.write_text('[sources]\nonett = "x"\n', encoding="utf-8")
    assert main(["build", "--store", str(tmp_path / "b"), "--config", str(cfg)]) == 2


def test_turtle_exports_parse_with_rdflib_even_for_awkward_iris(tmp_path):
    """O*NET technology names give IRIs with %20 and a trailing '.', which prefixed names mangle."""
    from skillgraph.export import write_exports

    st = ox.Store()
    g = ox.NamedNode(GRAPH + "onet")
    s = ox.NamedNode("https://w3id.org/skillgraph/id/onet/technology/CDI%20Electronics%20M.E.D.S.")
    st.add(ox.Quad(s, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                   ox.NamedNode("https://w3id.org/skillgraph/ontology#TechnologySkill"), g))
    write_exports(st, tmp_path, ["onet"], ("ttl", "trig", "rdfxml"))
    for f in ("onet.ttl", "onet.rdf"):
        parsed = Graph().parse(tmp_path / f)
        assert (URIRef(s.value), None, None) in parsed
    from rdflib import Dataset

    ds = Dataset()
    ds.parse(tmp_path / "skillgraph.trig", format="trig")
    assert len(list(ds.quads((URIRef(s.value), None, None, None)))) == 1


def test_a_let_go_graph_is_freed_while_frozen(monkeypatch):
    """The build empties a graph's store as it lets it go (fastgraph.release): its terms lose the store's
    references at once, frozen or not, so no collection is needed to free them."""
    import gc
    import sys

    from skillgraph import build as b
    from skillgraph.fastgraph import release

    term = URIRef(f"{GRAPH}p/released")
    with b.gc_paused():
        g = Graph()
        for i in range(100):
            g.add((URIRef(f"{GRAPH}x/{i}"), term, URIRef(f"{GRAPH}o")))
    try:
        assert gc.get_freeze_count() > 0
        held = sys.getrefcount(term)
        assert release(g) and len(g) == 0
        assert sys.getrefcount(term) < held - 100  # the indexes' references went with them, frozen as they were
        g.add((term, term, term))  # still a working graph
        assert len(g) == 1
        assert not release(Graph(store="SimpleMemory"))  # another store: left as it is
    finally:
        gc.unfreeze()
