"""The support re-ranker: logistic regression over named features, and a calibration map for its output.

Why this model: a handful of named evidence features (dense and lexical similarity, ESCO relations,
ISCO siblings, DWA agreement, statement chains, O*NET element importance, ESCO reuse level) and a few
hundred judged task-skill pairs: a linear model whose coefficients say how much each kind of evidence
counts is as good as anything that sees so few labels, and it can be read. Its probability is then
mapped through an isotonic calibration fitted on out-of-fold predictions, so that a confidence of 0.8
means about 80 % of such answers were judged relevant (grade >= 1).

Everything here is numpy and deterministic (no random state: folds by task order, Newton iterations
from zero). The fitted model lives in `reranker.json` beside this module, written by
`scripts/fit_reranker.py`; `load()` reads it.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

MODEL_FILE = "reranker.json"
FORMAT = 1
L2 = 1.0          # ridge penalty on the standardised coefficients (not on the intercept)
NEWTON_STEPS = 50
FOLDS = 5


@dataclass(frozen=True)
class Model:
    """One fitted re-ranker: features by name, standardisation, coefficients, calibration knots."""

    name: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    calib_x: tuple[float, ...]   # raw probabilities (ascending)
    calib_y: tuple[float, ...]   # calibrated confidence at those probabilities (non-decreasing)

    def raw(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """The model's (uncalibrated) probability for each feature row (the features in `self.features` order)."""
        out = []
        for row in rows:
            z = self.intercept + sum(c * (x - m) / s for c, x, m, s in
                                     zip(self.coef, row, self.mean, self.scale, strict=True))
            out.append(_sigmoid(z))
        return out

    def calibrate(self, p: float) -> float:
        """The calibrated confidence of a raw probability: linear between the isotonic knots, flat outside."""
        xs, ys = self.calib_x, self.calib_y
        if not xs:
            return p
        if p <= xs[0]:
            return ys[0]
        if p >= xs[-1]:
            return ys[-1]
        lo, hi = 0, len(xs) - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if xs[mid] <= p:
                lo = mid
            else:
                hi = mid
        span = xs[hi] - xs[lo]
        t = 0.0 if span <= 0 else (p - xs[lo]) / span
        return ys[lo] + t * (ys[hi] - ys[lo])

    def to_json(self) -> dict[str, Any]:
        """The model as plain JSON (coefficients per feature name, so the file reads as a table)."""
        return {"features": list(self.features),
                "coefficients": {f: round(c, 6) for f, c in zip(self.features, self.coef, strict=True)},
                "intercept": round(self.intercept, 6),
                "mean": [round(x, 6) for x in self.mean], "scale": [round(x, 6) for x in self.scale],
                "calibration": {"method": "isotonic (pool adjacent violators) on out-of-fold predictions, "
                                          "linear between knots",
                                "raw": [round(x, 6) for x in self.calib_x],
                                "confidence": [round(y, 6) for y in self.calib_y]}}

    @classmethod
    def from_json(cls, name: str, d: dict[str, Any]) -> Model:
        """A model from its JSON form (`to_json`); a missing feature coefficient is a ValueError."""
        feats = tuple(d["features"])
        missing = [f for f in feats if f not in d["coefficients"]]
        if missing:
            raise ValueError(f"re-ranker {name!r}: no coefficient for {', '.join(missing)}")
        return cls(name, feats, tuple(d["mean"]), tuple(d["scale"]), tuple(d["coefficients"][f] for f in feats),
                   float(d["intercept"]), tuple(d["calibration"]["raw"]), tuple(d["calibration"]["confidence"]))


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def load(name: str) -> Model:
    """The packaged model `name` (a key of reranker.json's `models`); unknown -> ValueError listing the valid ones."""
    doc = json.loads(resources.files("skillgraph.crosswalk").joinpath(MODEL_FILE).read_text(encoding="utf-8"))
    if doc.get("format") != FORMAT:
        raise ValueError(f"{MODEL_FILE}: format {doc.get('format')!r}, expected {FORMAT}")
    models = doc.get("models", {})
    if name not in models:
        raise ValueError(f"unknown re-ranker {name!r}; valid: {', '.join(sorted(models))}")
    return Model.from_json(name, models[name])


