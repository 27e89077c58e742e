"""The IRI types every levelled statement framework mints (Pathsmith, ladder, AI-at-Work share one table format)."""
from __future__ import annotations

STATEMENT_KINDS = ("scheme", "level", "domain", "statement", "anchor-set", "cited-source")
