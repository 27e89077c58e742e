"""Evaluate crosswalk runs against a judged gold set (`skillgraph eval`).

Gold: SSSOM/TSV, one row per judged (O*NET task, ESCO skill) pair: subject_id (task IRI or CURIE),
object_id (ESCO skill), a judgement column (`judgement`, 0 = does not support the task, 1 = partly,
2 = needed), mapping_justification semapv:ManualMappingCuration (hand judgements only), split
(`tune` | `heldout`) and optionally `level` (the shared level the skill is needed at, for level
accuracy). Runs: the crosswalk's SSSOM exports (`exports/crosswalk.sssom.tsv` of a build), one per
method, each read for its sg:supportsTask rows (object = task, subject = skill, confidence, and the
required level in the comment).

Metrics, on the held-out tasks only (a pair a run returns but nobody judged counts as not relevant:
the gold set pools every method's top 10, so unjudged pairs are outside every pool):
  P@5      share of relevant (judgement >= 1) answers among the first 5 (missing ranks count as misses)
  nDCG@10  gain 2^j - 1, discount log2(rank + 1), ideal from the task's gold judgements
  hit@k    share of tasks with a relevant answer in the first k
  coverage share of tasks with at least one answer
  ECE      expected calibration error of the confidence over the judged answers (10 equal-width bins)
  level    share of judged relevant answers with a gold level whose required level equals it
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from skillgraph.errors import SourceError

from .sssom import CURIE_MAP, header_line, read_sssom

MANUAL = "https://w3id.org/semapv/vocab/ManualMappingCuration"
SUPPORTS = "https://w3id.org/skillgraph/ontology#supportsTask"
SPLITS = ("tune", "heldout")
JUDGEMENT_COLUMNS = ("judgement", "judgment")
GOLD_REQUIRED = ("subject_id", "object_id", "mapping_justification", "split")
METRICS = ("tasks", "P@5", "nDCG@10", "hit@1", "hit@5", "coverage", "ECE", "level accuracy")
ECE_BINS = 10


@dataclass(frozen=True)
class Judgement:
    task: str
    skill: str
    grade: int
    split: str
    level: str | None


def _curie_map(path: Path) -> dict[str, str]:
    """The `#curie_map:` block of an SSSOM/TSV header (prefix -> namespace), plus the crosswalk's own."""
    out = dict(CURIE_MAP)
    inside = False
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                break
            text = line[1:].rstrip("\n")
            if text.startswith("curie_map:"):
                inside = True
            elif inside and text.startswith(" ") and ":" in text:
                k, v = text.strip().split(":", 1)
                out[k.strip()] = v.strip().strip('"')
            else:
                inside = False
    return out


def expand(value: str, curies: dict[str, str]) -> str:
    """A CURIE (prefix:local) as a full IRI; an IRI as it is."""
    value = value.strip().strip("<>")
    prefix, _, local = value.partition(":")
    if prefix in curies and not local.startswith("//"):
        return curies[prefix] + local
    return value


def read_gold(path: str | Path) -> list[Judgement]:
    """The judged pairs of a gold SSSOM/TSV file; bad rows raise SourceError naming file, line and column."""
    path = Path(path)
    curies = _curie_map(path)
    _, rows = read_sssom(path, required=GOLD_REQUIRED)
    first = header_line(path)
    jcol = next((c for c in JUDGEMENT_COLUMNS if rows and c in rows[0]), None)
    if rows and jcol is None:
        raise SourceError(path, "gold header lacks the judgement column", line=first)
    out = []
    for line, row in enumerate(rows, start=first + 1):
        grade = row[jcol].strip()
        if grade not in ("0", "1", "2"):
            raise SourceError(path, f"judgement {grade!r} is not 0, 1 or 2", line=line, column=jcol)
        if expand(row["mapping_justification"], curies) != MANUAL:
            raise SourceError(path, f"{row['mapping_justification']!r} is not semapv:ManualMappingCuration: "
                                    "the gold set holds hand judgements only", line=line, column="mapping_justification")
        split = row["split"].strip()
        if split not in SPLITS:
            raise SourceError(path, f"split {split!r} is not one of {', '.join(SPLITS)}", line=line, column="split")
        level = (row.get("level") or "").strip()
        out.append(Judgement(expand(row["subject_id"], curies), expand(row["object_id"], curies), int(grade),
                             split, expand(level, curies) if level else None))
    return out


