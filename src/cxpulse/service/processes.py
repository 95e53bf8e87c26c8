"""How cxpulse starts helper processes (a reader beside an import, KPI workers).

`fork` is the cheapest and needs nothing from the caller, but forking while another
thread runs (a progress bar's refresher) can copy a lock that thread holds into the
child, locked for good. `forkserver` has no such risk, but re-imports the caller's
main module in the child, which a script without an `if __name__ == "__main__"` guard
does not survive. So: fork when this process has no other thread, else forkserver
(the `cxpulse` command, which runs a progress bar, has the guard).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
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
