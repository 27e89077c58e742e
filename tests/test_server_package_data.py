"""A non-editable install serves the workbench, templates and static files from the installed package."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = r"""
import json, sys
import skillgraph.server
from skillgraph.server import create_app
app = create_app({"BUILD_DIR": sys.argv[1], "WORKERS": 1})
c = app.test_client()
out = {"package": skillgraph.server.__file__}
for url in ("/", "/static/workbench.js", "/static/workbench.css", "/static/skillgraph.css", "/ontology",
            "/id/onet/task/2582"):
    r = c.get(url, headers={"Accept": "text/html"})
    out[url] = [r.status_code, len(r.data)]
app.extensions["skillgraph"].close()
print(json.dumps(out))
"""


def test_installed_package_serves_the_workbench(tmp_path, embedded_build):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(ROOT)],
                   check=True, cwd=tmp_path)
    installed = target / "skillgraph" / "server"
    for name in ("static/workbench.js", "static/workbench.css", "static/skillgraph.css", "templates/workbench.html",
                 "templates/resource.html", "templates/ontology.html", "templates/base.html", "templates/macros.html"):
        assert (installed / name).is_file(), name
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    res = subprocess.run([sys.executable, "-c", PROBE, str(embedded_build[0])], capture_output=True, text=True,
                         env=env, cwd=tmp_path, check=True)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out.pop("package").startswith(str(installed))  # the installed copy, not the source tree
    assert len(out) == 6
    for url, (status, size) in out.items():
        assert status == 200 and size > 0, url
