"""The IRIs of the mastery ladder (id/ladder/<type>/<id>), a levelled statement framework."""
from __future__ import annotations

from .scheme import Scheme
from .statements import STATEMENT_KINDS

SCHEME = Scheme("ladder", STATEMENT_KINDS)
BASE = SCHEME.base
mint = SCHEME.mint
