"""Running the service under waitress, a production WSGI server (not Flask's development server)."""
from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

from .app import create_app

log = logging.getLogger("skillgraph.server")


def serve(build_dir: str | Path, host: str = "127.0.0.1", port: int = 8000, threads: int = 8, **config) -> None:
    """Serve the build folder's CURRENT build until interrupted.

    `config` takes the app's keys (QUERY_TIMEOUT, RESULT_LIMIT, WORKERS, MAX_MEMORY_MB,
    ALLOW_SERVICE); waitress gets more threads than there are query workers, and a query finding
    no free worker is answered 503 at once, so /health and the home page never wait behind queries.
    """
    from waitress import create_server

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if threading.current_thread() is threading.main_thread():  # SIGTERM: stop cleanly, workers included
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    app = create_app({**config, "BUILD_DIR": str(build_dir)})
    state = app.extensions["skillgraph"]
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="skillgraph")
        build_id = state.current()
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{server.effective_port}"
        log.info("serving build %s of %s", build_id, Path(build_dir).resolve())
        log.info("SPARQL endpoint: %s/sparql   (home page: %s/ ; Ctrl-C to stop)", url, url)
        sys.stderr.flush()
        server.run()
    except (KeyboardInterrupt, SystemExit):
        log.info("stopped")
    finally:
        state.close()
