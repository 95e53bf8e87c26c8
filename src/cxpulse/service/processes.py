"""How cxpulse starts helper processes (a reader beside an import, KPI workers).

`fork` is the cheapest and needs nothing from the caller, but forking while another
thread runs (a progress bar's refresher) can copy a lock that thread holds into the
child, locked for good. `forkserver` has no such risk, but re-imports the caller's
main module in the child, which a script without an `if __name__ == "__main__"` guard
does not survive. So: fork when this process has no other thread, else forkserver
(the `cxpulse` command, which runs a progress bar, has the guard).

A helper process must not outlive the process it works for: one killed (`kill -9`, the
OOM killer) cannot stop its helpers, and a helper left behind keeps reading, holds the
database files its fork inherited, and waits for ever on a pipe nobody reads. So each
helper calls `die_with_parent` first.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from multiprocessing.context import BaseContext


def process_context() -> BaseContext:
    methods = multiprocessing.get_all_start_methods()
    if threading.active_count() == 1 and "fork" in methods:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_SECONDS = 0.5


def die_with_parent() -> None:
    """End this (helper) process when its parent ends, however the parent ends.

    On Linux the kernel sends SIGKILL the moment the parent dies (PR_SET_PDEATHSIG). As
    that covers Linux only, and not a parent that died before the call, a watcher thread
    also ends the process once it is re-parented (the parent's pid is no longer its
    parent's). A child of the forkserver has the forkserver as its parent, which itself
    exits when the process that started it is gone: the same two ways then apply.
    """
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl (a libc without it): the watcher below still ends this process
    threading.Thread(target=_watch, args=(parent,), name="cxpulse-parent-watch", daemon=True).start()


def _watch(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)  # no cleanup to do: the parent that wanted the work is gone
        time.sleep(WATCH_SECONDS)
