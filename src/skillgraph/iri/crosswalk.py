"""The crosswalk's IRIs (id/crosswalk/<type>/<id>): the alignment nodes the aligner mints, and the mapping
sets that name what is the same for all alignments of one kind (the support kind's method)."""
from __future__ import annotations

from .scheme import Scheme

SCHEME = Scheme("crosswalk", ("alignment", "mapping-set"))
BASE = SCHEME.base
mint = SCHEME.mint
