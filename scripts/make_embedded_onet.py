"""Write the embedded O*NET sample (src/skillgraph/embedded/onet/) from the seed pages.

The sample is Customer Service Representatives (43-4051.00) in O*NET's own text format
(tab-separated .txt files with the real names and headers). What an occupation page shows is
taken from the seeds (../shared/seeds/001_*.txt, 002_*.txt): the 13 tasks, the 35 skills with the
Importance and Level values exactly as the seed gives them, the technology skills and tools with
their commodity titles, the job zone, the DWAs, the names of the knowledge areas, work styles,
interests and work values, the reported titles. What a page does not show (Task IDs, Element IDs,
commodity codes, DWA IDs, hot-technology flags, N, standard errors, dates, domain sources, the
values of non-skill ratings) is looked up in the O*NET 30.1 release (../shared/data/onet/30.1).

    python scripts/make_embedded_onet.py [--release DIR] [--seeds DIR] [--out DIR]

Rerun it after changing it and review the diff; its output is committed.
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from skillgraph.mappings.onet_read import TABLES, OnetRelease  # noqa: E402

CODE = "43-4051.00"
SHARED = ROOT.parent / "shared"

# Work-style names of the seed page (the pre-30.0 model) -> their 30.x counterpart where one exists.
WORK_STYLE_RENAMED = {"Adaptability/Flexibility": "Adaptability", "Persistence": "Perseverance",
                      "Achievement/Effort": "Achievement Orientation", "Leadership": "Leadership Orientation",
                      "Concern for Others": "Empathy"}

# Columns of each file written, in the order of O*NET's 30.1 files.
STAT_COLS = ("N", "Standard Error", "Lower CI Bound", "Upper CI Bound", "Recommend Suppress", "Not Relevant",
             "Date", "Domain Source")
RATED = ("O*NET-SOC Code", "Title", "Element ID", "Element Name", "Scale ID", "Scale Name", "Data Value")
DATED = ("Date", "Domain Source")
LAYOUT = {
    "Occupation Data": ("O*NET-SOC Code", "Title", "Description"),
    "Task Statements": ("O*NET-SOC Code", "Title", "Task ID", "Task", "Task Type", "Incumbents Responding") + DATED,
    "Skills": RATED + STAT_COLS,
    "Knowledge": RATED + STAT_COLS,
    "Work Styles": RATED + DATED,
    "Interests": RATED + DATED,
    "Work Values": RATED + DATED,
    "Job Zones": ("O*NET-SOC Code", "Title", "Job Zone", "Date", "Domain Source"),
    "Job Zone Reference": ("Job Zone", "Name", "Experience", "Education", "Job Training", "Examples", "SVP Range"),
    "Technology Skills": ("O*NET-SOC Code", "Title", "Example", "Commodity Code", "Commodity Title", "Hot Technology",
                          "In Demand"),
    "Tools Used": ("O*NET-SOC Code", "Title", "Example", "Commodity Code", "Commodity Title"),
    "Tasks to DWAs": ("O*NET-SOC Code", "Title", "Task ID", "Task", "DWA ID", "DWA Title", "Date", "Domain Source"),
    "DWA Reference": ("Element ID", "Element Name", "IWA ID", "IWA Title", "DWA ID", "DWA Title"),
    "IWA Reference": ("Element ID", "Element Name", "IWA ID", "IWA Title"),
    "Content Model Reference": ("Element ID", "Element Name", "Description"),
    "Scales Reference": ("Scale ID", "Scale Name", "Minimum", "Maximum"),
    "Level Scale Anchors": ("Element ID", "Element Name", "Scale ID", "Scale Name", "Anchor Value",
                            "Anchor Description"),
    "UNSPSC Reference": ("Commodity Code", "Commodity Title", "Class Code", "Class Title", "Family Code",
                         "Family Title", "Segment Code", "Segment Title"),
    "Sample of Reported Titles": ("O*NET-SOC Code", "Title", "Reported Job Title", "Shown in My Next Move"),
}


def section(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def dashed(block: str) -> list[str]:
    """Items of the seed page's '-' lists (the item follows a line holding only '-')."""
    return [m.strip() for m in re.findall(r"^-\n(.+)$", block, re.M)]


