"""Scoring the tasks' support candidates on every core: parts of the task list taken by forked processes.

Scoring is pure Python over read-only structures the aligner built once (corpus, contexts, embeddings,
feature space), one task at a time, and a task's answers depend on nothing another task does. So once the
aligner is prepared, the process forks, and the parent and its children take the parts of the task list
(whole occupations, so each occupation's context is built in one process only) one at a time from a shared
counter until none is left. A child sends each part's answers back as soon as it has them; the parent hands
every finished part (its own and the children's) to a `sink` as it comes, and returns the parts' answers
in order, so the answers are those of one process, in the same order.

Parts are taken, not dealt: on the full releases the halves of a fixed split took 91 and 73 s (the parent
shared its core with the exports' thread). Taking parts balances the processes whatever each is slowed by.
(Writing the crosswalk graph from the sink while the children score saved another 40 s, but every page the
parent writes while a child lives is copied, and the full build's peak rose from 3.9 to 5.0 GB: the graph
is written after the scoring.)

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
import queue
import threading
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


def map_parts(fn: Callable[[list[T]], R], parts: list[list[T]], sink: Callable[[R], None] | None = None,
              processes: int | None = None) -> list[R]:
    """[fn(part) for part in parts], the parts taken one at a time by this process and `processes - 1` forked
    children (default: `workers()`, at most one per part); results in order. `sink(result)` runs in
    this process for every part as it is finished, in the order they finish. A part that fails in a child
    raises a RuntimeError here carrying its traceback; one that fails here raises as it is."""
    n = min(len(parts), processes if processes is not None else workers())
    if n <= 1:
        out = []
        for p in parts:
            out.append(fn(p))
            if sink is not None:
                sink(out[-1])
        return out
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # inherited by the children
        return _forked(fn, parts, n - 1, sink)


def _take(counter, total: int) -> int | None:
    """The next part nobody has taken, or None."""
    with counter.get_lock():
        i = counter.value
        if i >= total:
            return None
        counter.value = i + 1
        return i


def _forked(fn: Callable[[list[T]], R], parts: list[list[T]], children_wanted: int,
            sink: Callable[[R], None] | None) -> list[R]:
    ctx = mp.get_context("fork")
    counter = ctx.Value("i", 0)
    inbox: queue.Queue = queue.Queue()  # (kind, part index, payload, pid) from every child, read by a thread each
    children = []
    # the objects alive now: collections (in the children too) skip them, so no page is copied for it. When
    # something froze objects before (the build, build.gc_paused), they stay frozen for it to thaw: thawing
    # here handed the build's mapped objects and the aligner's back to the collector, whose next full
    # collection walked them all (14 s on the full releases, right after the scoring)
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    try:
        for _ in range(children_wanted):
            receive, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(fn, parts, counter, send), daemon=True)
            proc.start()
            send.close()
            children.append(proc)
            # a thread reads the child's messages as they come, so a child never waits for this process to be free
            threading.Thread(target=_receive, args=(receive, proc, inbox), daemon=True).start()
        results: dict[int, R] = {}
        running = len(children)

        def handle(message) -> None:
            nonlocal running
            kind, i, payload, pid = message
            if kind == "part":
                results[i] = payload
                if sink is not None:
                    sink(payload)
            elif kind == "done":
                running -= 1
            else:
                proc = next(p for p in children if p.pid == pid)
                proc.join(timeout=5)
                raise RuntimeError(f"crosswalk worker (pid {pid}, exit code {proc.exitcode}) failed:\n{payload}")

        while (i := _take(counter, len(parts))) is not None:
            results[i] = fn(parts[i])
            if sink is not None:
                sink(results[i])
            while not inbox.empty():
                handle(inbox.get())
        while running:
            handle(inbox.get())
        for proc in children:
            proc.join()
        return [results[i] for i in range(len(parts))]
    finally:
        for proc in children:
            if proc.is_alive():
                proc.kill()
                proc.join()
        if not frozen_before:
            gc.unfreeze()


def _receive(receive, proc, inbox: queue.Queue) -> None:
    """Every message of one child into `inbox`; a child gone without saying it is done is a failure."""
    try:
        while True:
            message = receive.recv()
            inbox.put(message)
            if message[0] != "part":
                return
    except (EOFError, OSError):
        inbox.put(("error", None, "the worker exited without an answer", proc.pid))
    finally:
        receive.close()


def _child(fn: Callable, parts: list, counter, send) -> None:
    pid = os.getpid()
    try:
        while (i := _take(counter, len(parts))) is not None:
            send.send(("part", i, fn(parts[i]), pid))
    except BaseException:  # sent to the parent, which raises it with the traceback
        send.send(("error", None, traceback.format_exc(), pid))
    else:
        send.send(("done", None, None, pid))
    finally:
        send.close()
