"""The support re-ranker (crosswalk/rerank.py), its features (features.py), the retrieval modes and the dense
retriever wired into the engine.

Fitting is checked on small hand-made data whose answers are known (a separable direction, isotonic blocks
worked by hand); the packaged model is checked for what the engine relies on (every feature has a coefficient,
the calibration map is monotone and inside [0, 1]). The engine runs on the crosswalk sample fixture; runs that
need the dense extra and model skip without them (and fail under CI=true, see test_dense.py).
"""
from __future__ import annotations

import json
from importlib import resources

import pytest
from rdflib import URIRef
from rdflib.compare import isomorphic
from test_crosswalk import TASK, alignments, sample_graphs

from skillgraph import iri
from skillgraph.crosswalk import Inputs, align, dense, gather, level_prior, rerank
from skillgraph.crosswalk.features import FEATURES, LEXICAL_FEATURES, Candidate, FeatureSpace, evidence_kinds
from skillgraph.crosswalk.retrieval import MODES, RETRIEVERS, resolve
from skillgraph.ontology import SG

needs_model = pytest.mark.skipif(not dense.available(), reason=f"dense retrieval unavailable: "
                                                                f"{dense.unavailable_reason()}")
E = "http://data.europa.eu/esco/"
ST = "https://w3id.org/skillgraph/id/pathsmith/statement/"


# -- fitting -------------------------------------------------------------------------------------------------

def test_logistic_regression_finds_the_informative_feature():
    np = pytest.importorskip("numpy")
    # y depends on the first feature only (a noisy threshold at 0.5); the second is constant noise-free 1
    x = np.array([[i / 99, 1.0] for i in range(100)])
    y = np.array([int(i / 99 > 0.5) if i % 10 else int(i / 99 <= 0.5) for i in range(100)])
    mean, scale, coef, b = rerank.fit_logistic(x, y)
    assert coef[0] > 1.0 and coef[1] == 0.0  # a constant feature is standardised away, never used
    assert mean.tolist() == pytest.approx([0.5, 1.0]) and scale[1] == 1.0
    # deterministic: the same data, the same model
    assert rerank.fit_logistic(x, y)[2].tolist() == coef.tolist()


def test_isotonic_pools_adjacent_violators():
    # sorted by p: y = 1 0 | 1 1 0 -> blocks {0.1, 0.2} mean 0.5, then {0.3, 0.4, 0.5}: 1, 1, 0 violates at the end
    xs, ys = rerank.isotonic([0.1, 0.2, 0.3, 0.4, 0.5], [1, 0, 1, 1, 0])
    assert ys == pytest.approx([0.5, 2 / 3]) and xs == pytest.approx([0.15, 0.4])
    assert rerank.isotonic([0.2, 0.1], [1, 0]) == ([0.1, 0.2], [0.0, 1.0])


def test_folds_are_by_task_and_deterministic():
    groups = ["t3", "t1", "t2", "t1", "t6", "t5", "t4"]
    f = rerank.folds(groups, k=5)
    assert f == [2, 0, 1, 0, 0, 4, 3]  # tasks dealt round-robin in sorted order; one task, one fold


def test_fit_calibrates_out_of_fold_and_round_trips():
    np = pytest.importorskip("numpy")
    x = np.array([[i / 59] for i in range(60)])
    y = np.array([int(i % 3 != 0) if i > 30 else int(i % 5 == 0) for i in range(60)])
    groups = [f"t{i // 3}" for i in range(60)]
    model, oof = rerank.fit("m", ["f"], x, y, groups)
    assert len(oof) == 60 and all(0.0 <= c <= 1.0 for c in oof)
    ys = model.calib_y
    assert list(ys) == sorted(ys) and list(model.calib_x) == sorted(model.calib_x)
    back = rerank.Model.from_json("m", json.loads(json.dumps(model.to_json())))
    assert back.features == ("f",) and back.coef == pytest.approx(model.coef, abs=1e-6)
    assert back.raw([[0.9]]) == pytest.approx(model.raw([[0.9]]), abs=1e-5)


def test_out_of_fold_predictions_never_see_their_own_task():
    np = pytest.importorskip("numpy")
    x = np.array([[i / 59, (i * 7 % 11) / 10] for i in range(60)])
    y = np.array([int(i % 3 != 0) if i > 30 else int(i % 5 == 0) for i in range(60)])
    groups = [f"t{i // 3}" for i in range(60)]
    oof = rerank.out_of_fold(x, y, groups)
    fold = rerank.folds(groups)
    # flip the labels of one fold's tasks: that fold's predictions come from the other folds and do not move,
    # every other fold's do
    flipped = np.array([1 - v if f == 0 else v for v, f in zip(y, fold, strict=True)])
    again = rerank.out_of_fold(x, flipped, groups)
    same = [a == b for a, b in zip(oof, again, strict=True)]
    assert same == [f == 0 for f in fold]
    # the calibration of `fit` is fitted on exactly these predictions
    model, calibrated = rerank.fit("m", ["a", "b"], x, y, groups)
    assert calibrated == [model.calibrate(p) for p in oof]


