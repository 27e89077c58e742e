"""Write the embedded tables of the seed frameworks (pathsmith, ladder, aiwork, safi, jobmodel, wef) from the seeds.

The seeds are page text: citation chips run together with statement text, the job model's
library laid out as a tab-separated grid. This script parses them into the documented table
formats (see src/skillgraph/embedded/<source>/README.md). O*NET identifiers the seeds only give as
text (the anchor tasks' Task IDs, the SAFI top skill's Element ID) are looked up in the O*NET
release under ../shared/data. Run it and review the diff:

    python scripts/make_embedded_frameworks.py [--seeds DIR] [--onet DIR]
"""
from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from skillgraph.mappings.framework_schemes import level_by_position  # noqa: E402  (the rule the reader applies too)

EMBEDDED = ROOT / "src" / "skillgraph" / "embedded"
OCC = "43-4051.00"
CHIP_TAIL = ". Opens in new tab."
PAGE = "skillscrosswalk-43-4051.00"

# key, chip label, title, publisher, version, url, rights, iri
CITATIONS = {
    "pathsmith": (
        "Pathsmith Durable Skills",
        "Pathsmith Durable Skills Framework — America Succeeds + CompTIA",
        "America Succeeds + CompTIA",
        "",
        "",
        "licence not stated by the publisher",
        "",
    ),
    "onet-v30.2": (
        "O*NET v30.2",
        "O*NET Resource Center — Occupational Information Network, v30.2 (Sept 2025)",
        "U.S. Department of Labor, Employment and Training Administration (National Center for O*NET Development)",
        "30.2",
        "https://www.onetcenter.org/",
        "CC BY 4.0",
        "",
    ),
    "aei-2026-03-24": (
        "Anthropic Economic Index",
        "Anthropic Economic Index — release_2026_03_24",
        "Anthropic",
        "release_2026_03_24",
        "https://www.anthropic.com/economic-index",
        "CC BY (data)",
        "https://w3id.org/skillgraph/id/aei/release/release_2026_03_24",
    ),
    "safi-2026": (
        "Jadhav & Danve, 2026",
        "Skill Automation Feasibility Index — Jadhav & Danve, 2026 (arXiv:2604.06906)",
        "Jadhav & Danve",
        "arXiv:2604.06906",
        "https://arxiv.org/abs/2604.06906",
        "licence not stated in the citing page",
        "https://w3id.org/skillgraph/id/safi/cited-source/safi-2026",
    ),
    "wef-2021": (
        "WEF Skills Taxonomy",
        "WEF Skills Taxonomy 2021 — Building a Common Language for Skills at Work",
        "World Economic Forum",
        "2021",
        "https://www3.weforum.org/docs/WEF_Skills_Taxonomy_2021.pdf",
        "© World Economic Forum; licence for reuse not stated",
        "https://w3id.org/skillgraph/id/wef/cited-source/wef-2021",
    ),
    PAGE: (
        "SkillsCrosswalk.com",
        "O*NET enrichment · skillscrosswalk.com — Customer Service Representatives (43-4051.00)",
        "EBSCOed (SkillsCrosswalk.com)",
        "2026",
        "https://skillscrosswalk.com/",
        "© 2026 EBSCOed; licence not stated by the publisher",
        "",
    ),
}
CITATION_HEADER = ["key", "label", "title", "publisher", "version", "url", "rights", "iri"]
STATEMENT_HEADER = ["occupation", "level", "domain", "position", "label", "text", "citations", "anchor_task_ids"]


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"wrote {path.relative_to(ROOT)} ({len(rows)} rows)")


def citations(path: Path, keys: list[str]) -> None:
    write_csv(path, CITATION_HEADER, [[k, *CITATIONS[k]] for k in keys])


def split_chips(line: str) -> tuple[str, list[str]]:
    """Statement text without its flattened citation chips, and the chips' keys in page order."""
    found = []
    for key, (label, title, *_rest) in CITATIONS.items():
        chip = label + title + CHIP_TAIL
        pos = line.find(chip)
        if pos >= 0:
            found.append((pos, key))
            line = line.replace(chip, " ")
    if "Opens in new tab" in line:
        raise SystemExit(f"unrecognised citation chip in: {line}")
    text = re.sub(r"\s+", " ", line).strip()
    text = re.sub(r"\s+([.,;])", r"\1", text)
    return text, [k for _, k in sorted(found)]


