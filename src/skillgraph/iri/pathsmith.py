"""The IRIs of Pathsmith Durable Skills (id/pathsmith/<type>/<id>), a levelled statement framework."""
from __future__ import annotations

from .scheme import Scheme
from .statements import STATEMENT_KINDS

SCHEME = Scheme("pathsmith", STATEMENT_KINDS)
BASE = SCHEME.base
mint = SCHEME.mint