def test_calibration_interpolates_between_knots():
    m = rerank.Model("m", ("f",), (0.0,), (1.0,), (1.0,), 0.0, (0.2, 0.6), (0.1, 0.9))
    assert [m.calibrate(p) for p in (0.0, 0.2, 0.4, 0.6, 1.0)] == pytest.approx([0.1, 0.1, 0.5, 0.9, 0.9])
    assert m.raw([[0.0]]) == [0.5]


def test_packaged_models_cover_their_features_and_are_calibrated():
    doc = json.loads(resources.files("skillgraph.crosswalk").joinpath(rerank.MODEL_FILE).read_text("utf-8"))
    assert sorted(doc["models"]) == ["hybrid", "lexical"]
    assert doc["version"].startswith("rerank v2") and doc["version"] == rerank.version()
    for name, feats in (("hybrid", FEATURES), ("lexical", LEXICAL_FEATURES)):
        m = rerank.load(name)
        assert m.features == feats
        assert list(m.calib_y) == sorted(m.calib_y) and 0.0 <= m.calib_y[0] and m.calib_y[-1] <= 1.0
        assert doc["fit"][name]["tune_tasks"] > 0
    with pytest.raises(ValueError, match="unknown re-ranker 'bm25'; valid: hybrid, lexical"):
        rerank.load("bm25")


# -- features ------------------------------------------------------------------------------------------------

def _inputs() -> Inputs:
    """Two O*NET occupations; occupation A is linked to ESCO occupation e1 (ISCO 1111), whose group also holds
    e2 and e3; the skills' reuse levels and one element match with an importance rating."""
    u = URIRef
    inp = Inputs()
    t1, t2, t3 = u(TASK + "1"), u(TASK + "2"), u(TASK + "3")
    a, b = u("https://w3id.org/skillgraph/id/onet/occupation/A"), u("https://w3id.org/skillgraph/id/onet/occupation/B")
    s1, s2, s3 = u(E + "skill/1"), u(E + "skill/2"), u(E + "skill/3")
    e1, e2, e3 = u(E + "occupation/1"), u(E + "occupation/2"), u(E + "occupation/3")
    inp.tasks = {t1: ("Plan menus", {a}), t2: ("Cook meals", {b}), t3: ("Order food", {a})}
    inp.esco_skills = {s: (label, label) for s, label in ((s1, "plan menus"), (s2, "cook"), (s3, "order supplies"))}
    inp.skill_descriptions = {s2: "Prepare and cook meals in a kitchen."}
    inp.esco_occupations = {e1: ("chef", "", "1111"), e2: ("cook", "", "1111"), e3: ("baker", "", "1111")}
    inp.esco_relations[e1][s1] = ("essential", None)
    inp.esco_relations[e2][s2] = ("essential", None)
    inp.esco_relations[e3][s2] = ("optional", None)
    inp.onet_to_esco[a].add(e1)
    inp.skill_reuse = {s1: "occupation-specific", s2: "cross-sector", s3: "transversal"}
    el = u("https://w3id.org/skillgraph/id/onet/element/2.A")
    inp.ratings[(a, el, "IM")] = (u("https://w3id.org/skillgraph/id/onet/rating/1"), 4.0)
    inp.task_dwas = {t1: frozenset({u("d1")}), t3: frozenset({u("d1")})}
    return inp


