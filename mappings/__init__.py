"""Source mappings: one module per source, registered under its source id.

The id is the one token used everywhere: module name, named graph (.../graph/<id>),
embedded fixture folder (src/skillgraph/embedded/<id>/), export file (<id>.ttl).
"""

from __future__ import annotations

if __name__ != "skillgraph.mappings":  # one import name only: the top-level folder is not a package of its own
    raise ImportError(f"import skillgraph.mappings, not {__name__}: this folder is packaged as skillgraph.mappings")

from importlib import import_module

from skillgraph.registry import Registry

from .base import BuildContext, MappingReport, MappingResult, Origins, SourceMapping, new_graph

__all__ = ["SOURCES", "SourceMapping", "BuildContext", "MappingReport", "MappingResult", "Origins", "new_graph",
           "source"]

SOURCES: Registry[SourceMapping] = Registry("source")

# Build order: a mapping may read the graphs of those before it (see SourceMapping.requires).
_MODULES = ("onet", "esco", "nesta", "wef", "pathsmith", "aei", "ladder", "aiwork", "safi", "jobmodel")

for _name in _MODULES:
    _mod = import_module(f"{__name__}.{_name}")
    SOURCES.register(_mod.MAPPING.id, _mod.MAPPING)


def source(key: str) -> SourceMapping:
    """The mapping registered for a source id; an unknown id is an error listing the valid ones."""
    return SOURCES.get(key)
