"""Write the embedded ESCO sample (src/skillgraph/embedded/esco/) from the seed page and the staged release.

The seed page (../shared/seeds/003_*.txt) lists the ESCO occupation "customer service
representative" with 39 skills and knowledge (24 essential, 15 optional: ESCO v1.2's profile).
Its labels are run together on one line per section; SEED below splits them, and the script checks
that the split reproduces the seed's lines exactly. Each label is then looked up in the staged
ESCO v1.1.1 skills (preferred label first, then alternative labels) to find ESCO's own URI, and
the rows are written in the v1.1.x CSV layout with the release's real headers and values.

A label without a v1.1.1 concept keeps its place only if ESCO itself publishes its URI elsewhere:
"knowledge base" is a v1.2 concept whose row (URI, type, reuse level, labels, description) is in
ESCO v1.2.0's digitalSkillsCollection_en.csv (V12_ROWS below, from the public copy in
victoriano/future-of-work-data, data/raw/esco/1.2.0/, commit e6aa2f1). A label whose URI cannot be
determined is left out and listed (no ESCO URI is ever invented): "relationship marketing".

    python scripts/make_embedded_esco.py [--shared ../shared]
"""
from __future__ import annotations

import argparse
import csv
import gzip
import sys
from pathlib import Path

csv.field_size_limit(sys.maxsize)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "skillgraph" / "embedded" / "esco" / "v1.1.1-sample"
CSR = "http://data.europa.eu/esco/occupation/13d1b2b4-99dd-44da-9734-c9f74bae18f7"

# section heading on the seed page -> (relation type, labels in page order)
SEED = {
    "ESSENTIALTheoretical knowledge required": ("essential", ["customer service", "knowledge base"]),
    "OPTIONALAdjacent knowledge that strengthens fit": (
        "optional",
        [
            "consumer protection",
            "data mining methods",
            "e-commerce systems",
            "sales activities",
            "relationship marketing",
        ],
    ),
    "ESSENTIALApplied skills & competences": (
        "essential",
        [
            "process order forms with customer's information",
            "process data",
            "ensure client orientation",
            "apply conflict management",
            "implement customer follow-up",
            "process refunds",
            "identify customer's needs",
            "create solutions to problems",
            "perform escalation procedure",
            "communicate with customers",
            "provide information",
            "guarantee customer satisfaction",
            "determine charges for customer services",
            "manage schedule of tasks",
            "provide customer follow-up services",
            "process customer orders",
            "control of expenses",
            "have computer literacy",
            "keep records of customer interaction",
            "apply knowledge of human behaviour",
            "listen actively",
            "perform multiple tasks at the same time",
        ],
    ),
    "OPTIONALOptional competences": (
        "optional",
        [
            "show diplomacy",
            "use customer relationship management software",
            "contact customers",
            "measure customer feedback",
            "carry out active selling",
            "speak different languages",
            "use e-services",
            "facilitate official agreement",
            "perform data analysis",
            "upsell products",
        ],
    ),
}


# ESCO v1.2.0 rows for seed concepts that v1.1.1 does not have (digitalSkillsCollection_en.csv).
V12_ROWS = {
    "knowledge base": {
        "conceptType": "KnowledgeSkillCompetence",
        "conceptUri": "http://data.europa.eu/esco/skill/38da3c60-4b7c-4698-9256-574e4ee4e93b",
        "skillType": "knowledge", "reuseLevel": "cross-sector", "preferredLabel": "knowledge base",
        "altLabels": "IT knowledge base", "status": "released",
        "description": "An online library that contains information about a product or service to help customers "
                       "finding answers to their queries.",
    },
}


def read(path: Path) -> tuple[list[str], list[dict]]:
    op = gzip.open if path.suffix == ".gz" else open
    with op(path, "rt", newline="", encoding="utf-8") as fh:
        r = csv.DictReader(fh)
        return list(r.fieldnames or []), list(r)


def find(folder: Path, stem: str) -> Path:
    for suffix in (".csv", ".csv.gz"):
        if (folder / (stem + suffix)).exists():
            return folder / (stem + suffix)
    raise SystemExit(f"{stem}.csv(.gz) not found in {folder}")


