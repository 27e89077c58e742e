"""Fit the support re-ranker on the gold set's TUNE tasks and score every method on its HELDOUT tasks.

    python scripts/fit_reranker.py --inputs INPUTS.pkl [--cache DIR] [--runs DIR]

INPUTS.pkl is a pickled `skillgraph.crosswalk.Inputs` gathered from the full releases (O*NET 30.1, ESCO
v1.1.1, Nesta, the frameworks; `scripts/gather_inputs.py` writes one). The crosswalk runs as a build runs it
(occupation links, anchors, element matches over all inputs), then for each gold task every candidate skill
gets its features (skillgraph.crosswalk.features). Two models are fitted on the tune tasks' candidates
(relevant = judged grade >= 1; a candidate nobody judged counts as not relevant, as `skillgraph eval` counts
it): `hybrid` (all features) and `lexical` (no dense ones); each is calibrated by isotonic regression on the
5-fold out-of-fold predictions (folds by task) of the judged candidates. They are written to
src/skillgraph/crosswalk/reranker.json (deterministic: same inputs and gold, same file).

With --cv it writes nothing and compares feature sets on the tune tasks alone, as features are chosen: each
model (and, with --without F1,F2, the hybrid without those features) is scored by 5-fold cross-validation
(folds by task; each task ranked by the model fitted on the other folds, calibrated by the isotonic map of the
out-of-fold predictions, answers cut as a build cuts them), with `skillgraph eval`'s metrics on tune.

With --runs DIR it also writes, for the gold tasks, one SSSOM file per method (lexical-v3, lexical-reranked,
dense, hybrid, hybrid-reranked) and prints the `skillgraph eval` table of the held-out tasks; the same
table comes from `skillgraph eval GOLD --run NAME=DIR/NAME.sssom.tsv ...`.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from pathlib import Path

from skillgraph import fastgraph
from skillgraph.crosswalk import emit, rerank
from skillgraph.crosswalk.align import kept_answers
from skillgraph.crosswalk.dense_space import default_cache_dir
from skillgraph.crosswalk.evaluate import Answer, evaluate, expected_calibration_error, read_gold, read_run, table
from skillgraph.crosswalk.features import FEATURES, LEXICAL_FEATURES
from skillgraph.crosswalk.methods import METHODS, answers, prepared
from skillgraph.crosswalk.sssom import write_sssom
from skillgraph.mappings.base import new_graph

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "eval" / "gold" / "onet_task_esco_skill.sssom.tsv"
OUT = ROOT / "src" / "skillgraph" / "crosswalk" / "reranker.json"
MODELS = {"hybrid": FEATURES, "lexical": LEXICAL_FEATURES}
VERSION = "rerank v2"  # v2: the dense chain features (chain_dense, chain_gap)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=Path, required=True, help="pickled Inputs of the full releases")
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--cache", type=Path, default=None, help=f"embedding cache (default {default_cache_dir()})")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--cv", action="store_true", help="compare feature sets by cross-validation on tune; write "
                                                       "nothing")
    ap.add_argument("--without", default="", help="with --cv: also the hybrid without these features (comma-separated)")
    ap.add_argument("--runs", type=Path, help="also write each method's answers for the gold tasks here, and "
                                              "print the held-out table")
    a = ap.parse_args()
    if a.without and not a.cv:
        ap.error("--without compares feature sets: it needs --cv")
    import numpy as np

    gold = read_gold(a.gold)
    judged: dict[str, dict[str, int]] = {}
    split: dict[str, str] = {}
    for j in gold:
        judged.setdefault(j.task, {})[j.skill] = j.grade
        split[j.task] = j.split
    with a.inputs.open("rb") as f:
        inp = pickle.load(f)
    tasks = sorted((t for t in inp.tasks if str(t) in split), key=str)
    al = prepared(inp, a.cache, tasks, log)
    missing = len(split) - len(tasks)
    if missing:
        log(f"warning: {missing} gold task(s) are not in the inputs")
    t0 = time.perf_counter()
    cands, rows = {}, {}
    for t in tasks:
        cands[t] = al.support_candidates(t)
        rows[t] = al.features.rows(t, inp.tasks[t][1], [c for _, c, _, _ in cands[t]])
    log(f"features of {sum(map(len, rows.values()))} candidates of {len(tasks)} gold tasks in "
        f"{time.perf_counter() - t0:.0f} s")

    tune = [t for t in tasks if split[str(t)] == "tune"]
    if a.cv:
        models = dict(MODELS)
        drop = [f for f in a.without.split(",") if f]
        unknown = [f for f in drop if f not in FEATURES]
        if unknown:
            raise SystemExit(f"--without: unknown feature(s) {', '.join(unknown)}; valid: {', '.join(FEATURES)}")
        if drop:
            models[f"hybrid without {', '.join(drop)}"] = tuple(f for f in FEATURES if f not in drop)
        runs = {name: cross_validated(tune, cands, rows, judged, feats) for name, feats in models.items()}
        # all tune tasks of the inputs; then those with a statement anchored to them (the only ones the chain
        # features act on). Judgements of other tasks are left out: they are no run's tasks here
        chained = {str(t) for t in tune if any(st in inp.statements for st, _ in al.anchors.get(t, ()))}
        for title, keep in ((f"5-fold cross-validation on the {len(tune)} tune tasks", {str(t) for t in tune}),
                            (f"\nthe same, on the {len(chained)} tune tasks with an anchored statement", chained)):
            print(title)
            print(table({name: evaluate([j for j in gold if j.task in keep], run, "tune")
                         for name, run in runs.items()}))
        return
    doc = {"format": rerank.FORMAT, "gold_sha256": hashlib.sha256(a.gold.read_bytes()).hexdigest(), "models": {}}
    fit_report = {}
    for name, feats in MODELS.items():
        x, y, groups, is_judged = tune_rows(tune, cands, rows, judged, feats)
        model, oof = rerank.fit(name, feats, np.array(x), np.array(y), groups, judged=is_judged)
        doc["models"][name] = model.to_json()
        yj = [v for v, j in zip(y, is_judged, strict=True) if j]
        ece = expected_calibration_error(list(zip(oof, yj, strict=True))) or 0.0
        fit_report[name] = {"tune_candidates": len(y), "tune_judged": len(yj), "tune_relevant": int(sum(y)),
                            "tune_tasks": len(set(groups)), "out_of_fold_ece_judged": round(ece, 4)}
        log(f"{name}: {fit_report[name]}; coefficients " + ", ".join(
            f"{n} {c:+.2f}" for n, c in zip(feats, model.coef, strict=True)))
    doc["fit"] = fit_report
    judged_pairs = fit_report["hybrid"]["tune_judged"]
    doc["version"] = f"{VERSION} (gold {doc['gold_sha256'][:12]}, {judged_pairs} judged tune pairs)"
    a.out.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    log(f"wrote {a.out}")
    if a.runs:
        write_runs(al, tasks, a.runs, gold)


def tune_rows(tune, cands, rows, judged, feats):
    """The tune candidates as the fit reads them: feature rows, relevance (grade >= 1; an unjudged candidate
    is not relevant, as `skillgraph eval` counts it), task, and whether the pair was judged."""
    x, y, groups, is_judged = [], [], [], []
    for t in tune:
        for (_, c, _, _), f in zip(cands[t], rows[t], strict=True):
            g = judged[str(t)].get(str(c.skill))
            x.append([f[n] for n in feats])
            y.append(int(g is not None and g >= 1))
            groups.append(str(t))
            is_judged.append(g is not None)
    return x, y, groups, is_judged


def cross_validated(tune, cands, rows, judged, feats) -> dict[str, list[Answer]]:
    """The tune tasks' answers of a model with these features, each task ranked by the model fitted on the
    other folds (a run, as `skillgraph eval` reads one)."""
    x, y, groups, is_judged = tune_rows(tune, cands, rows, judged, feats)
    oof = rerank.out_of_fold(x, y, groups)
    cx, cy = rerank.isotonic([p for p, j in zip(oof, is_judged, strict=True) if j],
                             [v for v, j in zip(y, is_judged, strict=True) if j])
    calibrated = rerank.Model("cv", tuple(feats), (), (), (), 0.0, tuple(cx), tuple(cy))
    run, i = {}, 0
    for t in tune:
        scored = sorted(((oof[i + k], str(c.skill)) for k, (_, c, _, _) in enumerate(cands[t])),
                        key=lambda v: (-v[0], v[1]))
        i += len(cands[t])
        run[str(t)] = [Answer(skill, round(conf, 4), None)
                       for (_, skill), conf in kept_answers(scored, calibrated.calibrate)]
    return run


def write_runs(al, tasks, out: Path, gold) -> None:
    """One SSSOM file per method for the gold tasks, and the held-out table `skillgraph eval --runs` prints."""
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in METHODS:
        g = new_graph()
        add = fastgraph.adder(g)
        for ans in answers(al, tasks, name).values():
            for x in ans:
                emit(g, x, add)
        write_sssom(g, out / f"{name}.sssom.tsv")
        results[name] = evaluate(gold, read_run(out / f"{name}.sssom.tsv"), "heldout")
    print(table(results))


if __name__ == "__main__":
    main()