def label_text(item: str) -> tuple[str, str]:
    label, sep, text = item.partition(" — ")
    if not sep:
        raise SystemExit(f"no ' — ' between label and text in: {item}")
    return label.strip(), text.strip()


def parse_000(path: Path) -> dict:
    lines = path.read_text(encoding="utf-8").splitlines()
    out: dict = {"ladder": [], "aiwork": [], "domains": [], "pathsmith": [], "anchors": []}
    section, domain = "intro", None
    for line in lines:
        if line.startswith("Context covered"):
            section = "ladder"
            continue
        if line == "AI-at-Work Competency Framework":
            section = "aiwork-head"
            continue
        if line.startswith("How a worker at each mastery level"):
            section = "aiwork"
            continue
        if line == "Evidence pack":
            section = "evidence"
            continue
        if line.startswith("Ten durable-skill domains"):
            section = "pathsmith"
            continue
        if line.startswith("Show O*NET source anchors"):
            section = "anchors-head"
            continue
        if line.endswith("Source anchors that ground each statement"):
            section = "anchors"
            continue
        if line.startswith("Sources:") and section == "anchors":
            section = "end"
            continue
        m = re.match(r"^(\d+)(\D+?)(\d+) statements$", line)
        if section == "pathsmith" and m:
            domain = (int(m.group(1)), m.group(2).strip(), int(m.group(3)))
            out["domains"].append(domain)
            continue
        if section == "evidence":
            s = re.match(r"^- Top skill: (.+?)Score: ([\d.]+) / 100precision: (\S+)$", line)
            if s:
                out["safi"] = (s.group(1), s.group(2), s.group(3))
            if line.startswith("- ") and "_" in line and not line.startswith("- Top"):
                item = line[2:]
                for i in range(1, len(item)):
                    label, ident = item[:i], item[i:]
                    if re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") == ident:
                        out["wef"] = (ident, label)
                        break
            continue
        if not line.startswith("- "):
            continue
        item = line[2:]
        if section == "ladder":
            out["ladder"].append(label_text(item))
        elif section == "aiwork":
            text, keys = split_chips(item)
            out["aiwork"].append((*label_text(text), keys))
        elif section == "pathsmith":
            text, keys = split_chips(item)
            out["pathsmith"].append((domain, *label_text(text), keys))
        elif section == "anchors":
            out["anchors"].append(item.strip())
    return out


