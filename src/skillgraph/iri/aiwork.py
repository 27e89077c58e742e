"""The IRIs of the AI-at-Work statements (id/aiwork/<type>/<id>), a levelled statement framework."""
from __future__ import annotations

from .scheme import Scheme
from .statements import STATEMENT_KINDS

SCHEME = Scheme("aiwork", STATEMENT_KINDS)
BASE = SCHEME.base
mint = SCHEME.mint
