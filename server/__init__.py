"""The SkillGraph SPARQL service: `create_app(config)` (Flask) and `serve(...)` (waitress).

Imports are lazy so that query worker processes, which import this package, stay light.
"""

from __future__ import annotations

if __name__ != "skillgraph.server":  # one import name only: the top-level folder is not a package of its own
    raise ImportError(f"import skillgraph.server, not {__name__}: this folder is packaged as skillgraph.server")

__all__ = ["create_app", "serve"]


def create_app(config: dict | None = None):
    """See skillgraph.server.app for the configuration keys."""
    from .app import create_app as _create_app

    return _create_app(config)


def serve(build_dir, host: str = "127.0.0.1", port: int = 8000, **config) -> None:
    """Start the SPARQL service over a build folder; imported lazily so `import skillgraph.server` stays light."""
    from .wsgi import serve as _serve

    _serve(build_dir, host=host, port=port, **config)
