"""Draw the gold-set task sample: O*NET 30.1 occupations stratified by SOC major group and Job Zone (Nesta-unlinked
occupations included), two tasks each, split tune/heldout by occupation. Seeded: the same inputs give the same file.

    python scripts/gold_sample.py [--seed 20261201] [--occupations 125] [--per-occupation 2]
"""

from __future__ import annotations

import argparse
import random
from collections import defaultdict

from gold_common import (
    SAMPLE_TSV,
    read_job_zones,
    read_nesta_links,
    read_occupations,
    read_tasks,
    shared_dir,
    write_tsv,
)

COLUMNS = ["task_id", "onet_soc", "occupation", "major_group", "job_zone", "nesta_linked", "split", "task"]
TUNE_SHARE = 0.4
MIN_PER_GROUP = 3


def allocate(sizes: dict[str, int], total: int) -> dict[str, int]:
    """MIN_PER_GROUP per major group, the rest proportional to group size (largest remainder)."""
    rest = total - MIN_PER_GROUP * len(sizes)
    n = sum(sizes.values())
    share = {g: rest * s / n for g, s in sizes.items()}
    alloc = {g: MIN_PER_GROUP + int(share[g]) for g in sizes}
    for g in sorted(sizes, key=lambda g: (int(share[g]) - share[g], g))[: total - sum(alloc.values())]:
        alloc[g] += 1
    return {g: min(alloc[g], sizes[g]) for g in sizes}


def pick_group(rng: random.Random, occs: list[str], k: int, zone: dict[str, int], linked: set[str]) -> list[str]:
    """Round-robin over the group's Job Zones; the first pick is Nesta-unlinked when the group has one."""
    by_zone: dict[int, list[str]] = defaultdict(list)
    for o in sorted(occs):
        by_zone[zone[o]].append(o)
    for v in by_zone.values():
        rng.shuffle(v)
    chosen: list[str] = []
    unlinked = sorted(o for o in occs if o not in linked)
    if unlinked and k:
        first = rng.choice(unlinked)
        chosen.append(first)
        by_zone[zone[first]].remove(first)
    zones = sorted(by_zone)
    rng.shuffle(zones)
    while len(chosen) < k:
        for z in zones:
            if by_zone[z] and len(chosen) < k:
                chosen.append(by_zone[z].pop())
    return chosen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--occupations", type=int, default=125)
    ap.add_argument("--per-occupation", type=int, default=2)
    a = ap.parse_args()
    d = shared_dir()
    tasks, titles, zone, links = read_tasks(d), read_occupations(d), read_job_zones(d), read_nesta_links(d)
    by_occ: dict[str, list[str]] = defaultdict(list)
    for t in tasks.values():
        by_occ[t.soc].append(t.task_id)
    eligible = sorted(o for o, ts in by_occ.items() if len(ts) >= a.per_occupation and o in zone)
    groups: dict[str, list[str]] = defaultdict(list)
    for o in eligible:
        groups[o[:2]].append(o)
    rng = random.Random(a.seed)
    alloc = allocate({g: len(v) for g, v in groups.items()}, a.occupations)
    rows = []
    for g in sorted(groups):
        chosen = pick_group(rng, groups[g], alloc[g], zone, set(links))
        order = sorted(chosen)
        rng.shuffle(order)
        n_tune = round(TUNE_SHARE * len(order))
        for i, o in enumerate(order):
            split = "tune" if i < n_tune else "heldout"
            for tid in sorted(rng.sample(sorted(by_occ[o], key=int), a.per_occupation), key=int):
                rows.append({"task_id": tid, "onet_soc": o, "occupation": titles[o], "major_group": g + "-0000",
                             "job_zone": zone[o], "nesta_linked": "yes" if o in links else "no", "split": split,
                             "task": tasks[tid].text})
    rng.shuffle(rows)  # judging order: batches mix groups, zones and splits
    write_tsv(
        SAMPLE_TSV,
        rows,
        COLUMNS,
        f"# gold_sample.py --seed {a.seed} --occupations {a.occupations} --per-occupation {a.per_occupation}\n",
    )
    n = defaultdict(int)
    for r in rows:
        n[r["split"]] += 1
    print(f"{len(rows)} tasks, {len({r['onet_soc'] for r in rows})} occupations, {len(groups)} major groups; "
          f"tune {n['tune']} heldout {n['heldout']}; unlinked tasks {sum(r['nesta_linked'] == 'no' for r in rows)}")


if __name__ == "__main__":
    main()
