"""Leaving the process as soon as a command's output is out, without tearing down what
the command built.

`cxpulse score --open` ends holding 100,000 answer rows, their scores and the modules
and model it loaded; freeing them one by one on the way out (the command's locals, then
the interpreter's teardown) was ~0.4 s of CPU after the last line was written, for
nothing the user sees. Only the console command leaves early (`main` says it is one),
never a command run inside another program (tests, `CliRunner`), and only when nothing
else is still running there: no other thread, no child process.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

__all__ = ["from_console", "leave_now"]

_console = False


def from_console() -> None:
    """This process is the `cxpulse` command itself (`cli.main`): a command may end it."""
    global _console
    _console = True


def leave_now(engine) -> None:
    """End the process here, with exit status 0, when it is the console command and alone:
    the output flushed, the database's connections closed (SQLite folds its write-ahead
    log back into the file as at a normal exit), logging shut down. Otherwise return, and
    the command ends as usual."""
    if not _console or threading.active_count() > 1:
        return
    processes = sys.modules.get("multiprocessing")
    if processes is not None and processes.active_children():
        return
    sys.stdout.flush()
    sys.stderr.flush()
    engine.dispose()
    logging.shutdown()
    os._exit(0)
