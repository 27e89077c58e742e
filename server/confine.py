"""A query worker confines itself before it takes a job: no network, death with the server, a memory cap.

Called first thing in the worker (still single-threaded, as unshare(CLONE_NEWUSER) requires):
- its own, empty network namespace: SERVICE (or anything else) cannot connect anywhere, even if
  the server's check let a query through;
- PR_SET_PDEATHSIG(SIGKILL): the kernel kills it when the thread that started it exits (the
  pool's long-lived spawner thread), so `kill -9` of the server leaves no orphan; plus a lifeline
  pipe whose EOF ends it (pyoxigraph releases the GIL while evaluating, so the watching thread
  runs even mid-query);
- RLIMIT_DATA: an allocation past MAX_MEMORY fails (Oxigraph then aborts: the server answers 503).
"""
from __future__ import annotations

import ctypes
import os
import resource
import signal
import threading

PR_SET_PDEATHSIG = 1
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _isolate_network(libc) -> str | None:
    """Move this (still single-threaded) process into a new, empty network namespace.

    As root CLONE_NEWNET alone; otherwise inside a new user namespace, where unprivileged users
    may create one. Returns how, or None if the kernel refused both.
    """
    if libc.unshare(CLONE_NEWNET) == 0:
        return "netns"
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0:
        return "userns+netns"
    return None


def confine(settings: dict) -> dict:
    """Apply the worker's limits; what took effect, for /health."""
    libc = _libc()
    done = {}
    # die with the server: the kernel signals us when the thread that started us exits (the pool's
    # spawner thread lives as long as the server); a parent gone before this call is caught below
    done["parent_death_signal"] = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    if os.getppid() != settings["parent"]:
        os._exit(0)
    done["network_isolated"] = _isolate_network(libc) if settings.get("isolate_network") else None
    limit = settings.get("max_memory")
    done["memory_rlimit"] = None
    if limit:
        try:  # RLIMIT_DATA counts the heap and anonymous maps, not the store's file-backed maps
            resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
            done["memory_rlimit"] = "RLIMIT_DATA"
        except (ValueError, OSError):
            pass
    fd = settings.get("lifeline")
    if fd is not None:  # the pipe's write end lives only in the server: EOF means the server is gone
        def watch():
            try:
                while os.read(fd, 1):
                    pass
            finally:
                os._exit(0)

        threading.Thread(target=watch, daemon=True, name="lifeline").start()
        done["lifeline"] = True
    return done
