"""Draft candidates for the curated O*NET element -> ESCO skill mapping set (issue 12, item 4).

For every O*NET 30.1 Skills, Knowledge, Abilities and Work Styles element (the elements rated in Skills,
Knowledge and Work Styles, and the Content Model's 52 ability leaves, since Abilities.xlsx is not among the
staged 30.1 files; named and defined by the Content Model Reference) this lists the engine's candidates over all ESCO
v1.1.1 skills and knowledge concepts:

  lexical  the crosswalk's lexical scorer (skillgraph.crosswalk.lexical) over the texts the crosswalk reads
           (label, altLabels, description, scope note), through its inverted index: top 10;
  dense    all-MiniLM-L6-v2 cosine (skillgraph.crosswalk.dense) of "name. description" of the element with the
           ESCO label, and with "label. description": top 10 of each (skipped without the dense extra).

The candidates are only what the reviewer reads first: the curated set
(src/skillgraph/crosswalk/data/onet_element_esco_skill.sssom.tsv) is chosen by hand, by meaning, and may hold
concepts no method proposed (found with --grep).

    python scripts/elem_draft.py --cache DIR [--out DIR]
    python scripts/elem_draft.py --grep WORD [WORD ...]   # ESCO concepts whose label contains every word

Writes DIR/candidates.tsv (element, method, rank, score, ESCO IRI, label, type, reuse level) and
DIR/review.txt (one block per element, candidates merged, for reading). Deterministic for fixed inputs.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from pathlib import Path

from gold_common import read_skill_texts, shared_dir

from skillgraph.crosswalk import dense
from skillgraph.crosswalk.lexical import Corpus, Doc
from skillgraph.tabular import read_table

FAMILIES = {"Skills": ("2.A", "2.B"), "Knowledge": ("2.C",), "Abilities": ("1.A",), "Work Styles": ("1.D",)}
TOP = 10


def read_elements(d: Path, cache: Path) -> list[dict[str, str]]:
    """The rated elements of the four files, with the Content Model Reference's name and description."""
    saved = cache / "elements.json"
    if saved.is_file():
        return json.loads(saved.read_text())
    onet = d / "onet" / "30.1"
    ref = {r["Element ID"]: (r["Element Name"].strip(), " ".join(r.get("Description").split()))
           for r in read_table(onet / "Content Model Reference.xlsx", ["Element ID", "Element Name"])}
    out = []
    for family, prefixes in FAMILIES.items():
        if family == "Abilities":  # Abilities.xlsx is not in the staged 30.1 (SOURCES.md): the model's leaves
            ids = sorted(i for i in ref if i.startswith(prefixes) and not any(j.startswith(i + ".") for j in ref))
        else:
            ids = sorted({r["Element ID"] for r in read_table(onet / f"{family}.xlsx", ["Element ID"])})
        for i in ids:
            if not i.startswith(prefixes):
                raise SystemExit(f"{family}.xlsx: element {i} outside {prefixes}")
            name, desc = ref[i]
            out.append({"id": i, "family": family, "name": name, "description": desc})
    saved.write_text(json.dumps(out, indent=1))
    return out



def grep(skills: list[dict[str, str]], words: list[str]) -> None:
    for s in sorted(skills, key=lambda s: s["label"]):
        if all(w.lower() in s["label"].lower() for w in words):
            print(f"{s['uri'].rsplit('/', 1)[1]}  [{s['type'][:4]}/{s['reuse']}]  {s['label']}")


CACHE = Path(os.environ.get("SKILLGRAPH_CACHE", Path.home() / ".cache" / "skillgraph")) / "elem"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--grep", nargs="+")
    a = ap.parse_args()
    d = shared_dir()
    skills = read_skill_texts(d, with_definition=False)
    if a.grep:
        grep(skills, a.grep)
        return
    out = a.out or a.cache
    out.mkdir(parents=True, exist_ok=True)
    elements = read_elements(d, a.cache)
    by_uri = {s["uri"]: s for s in skills}
    uris = [s["uri"] for s in skills]

    corpus = Corpus()
    for e in elements:
        corpus.add(Doc("onet:" + e["id"], e["name"], f"{e['name']} {e['description']}"))
    for s in skills:
        corpus.add(Doc(s["uri"], s["label"], s["full"]))
    index = corpus.index(uris)
    ranks: dict[str, dict[str, list[tuple[str, float]]]] = {}
    for e in elements:
        ranks[e["id"]] = {"lexical": index.search("onet:" + e["id"], k=TOP)}
    if dense.available():
        enc, cache = dense.Encoder(), dense.EmbeddingCache(a.cache)
        ev = enc.encode([f"{e['name']}. {e['description']}" for e in elements], cache)
        for name, texts in (("dense-label", [s["label"] for s in skills]),
                            ("dense-description", [dense.skill_text(s["label"], s["description"]) for s in skills])):
            idx, sc = dense.DenseIndex(uris, enc.encode(texts, cache)).retrieve(ev, TOP)
            for e, row, srow in zip(elements, idx, sc, strict=True):
                ranks[e["id"]][name] = [(uris[i], float(x)) for i, x in zip(row, srow, strict=True)]
        cache.close()
    else:
        print(f"dense skipped: {dense.unavailable_reason()}")

    with (out / "candidates.tsv").open("w", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["element", "element_name", "method", "rank", "score", "esco", "label", "type", "reuse"])
        for e in elements:
            for method, rk in ranks[e["id"]].items():
                for i, (u, s) in enumerate(rk, 1):
                    sk = by_uri[str(u)]
                    w.writerow([e["id"], e["name"], method, i, f"{s:.4f}", u, sk["label"], sk["type"], sk["reuse"]])
    with (out / "review.txt").open("w") as f:
        for e in elements:
            f.write(f"\n== {e['id']} [{e['family']}] {e['name']}: {e['description']}\n")
            seen: dict[str, list[str]] = {}
            for method, rk in ranks[e["id"]].items():
                for i, (u, _) in enumerate(rk, 1):
                    seen.setdefault(str(u), []).append(f"{method[0]}{method[-1] if '-' in method else ''}{i}")
            for u, tags in seen.items():
                sk = by_uri[u]
                f.write(f"   {u.rsplit('/', 1)[1]}  [{sk['type'][:4]}/{sk['reuse'][:5]}] {sk['label']}"
                        f"  ({' '.join(tags)})\n")
    print(f"{len(elements)} elements, {len(skills)} ESCO concepts -> {out}/candidates.tsv, review.txt")


if __name__ == "__main__":
    main()
