"""`skillgraph fetch onet` against a real HTTP server on loopback serving a zip made in the test."""
from __future__ import annotations

import functools
import http.server
import threading
import zipfile
from pathlib import Path

import pytest

from skillgraph.cli import main
from skillgraph.fetch import FetchError, fetch, onet_release


@pytest.fixture
def http_dir(tmp_path):
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield root, f"http://127.0.0.1:{srv.server_address[1]}/"
    finally:
        srv.shutdown()
        srv.server_close()


def make_zip(path: Path, members=("Occupation Data.txt", "Task Statements.txt", "Content Model Reference.txt")):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for m in members:
            zf.writestr(f"db_30_1_text/{m}", "O*NET-SOC Code\tTitle\n43-4051.00\tCustomer Service Representatives\n")


def test_fetch_downloads_verifies_and_caches(http_dir, tmp_path):
    root, url = http_dir
    make_zip(root / "db_30_1_text.zip")
    cache = tmp_path / "cache"
    p = fetch("onet", "30.1", cache=cache, base_url=url, log=lambda m: None)
    assert p == cache / "onet" / "30.1" / "db_30_1_text.zip"
    assert p.with_name(p.name + ".sha256").read_text().split()[1] == "db_30_1_text.zip"
    (root / "db_30_1_text.zip").unlink()  # the cached copy is used; no second download
    assert fetch("onet", "30.1", cache=cache, base_url=url, log=lambda m: None) == p


def test_fetch_rejects_incomplete_archive_and_leaves_nothing(http_dir, tmp_path):
    root, url = http_dir
    make_zip(root / "db_30_1_text.zip", members=("Occupation Data.txt",))
    cache = tmp_path / "cache"
    with pytest.raises(FetchError, match="lacks Task Statements.txt"):
        fetch("onet", "30.1", cache=cache, base_url=url, log=lambda m: None)
    assert list((cache / "onet" / "30.1").iterdir()) == []


def test_fetch_reports_http_errors_and_bad_zip(http_dir, tmp_path):
    root, url = http_dir
    with pytest.raises(FetchError, match="could not download"):
        fetch("onet", "30.1", cache=tmp_path / "c", base_url=url, log=lambda m: None)
    (root / "db_30_1_text.zip").write_bytes(b"not a zip")
    with pytest.raises(FetchError, match="not a zip archive"):
        fetch("onet", "30.1", cache=tmp_path / "c", base_url=url, log=lambda m: None)


def test_cached_copy_that_changed_is_downloaded_again(http_dir, tmp_path):
    root, url = http_dir
    make_zip(root / "db_30_1_text.zip")
    cache = tmp_path / "cache"
    p = fetch("onet", "30.1", cache=cache, base_url=url, log=lambda m: None)
    p.write_bytes(b"tampered")
    msgs = []
    fetch("onet", "30.1", cache=cache, base_url=url, log=msgs.append)
    assert any("does not match its recorded digest" in m for m in msgs)
    assert zipfile.is_zipfile(p)


def test_cli_fetch_and_release_names(http_dir, tmp_path, capsys):
    root, url = http_dir
    make_zip(root / "db_30_1_text.zip")
    assert main(["fetch", "onet", "--release", "30.1", "--cache", str(tmp_path / "c"), "--base-url", url]) == 0
    assert capsys.readouterr().out.strip().endswith("db_30_1_text.zip")
    assert onet_release("29.3").url.endswith("/db_29_3_text.zip")
    assert main(["fetch", "onet", "--release", "thirty"]) == 2
    assert main(["fetch", "esco-v9", "--release", "1.2"]) == 2
