"""The crosswalk's IRIs (id/crosswalk/<type>/<id>): the alignment nodes the aligner mints."""
from __future__ import annotations

from .scheme import Scheme

SCHEME = Scheme("crosswalk", ("alignment",))
BASE = SCHEME.base
mint = SCHEME.mint
