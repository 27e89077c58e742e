"""The crosswalk's IRIs (id/crosswalk/<type>/<id>): the alignment nodes the aligner mints, and the mapping
sets that name what is the same for all alignments of one kind (the support kind's method)."""
from __future__ import annotations

from .scheme import Scheme

SCHEME = Scheme("crosswalk", ("alignment", "mapping-set"))
BASE = SCHEME.base
mint = SCHEME.mint

#: the mapping set of the support kind (ESCO skill sg:supportsTask O*NET task): its method is written once there
SUPPORT_SET = mint("mapping-set", "esco-skill-supports-task")
