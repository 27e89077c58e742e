"""SkillGraph: occupation and skill taxonomies in one validated RDF graph."""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("skillgraph")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
