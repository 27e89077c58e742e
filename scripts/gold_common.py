"""Shared readers for the gold-set scripts: O*NET 30.1 tasks/occupations/job zones, ESCO v1.1.1 skills and
occupation profiles, and the Nesta ESCO-O*NET crosswalk brought onto O*NET-SOC 2019 codes.

The gold set is built from the staged upstream files only (never from the project's own crosswalk), so that
it can judge the crosswalk without sharing its assumptions.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

from skillgraph.tabular import read_table

GOLD_DIR = Path(__file__).resolve().parent.parent / "eval" / "gold"
SAMPLE_TSV = GOLD_DIR / "sample.tsv"
POOL_TSV = GOLD_DIR / "pool.tsv"
JUDGED_TSV = GOLD_DIR / "judgements.tsv"
SSSOM_TSV = GOLD_DIR / "onet_task_esco_skill.sssom.tsv"
ESCO_SKILL = "http://data.europa.eu/esco/skill/"


def shared_dir() -> Path:
    """The staged upstream data: SKILLGRAPH_SHARED_DATA, else ../shared/data beside the checkout (as the tests)."""
    env = os.environ.get("SKILLGRAPH_SHARED_DATA")
    for d in ([Path(env)] if env else []) + [Path(__file__).resolve().parents[2] / "shared" / "data"]:
        if (d / "SOURCES.md").is_file():
            return d
    raise SystemExit("shared data not found: set SKILLGRAPH_SHARED_DATA to the folder holding SOURCES.md")


@dataclass(frozen=True)
class Task:
    task_id: str
    soc: str
    text: str
    task_type: str


@dataclass(frozen=True)
class Skill:
    uri: str
    label: str
    alt: tuple[str, ...]
    description: str
    skill_type: str

    @property
    def uuid(self) -> str:
        return self.uri.rsplit("/", 1)[1]


def onet_dir(d: Path) -> Path:
    return d / "onet" / "30.1"


def read_tasks(d: Path) -> dict[str, Task]:
    out = {}
    for r in read_table(onet_dir(d) / "Task Statements.xlsx", ["O*NET-SOC Code", "Task ID", "Task"]):
        out[r["Task ID"]] = Task(r["Task ID"], r["O*NET-SOC Code"], r["Task"].strip(), r.get("Task Type"))
    return out


def read_occupations(d: Path) -> dict[str, str]:
    return {
        r["O*NET-SOC Code"]: r["Title"]
        for r in read_table(onet_dir(d) / "Occupation Data.xlsx", ["O*NET-SOC Code", "Title"])
    }


def read_job_zones(d: Path) -> dict[str, int]:
    return {
        r["O*NET-SOC Code"]: int(float(r["Job Zone"]))
        for r in read_table(onet_dir(d) / "Job Zones.xlsx", ["O*NET-SOC Code", "Job Zone"])
    }


def read_nesta_links(d: Path) -> dict[str, list[str]]:
    """O*NET-SOC 2019 code -> ESCO occupation URIs that Nesta matched to it.

    Nesta's 2010 codes are mapped to 2019 via the O*NET crosswalk.
    """
    to2019: dict[str, list[str]] = {}
    for r in read_table(d / "onet" / "taxonomy" / "2010_to_2019_soc_crosswalk.csv"):
        to2019.setdefault(r["O*NET-SOC 2010 Code"], []).append(r["O*NET-SOC 2019 Code"])
    links: dict[str, list[str]] = {}
    for r in read_table(d / "crosswalks" / "nesta_esco_onet_2020" / "esco_onet_crosswalk_Nov2020.csv"):
        for code in to2019.get(r["onet_code"], []):
            links.setdefault(code, []).append(r["concept_uri"])
    return links


def read_skills(d: Path) -> dict[str, Skill]:
    out = {}
    for r in read_table(d / "esco" / "v1.1.1" / "skills_en.csv.gz", ["conceptUri", "preferredLabel"]):
        alt = tuple(a.strip() for a in r.get("altLabels").split("\n") if a.strip())
        out[r["conceptUri"]] = Skill(r["conceptUri"], r["preferredLabel"].strip(), alt,
                                     " ".join(r.get("description").split()), r.get("skillType"))
    return out


def read_skill_texts(d: Path, with_definition: bool) -> list[dict[str, str]]:
    """ESCO skills with the texts the crosswalk reads (inputs.gather): label, sorted altLabels, notes.

    `with_definition` puts ESCO's definition before the description, as the crosswalk's full text does."""
    out = []
    for r in read_table(d / "esco" / "v1.1.1" / "skills_en.csv.gz", ["conceptUri", "preferredLabel"]):
        label = r["preferredLabel"].strip()
        alts = sorted(a.strip() for a in r.get("altLabels").split("\n") if a.strip())
        description = " ".join(r.get("description").split())
        definition = r.get("definition").strip() if with_definition else ""
        notes = " ".join(x for x in (definition, description) if x)
        scope = r.get("scopeNote").strip()
        full = " ".join([label, *alts, notes, *([scope] if scope else [])])
        out.append({"uri": r["conceptUri"], "label": label, "description": description, "full": full,
                    "type": r.get("skillType"), "reuse": r.get("reuseLevel")})
    return out


def print_candidate(i: int, s: Skill, desc_chars: int) -> None:
    """One numbered candidate as the judge reads it: label, skill type, the start of the description."""
    print(f"  {i:2}. {s.label} [{(s.skill_type or '?')[:4]}] -- {s.description[:desc_chars]}")


def read_profiles(d: Path) -> dict[str, list[tuple[str, str]]]:
    """ESCO occupation URI -> [(skill URI, essential|optional)]."""
    out: dict[str, list[tuple[str, str]]] = {}
    for r in read_table(d / "esco" / "v1.1.1" / "occupationSkillRelations.csv.gz", ["occupationUri", "skillUri"]):
        out.setdefault(r["occupationUri"], []).append((r["skillUri"], r.get("relationType")))
    return out


_STOP = set("""a an and are as at be by for from in into of on or the to with within their its this that these those
other others such as using use used all any each per via etc including include includes e g i ie may
""".split())


def stem(w: str) -> str:
    """A crude suffix stripper: enough to let 'installs/installing/installation' meet 'install'."""
    for suf in (
        "ational",
        "ations",
        "ation",
        "ments",
        "ment",
        "ings",
        "ing",
        "ies",
        "ied",
        "ers",
        "er",
        "es",
        "ed",
        "s",
    ):
        if len(w) > len(suf) + 3 and w.endswith(suf):
            w = w[: -len(suf)]
            break
    return w


def tokens(text: str) -> list[str]:
    return [stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP and len(w) > 1]


def read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"))


def write_tsv(path: Path, rows: list[dict], columns: list[str], header: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write(header)
        w = csv.DictWriter(f, columns, delimiter="\t", lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
