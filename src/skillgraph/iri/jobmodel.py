"""The competency job model's IRIs (id/jobmodel/<type>/<id>)."""
from __future__ import annotations

from .scheme import Scheme

SCHEME = Scheme("jobmodel", ("scheme", "competency", "cluster", "role", "cited-source"))
BASE = SCHEME.base
mint = SCHEME.mint