def parse_seeds(seeds: Path) -> dict:
    s1 = next(seeds.glob("001_*.txt")).read_text(encoding="utf-8")
    s2 = next(seeds.glob("002_*.txt")).read_text(encoding="utf-8")
    out = {
        "title": re.search(r"^Job Title: (.+)$", s2, re.M).group(1).strip(),
        "description": section(s2, "# DESCRIPTION\n", "\n#").strip(),
        "tasks": re.findall(r"^- (.+)$", section(s2, "# TASKS\n", "# SKILLS"), re.M),
        "skills": re.findall(r"^- (.+) \(Importance: ([\d.]+)/5 \| Level: ([\d.]+)/7\)$", s2, re.M),
        "technology": re.findall(r"^- (.+) \(Tech skill type: (.+)\)$", s2, re.M),
        "tools": re.findall(r"^- (.+) \(Tool type: (.+)\)$", s2, re.M),
        "reported": [
            t.strip() for t in s1.split("Sample of reported job titles:\n", 1)[1].split("\n", 1)[0].split(", ")
        ],
        "dwas": dashed(section(s1, "Detailed Work Activities\n", "back to top")),
        "activities": [x.split(" — ")[0] for x in dashed(section(s1, "Work Activities\n", "back to top"))],
        "knowledge": [x.split(" — ")[0] for x in dashed(section(s1, "\nKnowledge\n", "back to top"))],
        "abilities": [x.split(" — ")[0] for x in dashed(section(s1, "\nAbilities\n", "back to top"))],
        "interests": [x.split(" — ")[0] for x in dashed(section(s1, "\nInterests\n", "back to top"))],
        "values": [x.split(" — ")[0] for x in dashed(section(s1, "\nWork Values\n", "back to top"))],
        "styles": [x.split(" — ")[0] for x in dashed(section(s1, "\nWork Styles\n", "back to top"))],
        "job_zone": re.search(r"Job Zone (One|Two|Three|Four|Five):", s1).group(1),
    }
    assert len(out["tasks"]) == 13 and len(out["skills"]) == 35, "seed layout changed"
    return out


