"""Scoring the tasks' support candidates on every core: the parts of the task list in forked processes.

Scoring is pure Python over read-only structures the aligner built once (corpus, contexts, embeddings,
feature space), one task at a time, and a task's answers depend on nothing another task does. So once the
aligner is prepared, the process forks: each child scores one contiguous part of the task list (whole
occupations, so each occupation's context is built in one process only) and sends its answers back through
a pipe; the parent scores the first part itself and puts the parts back in order, so the answers are those
of one process, in the same order.

Forking shares the prepared structures without copying them up front (copy-on-write); the collector is
frozen around the fork so that collections in a child do not copy every page they walk. numpy's BLAS runs
one thread per process meanwhile: with its default (a thread per core) in each of two processes on two
cores, the halves of the full run took 150 and 163 s (the whole, in one process, 190 s); with one, 78 and
96 s. Where fork is not available (Windows, or one core), the parts run one after the other in this process.
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import os
import traceback
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: fewer tasks than this are scored in this process (forking costs more than it saves)
MIN_TASKS = 2_000
#: at most this many processes (each copies the pages it writes; on 2 cores, full releases, the process tree's
#: proportional set size stayed under the parent's own later peak: 2,578 MB against 2,604 MB)
MAX_WORKERS = 4


def workers() -> int:
    """The processes to score in: the cores this process may run on, at most MAX_WORKERS; 1 without fork.
    SKILLGRAPH_CROSSWALK_WORKERS overrides (1: no fork)."""
    given = os.environ.get("SKILLGRAPH_CROSSWALK_WORKERS")
    if given:
        if not given.isdigit() or int(given) < 1:
            raise ValueError(f"SKILLGRAPH_CROSSWALK_WORKERS must be a whole number >= 1, not {given!r}")
        n = int(given)
    else:
        n = min(MAX_WORKERS, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    return n if "fork" in mp.get_all_start_methods() else 1


def split(items: Sequence[T], n: int, key: Callable[[T], object]) -> list[list[T]]:
    """`items` in at most `n` contiguous parts of about equal size, never splitting a run of equal `key`."""
    if n <= 1 or len(items) <= 1:
        return [list(items)]
    parts: list[list[T]] = [[]]
    target = len(items) / n
    for i, item in enumerate(items):
        boundary = i > 0 and key(item) != key(items[i - 1])
        if boundary and len(parts) < n and sum(map(len, parts)) >= target * len(parts):
            parts.append([])
        parts[-1].append(item)
    return parts


def map_parts(fn: Callable[[list[T]], R], parts: list[list[T]]) -> list[R]:
    """[fn(part) for part in parts], the parts after the first in forked children; results in order.
    A child that fails raises a RuntimeError here carrying its traceback."""
    if len(parts) <= 1:
        return [fn(p) for p in parts]
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # inherited by the children
        return _forked(fn, parts)


def _forked(fn: Callable[[list[T]], R], parts: list[list[T]]) -> list[R]:
    ctx = mp.get_context("fork")
    children = []
    gc.freeze()  # the objects alive now: collections (in the children too) skip them, so no page is copied for it
    try:
        for part in parts[1:]:
            receive, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(fn, part, send), daemon=True)
            proc.start()
            send.close()
            children.append((proc, receive))
        out = [fn(parts[0])]
        for proc, receive in children:
            try:
                ok, payload = receive.recv()
            except EOFError:
                ok, payload = False, "the worker exited without an answer"
            proc.join()
            if not ok:
                raise RuntimeError(f"crosswalk worker (pid {proc.pid}, exit code {proc.exitcode}) failed:\n{payload}")
            out.append(payload)
        return out
    finally:
        for proc, _ in children:
            if proc.is_alive():
                proc.kill()
                proc.join()
        gc.unfreeze()


def _child(fn: Callable, part: list, send) -> None:
    try:
        result = fn(part)
    except BaseException:  # sent to the parent, which raises it with the traceback
        send.send((False, traceback.format_exc()))
    else:
        send.send((True, result))
    finally:
        send.close()
