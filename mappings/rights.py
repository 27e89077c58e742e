"""Sources whose publisher states no licence: the licence IRI SkillGraph uses for them, and the rights note.

Documented in each such source's embedded README; a mapping says what it is by mixing in `RightsNote`.
"""
from __future__ import annotations

from typing import ClassVar

from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS

from .base import MappingReport, SourceMapping

# A licence IRI of our own for sources whose publisher states none (documented in the embedded READMEs).
UNSTATED_LICENCE = "https://w3id.org/skillgraph/licence/unstated"
UNSTATED_RIGHTS = "Licence not stated by the publisher; reproduced for research with attribution."


class RightsNote(SourceMapping):
    """Mixin: a source whose graph description carries a dcterms:rights note (by default: licence unstated)."""

    rights: ClassVar[str] = UNSTATED_RIGHTS

    def describe(self, g: Graph, release: str, report: MappingReport) -> None:
        """Describe the source's graph as every mapping does, adding its rights note."""
        super().describe(g, release, report)
        g.add((self.graph_iri, DCTERMS.rights, Literal(self.rights)))