@dataclass(frozen=True)
class Answer:
    skill: str
    confidence: float
    level: str | None


def read_run(path: str | Path) -> dict[str, list[Answer]]:
    """task -> ranked answers (best first) from a crosswalk SSSOM export."""
    path = Path(path)
    curies = _curie_map(path)
    _, rows = read_sssom(path)
    out: dict[str, list[Answer]] = defaultdict(list)
    for r in rows:
        if expand(r["predicate_id"], curies) != SUPPORTS:
            continue
        level = None
        for part in (r.get("comment") or "").split(";"):
            part = part.strip()
            if part.startswith("required level "):
                level = expand(part[len("required level "):].split(" ", 1)[0], curies)
        out[expand(r["object_id"], curies)].append(
            Answer(expand(r["subject_id"], curies), float(r.get("confidence") or 0.0), level))
    for answers in out.values():
        answers.sort(key=lambda a: (-a.confidence, a.skill))
    return dict(out)


def _dcg(gains: list[int]) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def evaluate(gold: list[Judgement], run: dict[str, list[Answer]], split: str = "heldout") -> dict[str, float | None]:
    """The metrics of one run on the tasks of one split (see the module docstring)."""
    grades: dict[str, dict[str, Judgement]] = defaultdict(dict)
    for j in gold:
        if j.split == split:
            grades[j.task][j.skill] = j
    tasks = sorted(grades)
    if not tasks:
        return {m: None for m in METRICS} | {"tasks": 0}
    p5 = ndcg = hit1 = hit5 = covered = 0.0
    calib: list[tuple[float, int]] = []
    level_hits = level_n = 0
    for t in tasks:
        judged = grades[t]
        answers = run.get(t, [])
        covered += bool(answers)
        g = [judged[a.skill].grade if a.skill in judged else 0 for a in answers]
        p5 += sum(1 for x in g[:5] if x >= 1) / 5
        hit1 += any(x >= 1 for x in g[:1])
        hit5 += any(x >= 1 for x in g[:5])
        ideal = _dcg(sorted((j.grade for j in judged.values()), reverse=True)[:10])
        ndcg += _dcg(g[:10]) / ideal if ideal > 0 else 0.0
        for a in answers:
            j = judged.get(a.skill)
            if j is None:
                continue
            calib.append((a.confidence, int(j.grade >= 1)))
            if j.grade >= 1 and j.level is not None and a.level is not None:
                level_n += 1
                level_hits += a.level == j.level
    n = len(tasks)
    return {"tasks": n, "P@5": p5 / n, "nDCG@10": ndcg / n, "hit@1": hit1 / n, "hit@5": hit5 / n,
            "coverage": covered / n, "ECE": expected_calibration_error(calib),
            "level accuracy": level_hits / level_n if level_n else None}


def expected_calibration_error(pairs: list[tuple[float, int]], bins: int = ECE_BINS) -> float | None:
    """Sum over equal-width confidence bins of |mean confidence - share correct|, weighted by the bin's size."""
    if not pairs:
        return None
    groups: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for c, y in pairs:
        groups[min(bins - 1, int(max(0.0, min(1.0, c)) * bins))].append((c, y))
    return sum(len(g) / len(pairs) * abs(sum(c for c, _ in g) / len(g) - sum(y for _, y in g) / len(g))
               for g in groups.values())


def table(results: dict[str, dict[str, float | None]]) -> str:
    """A plain-text table: one row per method, one column per metric ("n/a" where a metric has no data)."""
    head = ["method", *METRICS]
    rows = [[name] + [("n/a" if r[m] is None else str(r[m]) if m == "tasks" else f"{r[m]:.3f}") for m in METRICS]
            for name, r in results.items()]
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    return "\n".join("  ".join(x.ljust(w) for x, w in zip(line, widths)).rstrip() for line in [head, *rows])
