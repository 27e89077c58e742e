"""The Skill Automation Feasibility Index's IRIs (id/safi/<type>/<id>)."""
from __future__ import annotations

from .scheme import Scheme

SCHEME = Scheme("safi", ("scheme", "assessment", "cited-source"))
BASE = SCHEME.base
mint = SCHEME.mint
