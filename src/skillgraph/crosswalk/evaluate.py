"""Score crosswalk runs against a judged gold set (`skillgraph eval`, issue 12 item 6).

Gold: SSSOM/TSV, one row per judged (O*NET task, ESCO skill) pair: subject_id (the task), object_id (the
skill), a grade column (`grade`, or `judgement`/`judgment`: 0 = does not support the task, 1 = related or
helpful, 2 = directly needed), mapping_justification semapv:ManualMappingCuration (hand judgements only),
`split` (tune | heldout), optionally `predicate_modifier` (`Not` marks a judged negative, grade 0) and
`level` (the level the skill is needed at, for level accuracy). Runs: crosswalk SSSOM exports
(`exports/crosswalk.sssom.tsv` of a build), read for their sg:supportsTask rows (subject = skill,
object = task, confidence, level in the comment as `level sg:X`). CURIEs are expanded with each file's own
`curie_map` (SSSOM semantics), falling back to the project's CURIE_MAP.

A run may state one pair several times (v2 writes a plain row and one per level): the pair's confidence is
its highest, its level that of its most confident levelled row. Metrics on the tasks of one split (an
answer nobody judged counts as not relevant, so `judged@5` says how much of the top 5 the gold covers):
  P@5       share of relevant (grade >= 1) answers among the first 5 (missing ranks count as misses)
  nDCG@10   gain 2^grade - 1, discount log2(rank + 1), ideal from the task's gold grades
  hit@k     share of tasks with a relevant answer in the first k
  coverage  share of tasks with at least one answer
  ECE       expected calibration error of the confidence against "judged relevant", over the run's judged
            answers (10 equal-width bins)
  level     share of judged relevant answers with a gold level whose run level equals it (an answer without
            a level counts as wrong; a run that gives no level at all, such as a plain retrieval run, is n/a)
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from skillgraph.errors import SourceError

from .sssom import CURIE_MAP, read_sssom

MANUAL = "https://w3id.org/semapv/vocab/ManualMappingCuration"
SUPPORTS = "https://w3id.org/skillgraph/ontology#supportsTask"
SPLITS = ("tune", "heldout")
GRADE_COLUMNS = ("grade", "judgement", "judgment")
METRICS = ("tasks", "P@5", "nDCG@10", "hit@1", "hit@5", "coverage", "ECE", "level accuracy", "judged@5")
ECE_BINS = 10


@dataclass(frozen=True)
class Judgement:
    """One judged (task, skill) pair of the gold set: grade 0/1/2, split, and the level where judged."""

    task: str
    skill: str
    grade: int
    split: str
    level: str | None


@dataclass(frozen=True)
class Answer:
    """One answer of a run for a task: the skill, its confidence and the level it was given."""

    skill: str
    confidence: float
    level: str | None


def read_header(path: Path) -> tuple[dict[str, str], int]:
    """(prefix -> namespace from the file's `curie_map` over the project's, line number of the column header).

    The metadata block is YAML behind '#'; `curie_map:` is a top-level key whose entries are indented deeper.
    """
    curies, map_indent, line_no = dict(CURIE_MAP), None, 0
    with path.open(encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.startswith("#"):
                return curies, line_no
            text = line[1:].rstrip("\n")
            indent = len(text) - len(text.lstrip())
            key, sep, value = text.strip().partition(":")
            if map_indent is not None and indent > map_indent and sep:
                curies[key.strip()] = value.strip().strip("'\"")
                continue
            map_indent = indent if (key == "curie_map" and not value.strip()) else None
    return curies, line_no + 1


def expand(value: str, curies: dict[str, str], path: Path, line: int, column: str) -> str:
    """A CURIE (prefix:local) as a full IRI, an IRI as it is; an unknown prefix is an error."""
    value = value.strip().strip("<>")
    prefix, sep, local = value.partition(":")
    if local.startswith("//"):
        return value
    if not sep or prefix not in curies:
        raise SourceError(path, f"{value!r} is neither an IRI nor a CURIE with a prefix of the curie_map",
                          line=line, column=column)
    return curies[prefix] + local


def _rows(path: str | Path, required: tuple[str, ...]) -> tuple[Path, dict[str, str], int, list[dict[str, str]]]:
    path = Path(path)
    if not path.is_file():
        raise SourceError(path, "no such file (a gold set, or a build's exports/crosswalk.sssom.tsv)")
    curies, header = read_header(path)
    _, rows = read_sssom(path)
    missing = [c for c in required if rows and c not in rows[0]]
    if missing:
        raise SourceError(path, f"header lacks the column(s) {', '.join(missing)}", line=header, column=missing[0])
    return path, curies, header, rows


def read_gold(path: str | Path) -> list[Judgement]:
    """The judged pairs of a gold SSSOM/TSV file; a bad row raises SourceError naming file, line and column."""
    path, curies, header, rows = _rows(path, ("split",))
    if not rows:
        raise SourceError(path, "the gold set has no judged pairs", line=header)
    gcol = next((c for c in GRADE_COLUMNS if c in rows[0]), None)
    if gcol is None:
        raise SourceError(path, f"gold header lacks a grade column ({', '.join(GRADE_COLUMNS)})", line=header)
    out: list[Judgement] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in enumerate(rows, start=header + 1):
        grade = row[gcol].strip()
        if grade not in ("0", "1", "2"):
            raise SourceError(path, f"grade {grade!r} is not 0, 1 or 2", line=line, column=gcol)
        modifier = (row.get("predicate_modifier") or "").strip()
        if modifier not in ("", "Not"):
            raise SourceError(path, f"predicate_modifier {modifier!r}: SSSOM allows only 'Not'", line=line,
                              column="predicate_modifier")
        if modifier == "Not" and grade != "0":
            raise SourceError(path, f"a 'Not' row is a judged negative, but its grade is {grade}", line=line,
                              column="predicate_modifier")
        if expand(row["mapping_justification"], curies, path, line, "mapping_justification") != MANUAL:
            raise SourceError(path, f"{row['mapping_justification']!r} is not semapv:ManualMappingCuration: "
                                    "the gold set holds hand judgements only",
                              line=line, column="mapping_justification")
        split = row["split"].strip()
        if split not in SPLITS:
            raise SourceError(path, f"split {split!r} is not one of {', '.join(SPLITS)}", line=line, column="split")
        task = expand(row["subject_id"], curies, path, line, "subject_id")
        skill = expand(row["object_id"], curies, path, line, "object_id")
        if (task, skill) in seen:
            raise SourceError(path, f"pair judged twice (first on line {seen[task, skill]})",
                              line=line, column="object_id")
        seen[task, skill] = line
        level = (row.get("level") or "").strip()
        gold_level = expand(level, curies, path, line, "level") if level else None
        out.append(Judgement(task, skill, int(grade), split, gold_level))
    return out


def _level(comment: str, curies: dict[str, str], path: Path, line: int) -> str | None:
    """The level a crosswalk row states in its comment (`level sg:X`, or the older `required level sg:X`)."""
    for part in comment.split(";"):
        words = part.split()
        if len(words) >= 2 and words[0] == "level":
            return expand(words[1], curies, path, line, "comment")
        if len(words) >= 3 and words[:2] == ["required", "level"]:
            return expand(words[2], curies, path, line, "comment")
    return None


def read_run(path: str | Path) -> dict[str, list[Answer]]:
    """task IRI -> its answers, best first (one per skill), from a crosswalk SSSOM export."""
    path, curies, header, rows = _rows(path, ("confidence",))
    best: dict[tuple[str, str], list] = {}  # (task, skill) -> [confidence, level confidence, level]
    for line, r in enumerate(rows, start=header + 1):
        if expand(r["predicate_id"], curies, path, line, "predicate_id") != SUPPORTS:
            continue
        try:
            conf = float(r["confidence"])
        except ValueError:
            conf = math.nan
        if not 0.0 <= conf <= 1.0:
            raise SourceError(path, f"confidence {r['confidence']!r} is not a number in [0, 1]", line=line,
                              column="confidence")
        key = (expand(r["object_id"], curies, path, line, "object_id"),
               expand(r["subject_id"], curies, path, line, "subject_id"))
        level = _level(r.get("comment") or "", curies, path, line)
        b = best.setdefault(key, [conf, -1.0, None])
        b[0] = max(b[0], conf)
        if level is not None and conf > b[1]:
            b[1], b[2] = conf, level
    out: dict[str, list[Answer]] = defaultdict(list)
    for (task, skill), (conf, _, level) in best.items():
        out[task].append(Answer(skill, conf, level))
    for answers in out.values():
        answers.sort(key=lambda a: (-a.confidence, a.skill))
    return dict(out)


def _dcg(gains: list[int]) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def evaluate(gold: list[Judgement], run: dict[str, list[Answer]], split: str = "heldout") -> dict[str, float | None]:
    """The metrics of one run on the tasks of one split (see the module docstring); None = no data."""
    judged: dict[str, dict[str, Judgement]] = defaultdict(dict)
    for j in gold:
        if j.split == split:
            judged[j.task][j.skill] = j
    n = len(judged)
    if not n:
        return {m: None for m in METRICS} | {"tasks": 0}
    p5 = ndcg = hit1 = hit5 = covered = in_pool = 0.0
    calib: list[tuple[float, int]] = []
    level_hits = level_n = 0
    for task, pairs in judged.items():
        answers = run.get(task, [])
        covered += bool(answers)
        g = [pairs[a.skill].grade if a.skill in pairs else 0 for a in answers]
        p5 += sum(1 for x in g[:5] if x >= 1) / 5
        in_pool += sum(1 for a in answers[:5] if a.skill in pairs) / 5
        hit1 += any(x >= 1 for x in g[:1])
        hit5 += any(x >= 1 for x in g[:5])
        ideal = _dcg(sorted((j.grade for j in pairs.values()), reverse=True)[:10])
        ndcg += _dcg(g[:10]) / ideal if ideal > 0 else 0.0
        for a in answers:
            judgement = pairs.get(a.skill)
            if judgement is None:
                continue
            calib.append((a.confidence, int(judgement.grade >= 1)))
            if judgement.grade >= 1 and judgement.level is not None:
                level_n += 1
                level_hits += a.level == judgement.level
    return {"tasks": n, "P@5": p5 / n, "nDCG@10": ndcg / n, "hit@1": hit1 / n, "hit@5": hit5 / n,
            "coverage": covered / n, "ECE": expected_calibration_error(calib),
            "level accuracy": level_hits / level_n if level_n and _gives_levels(run) else None,
            "judged@5": in_pool / n}


def _gives_levels(run: dict[str, list[Answer]]) -> bool:
    """Whether a run states a level for any answer (level accuracy means nothing for one that never does)."""
    return any(a.level is not None for answers in run.values() for a in answers)


def expected_calibration_error(pairs: list[tuple[float, int]], bins: int = ECE_BINS) -> float | None:
    """Sum over equal-width confidence bins of |mean confidence - share correct|, weighted by the bin's size."""
    if not pairs:
        return None
    groups: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for c, y in pairs:
        groups[min(bins - 1, int(c * bins))].append((c, y))
    return sum(abs(sum(c for c, _ in g) - sum(y for _, y in g)) for g in groups.values()) / len(pairs)


def level_note(gold: list[Judgement], split: str) -> str | None:
    """Why level accuracy is n/a, when it is."""
    if not any(j.level for j in gold if j.split == split):
        return "level accuracy n/a: the gold set gives no levels (no `level` column filled) on this split"
    return None


def table(results: dict[str, dict[str, float | None]]) -> str:
    """A plain-text table: one row per method, one column per metric ("n/a" where a metric has no data)."""
    head = ["method", *METRICS]
    rows = [[name] + [("n/a" if r[m] is None else str(r[m]) if m == "tasks" else f"{r[m]:.3f}") for m in METRICS]
            for name, r in results.items()]
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]
    return "\n".join("  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)).rstrip()
                     for line in [head, *rows])