def check_seed(seed_file: Path) -> None:
    lines = [ln.strip() for ln in seed_file.read_text(encoding="utf-8").splitlines()]
    for heading, (_, labels) in SEED.items():
        i = lines.index(heading)
        if lines[i + 1] != "".join(labels):
            raise SystemExit(f"the split of {heading!r} does not reproduce the seed line:\n{lines[i + 1]}")
    total = sum(len(v[1]) for v in SEED.values())
    ess = sum(len(v[1]) for v in SEED.values() if v[0] == "essential")
    if (total, ess) != (39, 24):
        raise SystemExit(f"expected 39 labels (24 essential), have {total} ({ess})")


def write(path: Path, header: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in header})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()
    seed_file = next((args.shared / "seeds").glob("003_*.txt"))
    check_seed(seed_file)
    esco = args.shared / "data" / "esco" / "v1.1.1"

    sk_head, skills = read(find(esco, "skills_en"))
    by_pref: dict[str, list[dict]] = {}
    by_alt: dict[str, list[dict]] = {}
    for r in skills:
        by_pref.setdefault(r["preferredLabel"].strip().lower(), []).append(r)
        for a in r["altLabels"].splitlines():
            by_alt.setdefault(a.strip().lower(), []).append(r)
    chosen: list[tuple[str, dict, str]] = []   # (relation type, skill row, how found)
    missing: list[tuple[str, str]] = []
    for _, (rtype, labels) in SEED.items():
        for label in labels:
            hits = by_pref.get(label.lower())
            how = "preferred label"
            if not hits:
                hits, how = by_alt.get(label.lower()), "alternative label"
            if not hits and label in V12_ROWS:
                hits, how = [V12_ROWS[label]], "ESCO v1.2.0 digitalSkillsCollection_en.csv (not in v1.1.1)"
            if not hits:
                missing.append((rtype, label))
                continue
            if len(hits) != 1:
                raise SystemExit(f"seed skill {label!r}: {len(hits)} v1.1.1 concepts by label")
            chosen.append((rtype, hits[0], how))

    oc_head, occs = read(find(esco, "occupations_en"))
    csr = [r for r in occs if r["conceptUri"] == CSR]
    _, broader = read(find(esco, "broaderRelationsOccPillar"))
    bo_head = ["conceptType", "conceptUri", "broaderType", "broaderUri"]
    is_head, isco = read(find(esco, "ISCOGroups_en"))
    up = {r["conceptUri"]: r for r in broader}
    chain, node = [], CSR
    while node in up:
        chain.append(up[node])
        node = up[node]["broaderUri"]
    groups = {r["broaderUri"] for r in chain} | {r["conceptUri"] for r in chain}
    if any("/occupation/" in g and g != CSR for g in groups):
        raise SystemExit("the occupation's broader chain passes through another occupation; extend the script")

    os_head = ["occupationUri", "relationType", "skillType", "skillUri"]
    rels = [{"occupationUri": CSR, "relationType": rt, "skillType": s["skillType"], "skillUri": s["conceptUri"]}
            for rt, s, _ in chosen]
    tr_head, transversal = read(find(esco, "transversalSkillsCollection_en"))
    wanted = {s["conceptUri"] for _, s, _ in chosen}

    write(OUT / "occupations_en.csv", oc_head, csr)
    write(OUT / "ISCOGroups_en.csv", is_head, [r for r in isco if r["conceptUri"] in groups])
    write(OUT / "broaderRelationsOccPillar.csv", bo_head, list(reversed(chain)))
    write(OUT / "skills_en.csv", sk_head, [s for _, s, _ in chosen])
    write(OUT / "occupationSkillRelations.csv", os_head, rels)
    write(OUT / "transversalSkillsCollection_en.csv", tr_head, [r for r in transversal if r["conceptUri"] in wanted])
    for rt, s, how in chosen:
        print(f"{rt:9} {s['skillType']:16} {s['conceptUri'].rsplit('/', 1)[1]}  {s['preferredLabel']}  [{how}]")
    for rt, label in missing:
        print(f"{rt:9} NOT WRITTEN: {label!r} has no ESCO URI in v1.1.1 nor in the v1.2.0 files at hand")
    _, full = read(find(esco, "occupationSkillRelations"))
    in_full = {(r["relationType"], r["skillUri"]) for r in full if r["occupationUri"] == CSR}
    mine = {(r["relationType"], r["skillUri"]) for r in rels}
    print(f"written to {OUT}: {len(rels)} relations; v1.1.1 has {len(in_full)} for the occupation; "
          f"only in the seed: {len(mine - in_full)}, only in v1.1.1: {len(in_full - mine)}")


if __name__ == "__main__":
    main()
