"""Regenerate tests/fixtures/crosswalk/inputs/embedded.json: the crosswalk's Inputs of the embedded sources.

Run after a deliberate change to what the crosswalk reads (an input query, a mapping) and review the diff:
    python scripts/gen_inputs_golden.py
"""
from __future__ import annotations

import json
from pathlib import Path

from skillgraph.build import assemble, plan
from skillgraph.crosswalk import gather

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "crosswalk" / "inputs" / "embedded.json"


def main() -> None:
    """Map the embedded sources, gather their inputs by the SPARQL files and write them as sorted JSON."""
    inputs = gather(assemble(plan(), crosswalk=False).graphs)
    OUT.write_text(json.dumps(inputs.as_json(), indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
