"""The WEF Global Skills Taxonomy's IRIs (id/wef/<type>/<id>)."""
from __future__ import annotations

from .scheme import Scheme

SCHEME = Scheme("wef", ("scheme", "cluster", "skill", "cited-source"))
BASE = SCHEME.base
mint = SCHEME.mint
