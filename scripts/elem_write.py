"""Write the curated O*NET element -> ESCO skill mapping set (SSSOM/TSV) from the hand decisions.

The decisions (scripts/elem_decisions.tsv: element, predicate, ESCO skill UUID or '-', note) were made by reading
each element's O*NET name and description and the ESCO concepts' labels and descriptions (candidates from
scripts/elem_draft.py, plus concepts looked up by label), under the rule in
src/skillgraph/crosswalk/data/README.md. This script only adds labels, categories and the metadata block, and
checks the decisions: every rated element reviewed once at least, every object an ESCO v1.1.1 concept of
skills_en.csv, no pair twice, "none" alone for its element.

    python scripts/elem_write.py [--cache DIR] [--date YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
from collections import Counter
from pathlib import Path

from elem_draft import read_elements, read_esco
from gold_common import shared_dir

from skillgraph import iri
from skillgraph.crosswalk.curated import (
    AUTHOR,
    COLUMNS,
    CURATED,
    CURIE_MAP,
    MAPPING_SET_ID,
    NO_TERM,
    PREDICATES,
)

DECISIONS = Path(__file__).with_name("elem_decisions.tsv")


def header(date: str) -> str:
    lines = ["curie_map:"] + [f'  {k}: "{v}"' for k, v in CURIE_MAP.items()] + [
        f'mapping_set_id: "{MAPPING_SET_ID}"',
        'mapping_set_title: "O*NET 30.1 Skills, Knowledge, Abilities and Work Styles elements to ESCO v1.1.1 '
        'skills and knowledge concepts, curated"',
        'mapping_set_description: "Every element of the four O*NET families reviewed by meaning, once, by an AI '
        'model (not a human) under the rule in README.md beside this file; sssom:NoTermFound where no ESCO concept '
        'matches. Candidates were drafted lexically and by sentence embeddings (scripts/elem_draft.py)."',
        'license: "https://creativecommons.org/licenses/by/4.0/"',
        f'creator_label: "{AUTHOR}"',
        f'mapping_date: "{date}"',
        'subject_source_version: "O*NET 30.1"',
        'object_source_version: "ESCO v1.1.1"',
    ]
    return "".join(f"#{x}\n" for x in lines)


CACHE = Path(os.environ.get("SKILLGRAPH_CACHE", Path.home() / ".cache" / "skillgraph")) / "elem"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--date", default=dt.date.today().isoformat())
    a = ap.parse_args()
    d = shared_dir()
    elements = {e["id"]: e for e in read_elements(d, a.cache)}
    esco = {s["uri"].rsplit("/", 1)[1]: s for s in read_esco(d)}
    rows, seen = [], Counter()
    with DECISIONS.open() as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            el, pred, uuid, *note = line.rstrip("\n").split("\t")
            if el not in elements:
                raise SystemExit(f"{DECISIONS}:{n}: {el} is not a rated O*NET 30.1 element")
            e = elements[el]
            row = {"subject_id": f"onet:element/{el}", "subject_label": e["name"], "subject_category": e["family"],
                   "mapping_justification": "semapv:ManualMappingCuration", "author_label": AUTHOR,
                   "comment": note[0] if note and note[0] != "-" else ""}
            if pred == "none":
                row.update(predicate_id="skos:relatedMatch", object_id=NO_TERM, object_label="", object_category="")
                row["comment"] = row["comment"] or "no ESCO v1.1.1 concept matches under the rule, not even related"
            else:
                if f"skos:{pred}Match" not in PREDICATES or uuid not in esco:
                    raise SystemExit(f"{DECISIONS}:{n}: bad predicate {pred!r} or ESCO concept {uuid!r}")
                s = esco[uuid]
                row.update(predicate_id=f"skos:{pred}Match", object_id=f"escoskill:{uuid}", object_label=s["label"],
                           object_category=s["type"])
            seen[(el, row["object_id"])] += 1
            rows.append(row)
    for (el, obj), k in seen.items():
        if k > 1:
            raise SystemExit(f"{DECISIONS}: {el} -> {obj} decided {k} times")
    by_el = Counter(r["subject_id"] for r in rows)
    for r in rows:
        if r["object_id"] == NO_TERM and by_el[r["subject_id"]] > 1:
            raise SystemExit(f"{DECISIONS}: {r['subject_id']} has matches and 'none'")
    missing = sorted(set(elements) - {r["subject_id"].split("/", 1)[1] for r in rows})
    if missing:
        raise SystemExit(f"{DECISIONS}: not reviewed: {', '.join(missing)}")
    order = {p: i for i, p in enumerate(PREDICATES)}
    family = {f: i for i, f in enumerate(("Skills", "Knowledge", "Abilities", "Work Styles"))}
    rows.sort(key=lambda r: (family[r["subject_category"]], r["subject_id"], order[r["predicate_id"]],
                             r["object_label"]))
    assert str(iri.onet.element("2.A.1.a")) == CURIE_MAP["onet"] + "element/2.A.1.a"
    with CURATED.open("w", encoding="utf-8", newline="") as f:
        f.write(header(a.date))
        w = csv.DictWriter(f, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    preds = Counter(r["predicate_id"] for r in rows if r["object_id"] != NO_TERM)
    print(f"{len(elements)} elements, {len(rows)} rows -> {CURATED}: {dict(preds)}, "
          f"{sum(1 for r in rows if r['object_id'] == NO_TERM)} elements with no match")


if __name__ == "__main__":
    main()