def version() -> str:
    """The packaged model file's version string (what sg:method cites)."""
    doc = json.loads(resources.files("skillgraph.crosswalk").joinpath(MODEL_FILE).read_text(encoding="utf-8"))
    return str(doc.get("version", "?"))


# -- fitting (scripts/fit_reranker.py) ---------------------------------------------------------------

def fit_logistic(x, y, l2: float = L2):
    """Ridge logistic regression by Newton's method on standardised features: (mean, scale, coef, intercept).

    x: (n, d) float array, y: (n,) 0/1. Deterministic: starts from zero, fixed number of steps at most.
    """
    import numpy as np

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    mean = x.mean(0)
    scale = x.std(0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    pen = np.full(z.shape[1], l2)
    pen[0] = 0.0
    for _ in range(NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) + pen * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(pen + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return mean, scale, w[1:], float(w[0])


def isotonic(p: Sequence[float], y: Sequence[int]) -> tuple[list[float], list[float]]:
    """Pool-adjacent-violators fit of y on p: knots (block mean of p, block mean of y), both non-decreasing."""
    pairs = sorted(zip(p, y, strict=True))
    blocks: list[list[float]] = []  # [sum p, sum y, n]
    for pi, yi in pairs:
        blocks.append([pi, float(yi), 1.0])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            b = blocks.pop()
            blocks[-1] = [blocks[-1][0] + b[0], blocks[-1][1] + b[1], blocks[-1][2] + b[2]]
    return [b[0] / b[2] for b in blocks], [b[1] / b[2] for b in blocks]


def folds(groups: Sequence[str], k: int = FOLDS) -> list[int]:
    """Fold of each row, by group (task), groups dealt round-robin in sorted order: deterministic."""
    order = {g: i % k for i, g in enumerate(sorted(set(groups)))}
    return [order[g] for g in groups]


def out_of_fold(x, y, groups: Sequence[str], l2: float = L2) -> list[float]:
    """Each row's probability from the model fitted on the other folds (folds by task, `folds`): what the
    calibration is fitted on, and what scripts/fit_reranker.py --cv ranks to compare feature sets on tune."""
    import numpy as np

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    fold = np.asarray(folds(groups))
    oof = np.zeros(len(y))
    for f in range(FOLDS):
        train, test = fold != f, fold == f
        if not test.any() or len(set(y[train])) < 2:
            continue
        m, s, c, b = fit_logistic(x[train], y[train], l2)
        oof[test] = 1.0 / (1.0 + np.exp(-(b + ((x[test] - m) / s) @ c)))
    return oof.tolist()


def fit(name: str, features: Sequence[str], x, y, groups: Sequence[str], l2: float = L2,
        judged: Sequence[bool] | None = None) -> tuple[Model, list[float]]:
    """Fit a model on all rows and its calibration on out-of-fold predictions (folds by task).

    `judged` marks the rows with a judgement; the calibration is fitted on those only (unjudged candidates
    count as not relevant for the ranking, as `skillgraph eval` counts them, but confidence is calibrated
    against judgements). Returns the model and the out-of-fold calibrated confidences of the judged rows.
    """
    import numpy as np

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    mask = np.ones(len(y), dtype=bool) if judged is None else np.asarray(judged, dtype=bool)
    oof = np.asarray(out_of_fold(x, y, groups, l2))
    cx, cy = isotonic(oof[mask].tolist(), y[mask].astype(int).tolist())
    m, s, c, b = fit_logistic(x, y, l2)
    model = Model(name, tuple(features), tuple(m.tolist()), tuple(s.tolist()), tuple(c.tolist()), b,
                  tuple(cx), tuple(cy))
    return model, [model.calibrate(p) for p in oof[mask].tolist()]