def fmt(col: str, v: str) -> str:
    """Values in the text format's own style: 2 decimals for data values, 4 for statistics, n/a for empty."""
    v = (v or "").strip()
    if v == "":
        return "n/a" if col in STAT_COLS[:6] else ""
    if col in ("Data Value",):
        return f"{float(v):.2f}"
    if col in ("Standard Error", "Lower CI Bound", "Upper CI Bound"):
        return f"{float(v):.4f}"
    if col in ("N", "Task ID", "Incumbents Responding", "Job Zone", "Category") and v.endswith(".0"):
        return v[:-2]
    return v


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--release", type=Path, default=SHARED / "data" / "onet" / "30.1")
    ap.add_argument("--seeds", type=Path, default=SHARED / "seeds")
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "skillgraph" / "embedded" / "onet")
    a = ap.parse_args(argv)
    seed = parse_seeds(a.seeds)
    rel = OnetRelease(a.release)
    occ = lambda t: [r.values for r in rel.rows(t) if r["O*NET-SOC Code"] == CODE]  # noqa: E731
    files: dict[str, list[dict]] = {}

    files["Occupation Data"] = [{"O*NET-SOC Code": CODE, "Title": seed["title"], "Description": seed["description"]}]
    by_text = {r["Task"]: r for r in occ("Task Statements")}
    files["Task Statements"] = [by_text[t] for t in seed["tasks"]]

    skills = {(r["Element Name"], r["Scale ID"]): r for r in occ("Skills")}
    rows = []
    for name, im, lv in seed["skills"]:
        for sid, value in (("IM", im), ("LV", lv)):
            rows.append(dict(skills[(name, sid)], **{"Data Value": value}))
    files["Skills"] = sorted(rows, key=lambda r: (r["Element ID"], r["Scale ID"]))

    def named(table: str, names: list[str]) -> list[dict]:
        want = set(names)
        return [r for r in occ(table) if r["Element Name"] in want]

    files["Knowledge"] = named("Knowledge", seed["knowledge"])
    files["Work Styles"] = named("Work Styles", [WORK_STYLE_RENAMED.get(n, n) for n in seed["styles"]])
    files["Interests"] = named("Interests", seed["interests"])
    files["Work Values"] = named("Work Values", seed["values"])
    zone = str(["One", "Two", "Three", "Four", "Five"].index(seed["job_zone"]) + 1)
    files["Job Zones"] = [r for r in occ("Job Zones") if r["Job Zone"] == zone]
    files["Job Zone Reference"] = [r.values for r in rel.rows("Job Zone Reference") if r["Job Zone"] == zone]

    tech = {r["Example"]: r for r in occ("Technology Skills")}
    files["Technology Skills"] = [dict(tech[ex], **{"Commodity Title": kind}) for ex, kind in seed["technology"]]
    tools = {r["Example"]: r for r in occ("Tools Used")}
    files["Tools Used"] = [dict(tools[ex], **{"Commodity Title": kind}) for ex, kind in seed["tools"]]
    dwas = set(seed["dwas"])
    files["Tasks to DWAs"] = [r for r in occ("Tasks to DWAs") if r["DWA Title"] in dwas]
    dwa_ids = {r["DWA ID"] for r in files["Tasks to DWAs"]}
    files["DWA Reference"] = [r.values for r in rel.rows("DWA Reference") if r["DWA ID"] in dwa_ids]
    iwa_ids = {r["IWA ID"] for r in files["DWA Reference"]}
    files["IWA Reference"] = [r.values for r in rel.rows("IWA Reference") if r["IWA ID"] in iwa_ids]
    reported = {r["Reported Job Title"]: r for r in occ("Sample of Reported Titles")}
    files["Sample of Reported Titles"] = [reported[t] for t in seed["reported"]]

    cmr = [r.values for r in rel.rows("Content Model Reference")]
    by_name: dict[str, list[str]] = {}
    for r in cmr:
        by_name.setdefault(r["Element Name"], []).append(r["Element ID"])
    used = {
        r["Element ID"] for t in ("Skills", "Knowledge", "Work Styles", "Interests", "Work Values") for r in files[t]
    }
    used |= {r["Element ID"] for r in files["IWA Reference"]}
    for names, branch in ((seed["activities"], "4.A."), (seed["abilities"], "1.A.")):
        for n in names:
            used |= {e for e in by_name.get(n, []) if e.startswith(branch)}
    keep = set()
    for e in used:
        parts = e.split(".")
        keep |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    files["Content Model Reference"] = [r for r in cmr if r["Element ID"] in keep]
    scales_used = {
        r["Scale ID"] for t in ("Skills", "Knowledge", "Work Styles", "Interests", "Work Values") for r in files[t]
    }
    files["Scales Reference"] = [r.values for r in rel.rows("Scales Reference") if r["Scale ID"] in scales_used]
    files["Level Scale Anchors"] = [r.values for r in rel.rows("Level Scale Anchors") if r["Element ID"] in used]
    codes = {r["Commodity Code"] for t in ("Technology Skills", "Tools Used") for r in files[t]}
    files["UNSPSC Reference"] = [r.values for r in rel.rows("UNSPSC Reference") if r["Commodity Code"] in codes]
    rel.close()

    a.out.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        cols = LAYOUT[name]
        assert set(cols) <= set(TABLES[name].required) | set(TABLES[name].optional), name
        with open(a.out / f"{name}.txt", "w", encoding="utf-8", newline="") as fh:
            fh.write("\t".join(cols) + "\n")
            for r in rows:
                fh.write("\t".join(fmt(c, r.get(c, "")).replace("\t", " ") for c in cols) + "\n")
        print(f"{name}.txt: {len(rows)} rows")
    (a.out / "Read Me.txt").write_text(
        "O*NET 30.1 Database\nDecember 2025 Release\n---------------------\n\n"
        "SkillGraph's embedded sample: one occupation (43-4051.00) of the O*NET 30.1 Database in its text format,\n"
        "written by scripts/make_embedded_onet.py (see README.md in this folder).\n\n"
        "The content of the O*NET 30.1 Database is licensed under a Creative Commons Attribution 4.0 International "
        "License. For more information, please visit:\n\nhttps://www.onetcenter.org/license_db.html\n",
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