def test_structural_features_worked_by_hand():
    inp = _inputs()
    el = URIRef("https://w3id.org/skillgraph/id/onet/element/2.A")
    fs = FeatureSpace(inp, {URIRef(E + "skill/3"): [(el, 0.8)]})
    cands = [Candidate(URIRef(E + "skill/1"), "essential", 0.7, 0.4, 0.0),
             Candidate(URIRef(E + "skill/2"), None, 0.0, 0.0, 0.2),
             Candidate(URIRef(E + "skill/3"), None, 0.0, 0.1, 0.0)]
    rows = fs.rows(URIRef(TASK + "1"), {URIRef("https://w3id.org/skillgraph/id/onet/occupation/A")}, cands)
    assert [sorted(k for k, v in r.items() if v) for r in rows] == [
        ["essential_relation", "lexical_sim"],
        ["isco_siblings", "reuse_cross_sector", "statement_chain"],
        ["element_importance", "lexical_sim", "reuse_transversal"]]
    assert rows[0]["essential_relation"] == 0.7
    # skill 2 in the ISCO group 1111 beyond the linked e1: essential for e2 (1) + optional for e3 (0.5), over 2
    assert rows[1]["isco_siblings"] == pytest.approx(0.75)
    # element 2.A closely matched at 0.8, importance 4 for occupation A: (4 - 1) / 4 * 0.8
    assert rows[2]["element_importance"] == pytest.approx(0.6)
    assert all(r[f] == 0.0 for r in rows for f in ("dense_sim", "dense_gap", "dwa_agreement", "desc_sim"))  # no space
    assert evidence_kinds(rows[1]) == {"isco-siblings", "reuse-level", "task-anchor"}


@needs_model
def test_dense_features_read_the_embeddings(tmp_path):
    from skillgraph.crosswalk.dense_space import DESCRIBED, DenseSpace

    inp = _inputs()
    space = DenseSpace(inp, tmp_path)
    # 3 skill labels, 3 "label. description" texts and 3 tasks; a skill without a description has its label as
    # that text, encoded once: 7 distinct texts, none cached yet
    assert (space.texts, space.encoded) == (9, 7)
    assert DenseSpace(inp, tmp_path).encoded == 0  # a second run reads them all from the cache
    fs = FeatureSpace(inp, {}, space)
    skills = [URIRef(E + f"skill/{i}") for i in (1, 2, 3)]
    rows = fs.rows(URIRef(TASK + "1"), set(), [Candidate(s, None, 0.0, 0.0, 0.0) for s in skills])
    sims = [r["dense_sim"] for r in rows]
    assert sims.index(max(sims)) == 0  # "Plan menus" is nearest "plan menus"
    assert [r["dense_gap"] for r in rows] == pytest.approx([max(sims) - s for s in sims])
    # task 1 shares its DWA with task 3 only: agreement = cosine with "Order food"
    assert [r["dwa_agreement"] for r in rows] == pytest.approx(space.cosines(URIRef(TASK + "3"), skills), abs=1e-5)
    # desc_sim reads "label. description": the label's own vector where a skill has no description
    desc = [r["desc_sim"] for r in rows]
    assert [desc[0], desc[2]] == pytest.approx([sims[0], sims[2]], abs=1e-6)
    assert desc[1] == pytest.approx(space.cosines(URIRef(TASK + "1"), [(DESCRIBED, skills[1])])[0], abs=1e-6)
    assert desc[1] != pytest.approx(sims[1], abs=1e-3)
    assert space.retrieve(URIRef(TASK + "2"), 1)[0][0] == URIRef(E + "skill/2")  # "Cook meals" -> "cook"
    assert all(r["chain_dense"] == 0.0 and r["chain_gap"] == 0.0 for r in rows)  # no statement anchored


@needs_model
def test_dense_chain_goes_through_the_statements_anchored_to_the_task(tmp_path):
    from skillgraph.crosswalk.dense_space import DenseSpace
    from skillgraph.crosswalk.inputs import Statement

    inp = _inputs()
    st1, st2 = URIRef(ST + "1"), URIRef(ST + "2")
    inp.statements = {st1: Statement(st1, "pathsmith", "Supplier orders", "orders supplies when stock runs low", None),
                      st2: Statement(st2, "pathsmith", "Menu design", "plans seasonal menus", None)}
    space = DenseSpace(inp, tmp_path)
    skills = [URIRef(E + f"skill/{i}") for i in (1, 2, 3)]
    cands = [Candidate(s, None, 0.0, 0.0, 0.0) for s in skills]
    t1, t2 = URIRef(TASK + "1"), URIRef(TASK + "2")
    # task 1: both statements anchored (confidence 0.5 and 1.0); task 2: a statement not among the inputs only
    fs = FeatureSpace(inp, {}, space, {t1: [(st1, 0.5), (st2, 1.0)], t2: [(URIRef(ST + "9"), 1.0)]})
    rows = fs.rows(t1, set(), cands)
    via = [[a * c for c in space.cosines(st, skills)] for st, a in ((st1, 0.5), (st2, 1.0))]
    chain = [max(x, y, 0.0) for x, y in zip(*via, strict=True)]  # the best anchored statement, per skill
    assert [r["chain_dense"] for r in rows] == pytest.approx(chain, abs=1e-6)
    assert [r["chain_gap"] for r in rows] == pytest.approx([max(chain) - c for c in chain], abs=1e-6)
    assert chain.index(max(chain)) == 0  # "Menu design. plans seasonal menus" is nearest "plan menus"
    assert evidence_kinds(rows[1]) >= {"dense"} and "task-anchor" not in evidence_kinds(rows[1])
    assert all(r["chain_dense"] == 0.0 and r["chain_gap"] == 0.0 for r in fs.rows(t2, set(), cands))


