"""The re-ranked hybrid on the full releases: its held-out figures on the judged gold set must not regress.

Maps O*NET 30.1, ESCO v1.1.1, Nesta and AEI from ../shared/data as the full build does (several GB, ~10 min on
2 cores), runs the crosswalk's support for the gold set's tasks with every method (crosswalk/methods.py), and
scores them as `skillgraph eval` does. Needs the dense extra and model (skips without them; fails under CI=true,
as tests/test_dense.py).
"""
from __future__ import annotations

import pytest
from conftest import in_ci
from test_crosswalk_eval import REAL_GOLD

from skillgraph.crosswalk import dense
from skillgraph.crosswalk.evaluate import evaluate, read_gold
from skillgraph.crosswalk.methods import METHODS, answers, as_run, gather_full, prepared

# Measured 2026-12-01 on the held-out tasks (gold of 4,943 judged pairs; reranker.json of that day):
#   hybrid-reranked  P@5 0.554  nDCG@10 0.621  hit@1 0.743  hit@5 0.953  coverage 1.000  ECE 0.050
#   lexical-v3       P@5 0.374  nDCG@10 0.418  hit@1 0.574  hit@5 0.831  coverage 1.000  ECE 0.109
# The floors are a little below (the judge helper's new judgements move the figures a little either way).
FLOORS = {"P@5": 0.53, "nDCG@10": 0.60, "hit@1": 0.71, "hit@5": 0.93, "coverage": 1.0}
ECE_CEILING = 0.08


def test_reranked_hybrid_heldout_figures(shared_data, tmp_path):
    if not dense.available():
        if in_ci():
            pytest.fail(f"dense retrieval unavailable under CI: {dense.unavailable_reason()}")
        pytest.skip(f"dense retrieval unavailable: {dense.unavailable_reason()}")
    gold = read_gold(REAL_GOLD)
    inp = gather_full(shared_data)
    wanted = {j.task for j in gold}
    tasks = sorted((t for t in inp.tasks if str(t) in wanted), key=str)
    assert len(tasks) == len(wanted) == 250
    al = prepared(inp, tmp_path, tasks)
    r = {m: evaluate(gold, as_run(answers(al, tasks, m)), "heldout") for m in METHODS}
    print({m: {k: round(v, 3) for k, v in x.items() if isinstance(v, float)} for m, x in r.items()})
    best = r["hybrid-reranked"]
    assert best["tasks"] == 148
    assert {k: best[k] >= v for k, v in FLOORS.items()} == dict.fromkeys(FLOORS, True), best
    assert best["ECE"] is not None and best["ECE"] <= ECE_CEILING, best
    # better than lexical v3 on every metric (lower calibration error)
    lex = r["lexical-v3"]
    assert all(best[k] >= lex[k] for k in FLOORS) and best["ECE"] < lex["ECE"]
