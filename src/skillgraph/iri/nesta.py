"""Nesta's ESCO–O*NET crosswalk IRIs (id/nesta/<type>/<id>): source rows, alignments, SOC steps."""
from __future__ import annotations

from .scheme import Scheme

SCHEME = Scheme("nesta", ("row", "alignment", "crosswalk-step"))
BASE = SCHEME.base
mint = SCHEME.mint