# -- retrieval modes and the engine --------------------------------------------------------------------------

def test_modes_by_name():
    assert sorted(RETRIEVERS) == ["dense", "lexical"]
    assert sorted(MODES) == ["hybrid", "lexical", "lexical-reranked"]
    assert resolve("auto") == ("hybrid" if dense.available() else "lexical")
    assert resolve("lexical") == "lexical"
    with pytest.raises(ValueError, match="unknown crosswalk retrieval 'bm25'; valid: auto, hybrid, lexical, "
                                         "lexical-reranked"):
        resolve("bm25")


@pytest.mark.skipif(dense.available(), reason="checks the message when the dense extra is missing")
def test_hybrid_without_the_extra_says_what_to_install():
    with pytest.raises(dense.DenseUnavailable, match="pip install"):
        resolve("hybrid")


def test_lexical_run_says_so():
    g, report = align(sample_graphs(), "lexical")
    assert report["support_mode"] == "lexical" and report["support_retrieval"] == "lexical"
    assert report["support_scoring"] == "v3 formula"
    assert alignments(g, SG.supportsTask)
    assert str(g.value(iri.crosswalk.SUPPORT_SET, SG.method)).startswith("skill-supports-task v3")


def test_lexical_reranked_run_is_calibrated_and_names_its_evidence():
    g, report = align(sample_graphs(), "lexical-reranked")
    assert report["support_scoring"] == f"re-ranker lexical ({rerank.version()})"
    rows = alignments(g, SG.supportsTask)
    assert rows and all(0.0 <= r["conf"] <= 1.0 for r in rows)
    assert all(r["kinds"] <= {"lexical", "task-anchor", "essential-relation", "optional-relation", "isco-siblings",
                              "rating", "reuse-level"} for r in rows)
    assert {str(m) for m in g.objects(iri.crosswalk.SUPPORT_SET, SG.method)} == {
        f"skill-supports-task v4 (retrieval lexical over all ESCO skills, fused by reciprocal rank; re-ranker "
        f"lexical {rerank.version()}: logistic regression over {', '.join(LEXICAL_FEATURES)}, isotonic "
        f"calibration; level from statements, O*NET Levels, {level_prior.load().name})"}


@needs_model
def test_hybrid_run_uses_dense_evidence(monkeypatch, tmp_path):
    monkeypatch.setenv("SKILLGRAPH_CACHE", str(tmp_path))
    g, report = align(sample_graphs(), "hybrid")
    assert report["support_retrieval"] == "lexical+dense" and report["support_mode"] == "hybrid"
    assert report["support_scoring"] == f"re-ranker hybrid ({rerank.version()})"
    inp = gather(sample_graphs())
    # every skill twice (its label; its label and description), every task and statement once
    assert report["dense_texts"] == 2 * len(inp.esco_skills) + len(inp.tasks) + len(inp.statements)
    rows = alignments(g, SG.supportsTask)
    assert rows and all("dense" in r["kinds"] for r in rows)
    # every task of the sample is answered, at most 10 answers each
    per_task: dict = {}
    for r in rows:
        per_task[r["o"]] = per_task.get(r["o"], 0) + 1
    assert set(per_task) == set(inp.tasks) and max(per_task.values()) <= 10
    # the rebuild reads every embedding from the cache (SKILLGRAPH_CACHE/embeddings), and gives the same graph
    from skillgraph.crosswalk.dense_space import DenseSpace, default_cache_dir

    assert default_cache_dir() == tmp_path / "embeddings"
    assert DenseSpace(inp).encoded == 0
    g2, again = align(sample_graphs(), "hybrid")
    assert again == report and isomorphic(g, g2)


def test_build_refuses_an_unknown_retrieval_before_mapping(tmp_path, capsys):
    from skillgraph.build import build
    from skillgraph.cli import main

    with pytest.raises(ValueError, match="unknown crosswalk retrieval 'bm25'"):
        build(tmp_path / "b", crosswalk_retrieval="bm25", log=lambda m: None)
    assert not (tmp_path / "b" / "CURRENT").exists()
    with pytest.raises(SystemExit):
        main(["build", "--store", str(tmp_path / "b"), "--crosswalk-retrieval", "bm25"])
    err = capsys.readouterr().err  # argparse quotes the choices or not, by Python version
    assert "--crosswalk-retrieval: invalid choice: 'bm25' (choose from " in err
    assert all(m in err for m in ("auto", "lexical", "lexical-reranked", "hybrid"))