def onet_lookup(onet: Path, anchors: list[str], skill: str) -> tuple[dict[str, str], str]:
    from skillgraph.tabular import read_xlsx

    tasks = {}
    for r in read_xlsx(onet / "Task Statements.xlsx", ["O*NET-SOC Code", "Task ID", "Task"]):
        if r["O*NET-SOC Code"] == OCC and r["Task"] in anchors:
            tasks[r["Task"]] = r["Task ID"]
    missing = [a for a in anchors if a not in tasks]
    if missing:
        raise SystemExit(f"anchor tasks not found in {onet}: {missing}")
    element = ""
    for r in read_xlsx(onet / "Content Model Reference.xlsx", ["Element ID", "Element Name"]):
        if r["Element Name"] == skill and r["Element ID"].startswith("2.B"):
            element = r["Element ID"]
    if not element:
        raise SystemExit(f"skill {skill!r} not in the O*NET content model")
    return tasks, element


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def write_frameworks(seed000: Path, onet: Path) -> None:
    p = parse_000(seed000)
    assert len(p["ladder"]) == 40 and len(p["aiwork"]) == 12, (len(p["ladder"]), len(p["aiwork"]))
    assert len(p["domains"]) == 10 and len(p["pathsmith"]) == 84, (len(p["domains"]), len(p["pathsmith"]))

    # Mastery ladder: 10 per tier in order; no citations on the page.
    rows = [[OCC, level_by_position(i, 40), "", i, lab, txt, "", ""] for i, (lab, txt) in enumerate(p["ladder"], 1)]
    write_csv(EMBEDDED / "ladder" / "statements" / f"{OCC}.csv", STATEMENT_HEADER, rows)

    # AI-at-Work: 12 statements, 3 per level in order.
    rows = [[OCC, level_by_position(i, 12), "", i, lab, txt, ";".join(keys), ""]
            for i, (lab, txt, keys) in enumerate(p["aiwork"], 1)]
    write_csv(EMBEDDED / "aiwork" / "statements" / f"{OCC}.csv", STATEMENT_HEADER, rows)
    citations(EMBEDDED / "aiwork" / "citations.csv", ["aei-2026-03-24", "safi-2026", "wef-2021"])

    # Pathsmith: domains in page order; statements in level order within a domain.
    ps = EMBEDDED / "pathsmith"
    write_csv(ps / "domains.csv", ["domain", "position", "label", "definition"],
              [[slug(name), n, name, ""] for n, name, _count in p["domains"]])
    rows, pos = [], {}
    for (_n, name, count), lab, txt, keys in p["pathsmith"]:
        pos[name] = pos.get(name, 0) + 1
        rows.append([OCC, level_by_position(pos[name], count), slug(name), pos[name], lab, txt, ";".join(keys), ""])
    for _n, name, count in p["domains"]:
        assert pos[name] == count, (name, pos[name], count)
    write_csv(ps / "statements" / f"{OCC}.csv", STATEMENT_HEADER, rows)
    citations(ps / "citations.csv", ["pathsmith", "onet-v30.2"])
    skill, score, precision = p["safi"]
    tasks, element = onet_lookup(onet, p["anchors"], skill)
    write_csv(ps / "anchors.csv", ["occupation", "task_id", "position", "task_text"],
              [[OCC, tasks[a], i, a] for i, a in enumerate(p["anchors"], 1)])

    # SAFI positioning (evidence pack).
    write_csv(
        EMBEDDED / "safi" / "safi.csv",
        ["occupation", "score", "top_skill_element_id", "top_skill_label", "precision", "source", "evidence_source"],
        [[OCC, score, element, skill, precision, "safi-2026", PAGE]],
    )
    citations(EMBEDDED / "safi" / "citations.csv", ["safi-2026", PAGE])

    # WEF: only the attested cluster and the occupation's link to it.
    ident, label = p["wef"]
    write_csv(
        EMBEDDED / "wef" / "taxonomy.csv",
        ["cluster_id", "cluster_label", "skill_id", "skill_label", "category", "definition"],
        [[ident, label, "", "", "", ""]],
    )
    write_csv(
        EMBEDDED / "wef" / "occupation_clusters.csv", ["occupation", "cluster_id", "source"], [[OCC, ident, PAGE]]
    )
    citations(EMBEDDED / "wef" / "citations.csv", ["wef-2021", PAGE])


def write_jobmodel(seed004: Path) -> None:
    text = seed004.read_text(encoding="utf-8").splitlines()
    i = text.index("Example Positions")
    description = next(line for line in reversed(text[:i]) if line.strip())
    positions = [s.strip() for s in next(line for line in text[i + 1 :] if line.strip()).split(",")]
    c, b, grid = (
        text.index("Competencies"),
        text.index("Representative Behaviors"),
        next(k for k, line in enumerate(text) if line.endswith("Job Model")),
    )
    core = []
    for line in text[c + 1 : b]:
        if line.strip():
            name, sep, definition = line.partition(" – ")
            if not sep:
                raise SystemExit(f"no ' – ' in competency line: {line}")
            core.append((name.strip(), definition.strip()))
    behaviours = [line[2:].strip() for line in text[b + 1 : grid] if line.startswith("- ")]
    title = text[grid][: -len(" Job Model")]
    grid_lines = [line for line in text[grid + 1 :] if line.strip()]
    jm = EMBEDDED / "jobmodel"
    jm.mkdir(parents=True, exist_ok=True)
    (jm / "library.tsv").write_text("\n".join(grid_lines) + "\n", encoding="utf-8")
    print(f"wrote {(jm / 'library.tsv').relative_to(ROOT)} ({len(grid_lines) - 1} rows)")
    write_csv(jm / "definitions.csv", ["competency", "definition"], [list(x) for x in core])
    write_csv(jm / "roles.csv",
              ["role", "title", "occupation", "description", "example_positions", "core_competencies",
               "representative_behaviors"],
              [[slug(title), title, OCC, description, ";".join(positions), ";".join(n for n, _ in core),
                ";".join(behaviours)]])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    ap.add_argument("--onet", type=Path, default=ROOT.parent / "shared" / "data" / "onet" / "30.1",
                    help="O*NET release folder (Excel) for Task IDs and Element IDs")
    a = ap.parse_args(argv)
    write_frameworks(next(a.seeds.glob("000_*.txt")), a.onet)
    write_jobmodel(next(a.seeds.glob("004_*.txt")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
