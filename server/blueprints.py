"""The routes beyond the SPARQL protocol, as Blueprints: Linked Data, Graph Store, VoID, REST API, workbench."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Attach every feature's blueprint to the app, in one place so create_app stays short."""
    from . import api, gsp, linkeddata, ontodoc, workbench

    for bp in (linkeddata.bp, ontodoc.bp, gsp.bp, api.bp, workbench.bp):
        app.register_blueprint(bp)
    workbench.take_over_home(app)
