"""Write the judged gold set as SSSOM/TSV: every task whose whole pool is judged, all its pairs (0s included).

While the pairs a later pooling added (gold_pool.py --extend) are being judged, a task whose first pool is
whole enters with the later pairs judged so far; the script says how many later pairs are still unjudged.

    python scripts/gold_write.py [--date YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections import Counter, defaultdict

from gold_common import ESCO_SKILL, JUDGED_TSV, POOL_TSV, SAMPLE_TSV, SSSOM_TSV, read_tsv
from gold_judge import JUDGER
from gold_levels import LEVELS_TSV
from gold_pool import EXTENDED

TASK_NS = "https://w3id.org/skillgraph/id/onet/task/"
CURIE_MAP = {
    "sgtask": TASK_NS,
    "escoskill": ESCO_SKILL,
    "sg": "https://w3id.org/skillgraph/ontology#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "semapv": "https://w3id.org/semapv/vocab/",
}
COLUMNS = ["subject_id", "subject_label", "predicate_id", "predicate_modifier", "object_id", "object_label",
           "mapping_justification", "author_label", "grade", "level", "split", "onet_soc", "occupation", "job_zone",
           "major_group", "nesta_linked", "pool_methods", "comment"]
GRADE_NOTE = {"2": "sg:supportsTask grade 2: directly needed to perform the task",
              "1": "sg:supportsTask grade 1: related or helpful, not central or too generic",
              "0": "sg:supportsTask grade 0: does not support the task (judged negative)"}


def header(date: str) -> str:
    lines = ["mapping_set_id: https://w3id.org/skillgraph/mappings/gold/onet_task_esco_skill",
             "mapping_set_title: Judged gold set - ESCO v1.1.1 skills supporting O*NET 30.1 tasks",
             "mapping_set_description: Pooled candidates judged 0/1/2 by an AI model (not a human), pair by pair"
             " by meaning, under eval/gold/README.md. Grade in column grade; sg:supportsTask read skill -> task."
             " The level column gives the shared proficiency level the skill is needed at for the task (README,"
             " Levels), judged for the held-out relevant pairs the evaluated methods answer in their top 5.",
             "license: https://creativecommons.org/licenses/by/4.0/",
             f"creator_label: {JUDGER}",
             f"mapping_date: {date}",
             "subject_source_version: O*NET 30.1",
             "object_source_version: ESCO v1.1.1",
             "curie_map:"] + [f"  {k}: {v}" for k, v in CURIE_MAP.items()]
    return "".join(f"# {x}\n" for x in lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--date", default=dt.date.today().isoformat())
    a = ap.parse_args()
    grades = {(r["task_id"], r["skill_uri"]): r["grade"] for r in read_tsv(JUDGED_TSV)}
    levels = {(r["task_id"], r["skill_uri"]): "sg:" + r["level"] for r in read_tsv(LEVELS_TSV)} \
        if LEVELS_TSV.is_file() else {}
    pool = defaultdict(list)
    for r in read_tsv(POOL_TSV):
        pool[r["task_id"]].append(r)
    rows, pending = [], 0
    for t in read_tsv(SAMPLE_TSV):
        cands = pool[t["task_id"]]
        todo = [c for c in cands if (t["task_id"], c["skill_uri"]) not in grades]
        if not cands or any(set(c["methods"].split("+")) - set(EXTENDED) for c in todo):
            continue
        pending += len(todo)
        for c in cands:
            if c in todo:
                continue
            g = grades[(t["task_id"], c["skill_uri"])]
            rows.append({
                "subject_id": "sgtask:" + t["task_id"], "subject_label": t["task"],
                "predicate_id": "skos:relatedMatch", "predicate_modifier": "Not" if g == "0" else "",
                "object_id": "escoskill:" + c["skill_uri"][len(ESCO_SKILL):], "object_label": c["skill_label"],
                "mapping_justification": "semapv:ManualMappingCuration", "author_label": JUDGER, "grade": g,
                "level": levels.get((t["task_id"], c["skill_uri"]), ""),
                "split": t["split"], "onet_soc": t["onet_soc"], "occupation": t["occupation"],
                "job_zone": t["job_zone"], "major_group": t["major_group"], "nesta_linked": t["nesta_linked"],
                "pool_methods": c["methods"], "comment": GRADE_NOTE[g]})
    SSSOM_TSV.parent.mkdir(parents=True, exist_ok=True)
    with open(SSSOM_TSV, "w", encoding="utf-8", newline="") as f:
        f.write(header(a.date))
        f.write("\t".join(COLUMNS) + "\n")
        for r in rows:
            f.write("\t".join(str(r[c]).replace("\t", " ") for c in COLUMNS) + "\n")
    tasks = {(r["subject_id"], r["split"]) for r in rows}
    print(f"{len(rows)} pairs, {len(tasks)} tasks; per split {dict(Counter(s for _, s in tasks))}; "
          f"per grade {dict(sorted(Counter(r['grade'] for r in rows).items()))}"
          + (f"; {pending} pairs of later pooling not yet judged (left out)" if pending else ""))


if __name__ == "__main__":
    main()
