"""Progress of long build stages: items, rate and time left.

On a terminal this is a tqdm bar on stderr. Anywhere else (CI logs, files, pipes) tqdm still
measures and rate-limits, but each refresh becomes one plain log line sent to the build's log
(no carriage returns), at most every LOG_INTERVAL seconds, plus a final line when the stage ends.

    with progress("mapping onet", total=n, unit="rows", log=log) as bar:
        for row in rows:
            ...
            bar.update()

    for g in track(graphs, "loading", log=log): ...
"""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")
Log = Callable[[str], None]

LOG_INTERVAL = float(os.environ.get("SKILLGRAPH_PROGRESS_INTERVAL", "15"))
QUIET_SECONDS = 2.0
BAR_FORMAT_LOG = "{desc}: {n_fmt}/{total_fmt} {unit} [{elapsed}<{remaining}, {rate_fmt}]"
BAR_FORMAT_LOG_NOTOTAL = "{desc}: {n_fmt} {unit} [{elapsed}, {rate_fmt}]"


_LOG: ContextVar[Log | None] = ContextVar("skillgraph_progress_log", default=None)


@contextmanager
def logging_to(log: Log | None) -> Iterator[None]:
    """Send the plain progress lines of every stage run inside this block to `log` (the build's log)."""
    token = _LOG.set(log)
    try:
        yield
    finally:
        _LOG.reset(token)


def _stderr_line(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def on_terminal() -> bool:
    """A live bar only when stderr is a terminal and nobody asked for plain lines."""
    if os.environ.get("SKILLGRAPH_PROGRESS", "").lower() in ("0", "off", "log", "plain"):
        return False
    return sys.stderr.isatty()


class _LineWriter:
    """A file-like object that turns tqdm's refreshes into plain log lines; quiet for stages that end
    within QUIET_SECONDS (only long stages need a progress report)."""

    def __init__(self, log: Log | None):
        self.log = log
        self.started = time.monotonic()

    def write(self, s: str) -> None:
        text = s.replace("\r", "").replace("\x1b[A", "").strip()
        if text and self.log is not None and time.monotonic() - self.started >= QUIET_SECONDS:
            self.log(text)

    def flush(self) -> None:
        pass


def _bar(desc: str, total: int | float | None, unit: str, log: Log | None, quiet: bool) -> tqdm:
    log = log or _LOG.get() or _stderr_line
    if quiet:
        return tqdm(total=total, disable=True)
    if on_terminal():
        return tqdm(total=total, desc=desc, unit=f" {unit}", unit_scale=True, dynamic_ncols=True,
                    leave=False, file=sys.stderr, mininterval=0.5, delay=QUIET_SECONDS)
    fmt = BAR_FORMAT_LOG if total else BAR_FORMAT_LOG_NOTOTAL
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=bool(total and total >= 10_000), file=_LineWriter(log),
                ascii=True, mininterval=LOG_INTERVAL, maxinterval=LOG_INTERVAL * 4, bar_format=fmt, leave=True)


@contextmanager
def progress(desc: str, total: int | float | None = None, unit: str = "items", log: Log | None = None,
             quiet: bool = False) -> Iterator[tqdm]:
    """A progress bar (terminal) or periodic log lines (elsewhere) for one stage; `bar.update(n)`."""
    bar = _bar(desc, total, unit, log, quiet)
    try:
        yield bar
    finally:
        bar.close()


def track(items: Iterable[T], desc: str, total: int | None = None, unit: str = "items",
          log: Log | None = None, quiet: bool = False) -> Iterator[T]:
    """Iterate over `items`, showing progress; total defaults to len(items) when it has one."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with progress(desc, total, unit, log, quiet) as bar:
        for item in items:
            yield item
            bar.update(1)