def test_gather_reads_task_dwas_and_reuse_levels_of_the_embedded_releases():
    """Inputs.task_dwas and Inputs.skill_reuse, gathered from the mapped embedded O*NET and ESCO, hold exactly the
    rows of their tables (Tasks to DWAs; the reuseLevel column of skills_en.csv)."""
    import csv
    from pathlib import Path

    import skillgraph
    from skillgraph import iri
    from skillgraph.build import assemble, configure, plan

    configs = configure()
    inp = gather(assemble(plan(configs, ["onet", "esco"]), crosswalk=False, config=configs).graphs)
    embedded = Path(skillgraph.__file__).parent / "embedded"
    with (embedded / "onet" / "Tasks to DWAs.txt").open(encoding="utf-8") as f:
        links = {(r["Task ID"], r["DWA ID"]) for r in csv.DictReader(f, delimiter="\t")}
    assert {(str(t).rsplit("/", 1)[1], str(d)) for t, ds in inp.task_dwas.items() for d in ds} == \
        {(t, str(iri.onet.dwa(d))) for t, d in links}
    with (embedded / "esco" / "v1.1.1-sample" / "skills_en.csv").open(encoding="utf-8") as f:
        reuse = {r["conceptUri"]: r["reuseLevel"] for r in csv.DictReader(f) if r["reuseLevel"]}
    assert {str(s): v for s, v in inp.skill_reuse.items()} == reuse
    assert sorted(set(reuse.values())) == ["cross-sector", "occupation-specific", "sector-specific"]


@needs_model
def test_fit_script_compares_feature_sets_by_cross_validation_and_writes_nothing(tmp_path):
    """`scripts/fit_reranker.py --cv` on the embedded releases' inputs (their Customer Service Representatives
    tasks are gold tune tasks with anchored statements): one table for the tune tasks, one for those with an
    anchored statement, the hybrid without the named features beside the two models; no model file written."""
    import pickle
    import subprocess
    import sys
    from pathlib import Path

    from test_crosswalk_eval import REAL_GOLD

    from skillgraph.build import assemble, configure, plan
    from skillgraph.crosswalk.evaluate import read_gold

    configs = configure()
    inp = gather(assemble(plan(configs), crosswalk=False, config=configs).graphs)
    pkl = tmp_path / "inputs.pkl"
    pkl.write_bytes(pickle.dumps(inp))
    tune = {j.task for j in read_gold(REAL_GOLD) if j.split == "tune"} & {str(t) for t in inp.tasks}
    assert len(tune) >= 5
    script = Path(__file__).resolve().parent.parent / "scripts" / "fit_reranker.py"
    out = tmp_path / "reranker.json"
    cmd = [sys.executable, str(script), "--inputs", str(pkl), "--out", str(out), "--cv"]
    r = subprocess.run([*cmd, "--without", "chain_dense,chain_gap"], capture_output=True, text=True, check=True)
    lines = r.stdout.splitlines()
    assert lines[0] == f"5-fold cross-validation on the {len(tune)} tune tasks"
    rows = {ln.split("  ")[0].strip(): ln.split() for ln in lines if ln[:1].isalpha() and "  " in ln}
    second = lines.index(next(ln for ln in lines if ln.startswith("the same, on the ")))
    chained = int(lines[second].split()[4])  # "the same, on the N tune tasks with an anchored statement"
    assert 1 <= chained <= len(tune)
    names = ["hybrid", "lexical", "hybrid without chain_dense, chain_gap"]
    # each table: a row per model, over exactly its tasks (the gold's other tasks are not counted as misses)
    for table, n in ((lines[1:second], len(tune)), (lines[second + 1:], chained)):
        rows = {ln[:38].strip(): ln[38:].split() for ln in table[1:] if ln.strip()}
        assert sorted(rows) == sorted(names) and {r[0] for r in rows.values()} == {str(n)}
        assert all(r[5] == "1.000" for r in rows.values())  # coverage: every task answered
    assert not out.exists()
    bad = subprocess.run([*cmd, "--without", "bm25"], capture_output=True, text=True)
    assert bad.returncode != 0 and "unknown feature(s) bm25; valid: dense_sim" in bad.stderr
    alone = subprocess.run([*cmd[:-1], "--without", "chain_gap"], capture_output=True, text=True)
    assert alone.returncode == 2 and "--without compares feature sets: it needs --cv" in alone.stderr
    assert not out.exists()
